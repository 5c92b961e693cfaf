"""Demo offers for benchmarks (`flask demo-data --rows N`): 10 x N offers, at most 100,000, spread
over the demo organisations (100,000 over 10,000 for N = 10,000), in every state, with their
outcomes and the commitments accepted ones became."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import Role
from portal.demo import demo_user, insert_in_chunks, seeder
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.social_value.models import (
    Commitment,
    Indicator,
    Offer,
    OfferState,
    Outcome,
    measure_indicators,
    offer_outcomes,
)
from portal.time import utcnow

STATES = list(OfferState)
WEIGHTS = [10, 25, 10, 5, 5, 35, 5, 5, 0]  # draft ... sealed, in OfferState's order: no sealed responses
MOST = 100_000


@seeder("social_value")
def seed_offers(rows: int, rng: random.Random) -> int:
    organisations = db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)).all()
    pairs = db.session.execute(
        sa.select(Indicator.theme_id, Indicator.id, measure_indicators.c.measure_id).join(
            measure_indicators, measure_indicators.c.indicator_id == Indicator.id
        )
    ).all()
    if not organisations or not pairs:
        return 0  # run `flask seed` (the matrix) and the organisations seeder first
    outcomes: dict[str, list[int]] = {}
    for theme_id, outcome_id in db.session.execute(sa.select(Outcome.theme_id, Outcome.id)):
        outcomes.setdefault(theme_id, []).append(outcome_id)
    # The member of the first demo organisation who wrote the demo offers.
    author = demo_user(
        email=f"demo-offers-{organisations[0]}@example.org",
        name="Demo Author",
        role=Role.SUPPLIER,
        organisation_id=organisations[0],
    ).id
    now = utcnow()
    today = now.date()
    first_id = (db.session.scalar(sa.select(sa.func.max(Offer.id))) or 0) + 1
    count = min(rows * 10, MOST)

    def offer(n: int) -> dict:
        theme_id, indicator_id, measure_id = rng.choice(pairs)
        state = rng.choices(STATES, weights=WEIGHTS)[0]
        created = now - timedelta(minutes=10 * (count - n))
        return {
            "organisation_id": rng.choice(organisations),
            "created_by_id": author,
            "created_at": created,
            "state": state,
            "queued_at": None if state == OfferState.DRAFT else created + timedelta(minutes=5),
            "theme_id": theme_id,
            "indicator_id": indicator_id,
            "measure_id": measure_id,
            "description": f"Demo offer {n}: staff time and support for a local project.",
            "quantity": Decimal(rng.randint(1, 200)),
            "authority": rng.choice(["E06000049", "E06000050", "E06000006", "E06000007"]),
            "due_on": today + timedelta(days=rng.randint(-60, 600)),
            "partner_answered": True,
            "decided_at": created + timedelta(days=3)
            if state in {OfferState.ACCEPTED, OfferState.DECLINED}
            else None,
        }

    written = insert_in_chunks(Offer, (offer(n) for n in range(count)))
    made = db.session.execute(
        sa.select(
            Offer.id,
            Offer.theme_id,
            Offer.state,
            Offer.organisation_id,
            Offer.measure_id,
            Offer.quantity,
            Offer.due_on,
        )
        .where(Offer.id >= first_id)
        .order_by(Offer.id)
    ).all()
    written += insert_in_chunks(
        offer_outcomes,
        ({"offer_id": row.id, "outcome_id": rng.choice(outcomes[row.theme_id])} for row in made),
    )
    written += insert_in_chunks(
        Commitment,
        (
            {
                "offer_id": row.id,
                "organisation_id": row.organisation_id,
                "measure_id": row.measure_id,
                "quantity": row.quantity,
                "due_on": row.due_on,
                "created_at": now,
                "delivered_quantity": Decimal(0),
            }
            for row in made
            if row.state == OfferState.ACCEPTED
        ),
    )
    return written
