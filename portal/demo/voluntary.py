"""Demo rows for the directory and the needs board (`flask demo-data --rows N`): N / 50 directory
entries and N / 5 needs (2,000 and 20,000 for N = 100,000), mostly published and current."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import Role, User
from portal.demo import demo_user, insert_in_chunks, seeder
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.organisations.rules import LegalForm
from portal.time import utcnow
from portal.voluntary.models import AREAS, DirectoryEntry, Need, NeedKind, NeedState, entry_areas

WORDS = ["youth", "mentoring", "food bank", "befriending", "digital skills", "gardening", "sports", "advice"]
TOWNS = ["Winsford", "Crewe", "Chester", "Runcorn", "Warrington", "Macclesfield", "Northwich", "Widnes"]


@seeder("voluntary")
def seed_voluntary(rows: int, rng: random.Random) -> int:
    now = utcnow()
    today = now.date()
    first_entry = (db.session.scalar(sa.select(sa.func.max(DirectoryEntry.id))) or 0) + 1
    entries = max(1, rows // 50)
    written = insert_in_chunks(
        DirectoryEntry,
        (
            {
                "name": f"{rng.choice(TOWNS)} {rng.choice(WORDS).title()} Network {n}",
                "brokers": f"Volunteering in {rng.choice(WORDS)} and {rng.choice(WORDS)} projects.",
                "website": f"https://network{n}.example.org",
                "phones": ["01244 000000"],
                "email": f"hello{n}@network.example.org",
                "source": "Demo data",
                "checked_on": today - timedelta(days=rng.randint(0, 700)) if rng.random() < 0.5 else None,
                "retired_at": now if rng.random() < 0.05 else None,
                "created_at": now,
            }
            for n in range(entries)
        ),
    )
    codes = list(AREAS)
    written += insert_in_chunks(
        entry_areas,
        (
            {"entry_id": entry_id, "authority": code}
            for entry_id in range(first_entry, first_entry + entries)
            for code in rng.sample(codes, rng.choice([1, 1, 2]))
        ),
    )
    poster = _demo_poster(rng)
    kinds = list(NeedKind)
    states = [NeedState.PUBLISHED, NeedState.PENDING, NeedState.MET, NeedState.CLOSED, NeedState.DECLINED]

    def need(n: int) -> dict:
        starts_on = today - timedelta(days=rng.randint(0, 60))
        return {
            "title": f"{rng.choice(WORDS).capitalize()} help in {rng.choice(TOWNS)} ({n})",
            "description": "Demo need: " + " ".join(rng.choices(WORDS, k=12)),
            "kind": rng.choice(kinds),
            "authority": rng.choice(codes[:4]),
            "starts_on": starts_on,
            "ends_on": starts_on + timedelta(days=rng.randint(7, 360)),
            "contact_name": "Demo Contact",
            "contact_email": "contact@voluntary.example.org",
            "state": rng.choices(states, weights=[80, 8, 5, 5, 2])[0],
            "organisation_id": poster.organisation_id,
            "posted_by_id": poster.id,
            "created_at": now - timedelta(minutes=rows // 5 - n),
        }

    return written + insert_in_chunks(Need, (need(n) for n in range(rows // 5)))


def _demo_poster(rng: random.Random) -> User:
    """One registered charity and its member, who posts the demo needs."""
    organisation = Organisation(
        name="Demo Voluntary Trust", legal_form=LegalForm.CHARITY, registered_at=utcnow(), created_at=utcnow()
    )
    return demo_user(
        email=f"demo-poster-{rng.getrandbits(32):08x}@voluntary.example.org",
        name="Demo Poster",
        role=Role.SUPPLIER,
        organisation=organisation,
    )
