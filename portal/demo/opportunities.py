"""Demo opportunities (`flask demo-data --rows N`): N / 5 opportunities with three lots each
(20,000 and 60,000 for N = 100,000, the opportunities issue's figure), most published and open,
some closed, a few drafts; titles and summaries from the kinds of things the force buys."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import Role, User
from portal.demo import demo_user, insert_in_chunks, next_id, seeder
from portal.extensions import db
from portal.opportunities.models import Lot, Opportunity, OpportunityState, Procedure, ResponseRoute
from portal.reference.models import CpvDivision
from portal.time import utcnow

WHAT = [
    ("cleaning of police stations", "90"),
    ("vehicle tyres and fitting", "34"),
    ("custody suite catering", "55"),
    ("uniforms and protective clothing", "18"),
    ("IT support and service desk", "72"),
    ("forensic laboratory services", "71"),
    ("fleet maintenance", "50"),
    ("grounds maintenance", "77"),
    ("waste collection and recycling", "90"),
    ("interpreting and translation", "79"),
    ("training in first aid", "80"),
    ("office furniture", "39"),
    ("radio and telecommunications equipment", "32"),
    ("security guarding of premises", "79"),
    ("building works and repairs", "45"),
]
PLACES = ["Winsford", "Crewe", "Chester", "Runcorn", "Warrington", "Macclesfield", "Northwich", "Widnes"]
LOTS = ["North", "South", "East", "West", "Custody", "Headquarters"]
PROCEDURES = [Procedure.TENDER, Procedure.QUOTATION, Procedure.CALL_OFF]


@seeder("opportunities")
def seed_opportunities(rows: int, rng: random.Random) -> int:
    count = rows // 5
    if count == 0:
        return 0
    now = utcnow()
    officer_id = _demo_officer(rng).id
    divisions = set(db.session.scalars(sa.select(CpvDivision.division)))
    first = next_id(Opportunity)
    values: list[Decimal] = []  # each opportunity's, for its lots

    def opportunities() -> Iterator[dict]:
        for n in range(first, first + count):
            row = _opportunity(n, now, officer_id, divisions, rng)
            values.append(row["value_ex_vat"])
            yield row

    return insert_in_chunks(Opportunity, opportunities()) + insert_in_chunks(Lot, _lots(first, values))


def _opportunity(n: int, now: datetime, officer_id: int, divisions: set[str], rng: random.Random) -> dict:
    """Opportunity n: what is bought and where, how it is bought, and how far it has gone."""
    what, division = rng.choice(WHAT)
    place = rng.choice(PLACES)
    procedure = rng.choices(PROCEDURES, weights=[60, 30, 10])[0]
    value = Decimal(round(10 ** rng.uniform(3.7, 6.7), -2))
    state = rng.choices(list(OpportunityState), weights=[5, 85, 10])[0]
    closes_at = now + timedelta(days=rng.uniform(-90, 120))
    # In this order: each step draws its random numbers in turn.
    return {
        **_description(n, what, place, rng),
        "cpv_division": division if division in divisions else "90",
        **_procurement(n, procedure, value, closes_at, rng),
        **_progress(state, now, officer_id),
    }


def _description(n: int, what: str, place: str, rng: random.Random) -> dict:
    return {
        "reference": f"DEMO-{n:06d}",
        "title": f"{what[0].upper()}{what[1:]}, {place}",
        "summary": f"Demo opportunity {n}: {what} for {place} and the sites around it, "
        f"for {rng.choice([1, 2, 3, 4])} years.",
    }


def _procurement(
    n: int, procedure: Procedure, value: Decimal, closes_at: datetime, rng: random.Random
) -> dict:
    """How it is bought: value, procedure, notice, who it suits, and how to respond."""
    applies = procedure is Procedure.TENDER and value > 50_000  # social value weighted
    return {
        "value_ex_vat": value,
        "vat_rate": Decimal(20),
        "procedure": procedure,
        "closes_at": closes_at,
        "notice_url": None
        if procedure is Procedure.QUOTATION
        else f"https://www.find-tender.service.gov.uk/Notice/{n:06d}-2026",
        "suitable_sme": rng.random() < 0.6,
        "suitable_vcse": rng.random() < 0.2,
        "response_route": ResponseRoute.PORTAL if rng.random() < 0.7 else ResponseRoute.TENDER_BOX,
        "weighting": Decimal(10) if applies else Decimal(0),
    }


def _progress(state: OpportunityState, now: datetime, officer_id: int) -> dict:
    """Its state, and when it was created, published, closed and alerted on."""
    month_ago = now - timedelta(days=30)
    return {
        "state": state,
        "created_at": month_ago,
        "created_by_id": officer_id,
        "updated_at": month_ago,
        "published_at": None if state is OpportunityState.DRAFT else month_ago,
        "closed_at": now - timedelta(days=1) if state is OpportunityState.CLOSED else None,
        "alerted_at": None if state is OpportunityState.DRAFT else month_ago,
    }


def _lots(first: int, values: list[Decimal]) -> Iterator[dict]:
    """Three lots for each opportunity, each a quarter of its value."""
    for n, value in enumerate(values):
        for number in (1, 2, 3):
            yield {
                "opportunity_id": first + n,
                "number": number,
                "title": f"Lot {number}: {LOTS[(n + number) % len(LOTS)]}",
                "value_ex_vat": (value / 4).quantize(Decimal("0.01")),
                "cpv_division": "90",
            }


def _demo_officer(rng: random.Random) -> User:
    return demo_user(
        email=f"demo-officer-{rng.getrandbits(32):08x}@procurement.example.org",
        name="Demo Officer",
        role=Role.OFFICER,
    )
