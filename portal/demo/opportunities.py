"""Demo opportunities (`flask demo-data --rows N`): N / 5 opportunities with three lots each
(20,000 and 60,000 for N = 100,000, the opportunities issue's figure), most published and open,
some closed, a few drafts; titles and summaries from the kinds of things the force buys."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import Role, User
from portal.demo import demo_user, insert_in_chunks, seeder
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


@seeder("opportunities")
def seed_opportunities(rows: int, rng: random.Random) -> int:
    count = rows // 5
    if count == 0:
        return 0
    now = utcnow()
    officer = _demo_officer(rng)
    divisions = set(db.session.scalars(sa.select(CpvDivision.division)))
    first = (db.session.scalar(sa.select(sa.func.max(Opportunity.id))) or 0) + 1
    procedures = [Procedure.TENDER, Procedure.QUOTATION, Procedure.CALL_OFF]
    values: list[Decimal] = []

    def opportunity(n: int) -> dict:
        what, division = rng.choice(WHAT)
        place = rng.choice(PLACES)
        procedure = rng.choices(procedures, weights=[60, 30, 10])[0]
        value = Decimal(round(10 ** rng.uniform(3.7, 6.7), -2))
        values.append(value)
        state = rng.choices(list(OpportunityState), weights=[5, 85, 10])[0]
        closes_at = now + timedelta(days=rng.uniform(-90, 120))
        applies = procedure is Procedure.TENDER and value > 50_000
        return {
            "reference": f"DEMO-{n:06d}",
            "title": f"{what[0].upper()}{what[1:]}, {place}",
            "summary": f"Demo opportunity {n}: {what} for {place} and the sites around it, "
            f"for {rng.choice([1, 2, 3, 4])} years.",
            "cpv_division": division if division in divisions else "90",
            "value_ex_vat": value,
            "vat_rate": Decimal(20),
            "procedure": procedure,
            "closes_at": closes_at,
            "notice_url": f"https://www.find-tender.service.gov.uk/Notice/{n:06d}-2026"
            if procedure is not Procedure.QUOTATION
            else None,
            "suitable_sme": rng.random() < 0.6,
            "suitable_vcse": rng.random() < 0.2,
            "response_route": ResponseRoute.PORTAL if rng.random() < 0.7 else ResponseRoute.TENDER_BOX,
            "weighting": Decimal(10) if applies else Decimal(0),
            "state": state,
            "created_at": now - timedelta(days=30),
            "created_by_id": officer.id,
            "updated_at": now - timedelta(days=30),
            "published_at": None if state is OpportunityState.DRAFT else now - timedelta(days=30),
            "closed_at": now - timedelta(days=1) if state is OpportunityState.CLOSED else None,
            "alerted_at": None if state is OpportunityState.DRAFT else now - timedelta(days=30),
        }

    written = insert_in_chunks(Opportunity, (opportunity(n) for n in range(first, first + count)))
    written += insert_in_chunks(
        Lot,
        (
            {
                "opportunity_id": first + n,
                "number": number,
                "title": f"Lot {number}: {LOTS[(n + number) % len(LOTS)]}",
                "value_ex_vat": (values[n] / 4).quantize(Decimal("0.01")),
                "cpv_division": "90",
            }
            for n in range(count)
            for number in (1, 2, 3)
        ),
    )
    return written


def _demo_officer(rng: random.Random) -> User:
    return demo_user(
        email=f"demo-officer-{rng.getrandbits(32):08x}@procurement.example.org",
        name="Demo Officer",
        role=Role.OFFICER,
    )
