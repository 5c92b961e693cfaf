"""Demo rows for the directory and the needs board (`flask demo-data --rows N`): N / 50 directory
entries and N / 5 needs (2,000 and 20,000 for N = 100,000), mostly published and current."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from portal.accounts.models import Role, User
from portal.demo import demo_user, insert_in_chunks, next_id, seeder
from portal.organisations.models import Organisation
from portal.organisations.rules import LegalForm
from portal.time import utcnow
from portal.voluntary.models import AREAS, DirectoryEntry, Need, NeedKind, NeedState, entry_areas

WORDS = ["youth", "mentoring", "food bank", "befriending", "digital skills", "gardening", "sports", "advice"]
TOWNS = ["Winsford", "Crewe", "Chester", "Runcorn", "Warrington", "Macclesfield", "Northwich", "Widnes"]
AREA_CODES = list(AREAS)
KINDS = list(NeedKind)
STATES = [NeedState.PUBLISHED, NeedState.PENDING, NeedState.MET, NeedState.CLOSED, NeedState.DECLINED]


@seeder("voluntary")
def seed_voluntary(rows: int, rng: random.Random) -> int:
    now = utcnow()
    written = _seed_directory(max(1, rows // 50), now, rng)
    poster = _demo_poster(rng)
    needs = rows // 5
    return written + insert_in_chunks(Need, (_need(n, needs, now, poster, rng) for n in range(needs)))


def _seed_directory(entries: int, now: datetime, rng: random.Random) -> int:
    """`entries` directory entries and the council areas each serves; returns the rows written."""
    first_entry = next_id(DirectoryEntry)
    written = insert_in_chunks(DirectoryEntry, (_entry(n, now, rng) for n in range(entries)))
    return written + insert_in_chunks(
        entry_areas, _entry_areas(range(first_entry, first_entry + entries), rng)
    )


def _entry(n: int, now: datetime, rng: random.Random) -> dict:
    return {
        "name": f"{rng.choice(TOWNS)} {rng.choice(WORDS).title()} Network {n}",
        "brokers": f"Volunteering in {rng.choice(WORDS)} and {rng.choice(WORDS)} projects.",
        "website": f"https://network{n}.example.org",
        "phones": ["01244 000000"],
        "email": f"hello{n}@network.example.org",
        "source": "Demo data",
        "checked_on": now.date() - timedelta(days=rng.randint(0, 700)) if rng.random() < 0.5 else None,
        "retired_at": now if rng.random() < 0.05 else None,
        "created_at": now,
    }


def _entry_areas(entry_ids: range, rng: random.Random) -> Iterator[dict]:
    """The council areas each entry serves: one, sometimes two."""
    for entry_id in entry_ids:
        for code in rng.sample(AREA_CODES, rng.choice([1, 1, 2])):
            yield {"entry_id": entry_id, "authority": code}


def _need(n: int, needs: int, now: datetime, poster: User, rng: random.Random) -> dict:
    """Need n of `needs`, oldest first, one a minute up to now."""
    starts_on = now.date() - timedelta(days=rng.randint(0, 60))
    return {
        "title": f"{rng.choice(WORDS).capitalize()} help in {rng.choice(TOWNS)} ({n})",
        "description": "Demo need: " + " ".join(rng.choices(WORDS, k=12)),
        "kind": rng.choice(KINDS),
        "authority": rng.choice(AREA_CODES[:4]),
        "starts_on": starts_on,
        "ends_on": starts_on + timedelta(days=rng.randint(7, 360)),
        "contact_name": "Demo Contact",
        "contact_email": "contact@voluntary.example.org",
        "state": rng.choices(STATES, weights=[80, 8, 5, 5, 2])[0],
        "organisation_id": poster.organisation_id,
        "posted_by_id": poster.id,
        "created_at": now - timedelta(minutes=needs - n),
    }


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
