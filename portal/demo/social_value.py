"""Demo offers for benchmarks (`flask demo-data --rows N`): 10 x N offers, at most 100,000, spread
over the demo organisations (100,000 over 10,000 for N = 10,000), in every state, with their
outcomes and the commitments accepted ones became."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.accounts.models import Role, User
from portal.demo import demo_user, insert_in_chunks, next_id, seeder
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
    measures = _measures()
    if not organisations or not measures:
        return 0  # run `flask seed` (the matrix) and the organisations seeder first
    author_id = _demo_author(organisations[0]).id
    now = utcnow()
    first_id = next_id(Offer)
    written = insert_in_chunks(
        Offer, _offers(min(rows * 10, MOST), now, author_id, organisations, measures, rng)
    )
    return written + _seed_outcomes_and_commitments(first_id, now, rng)


def _seed_outcomes_and_commitments(first_id: int, now: datetime, rng: random.Random) -> int:
    """Each offer's outcome, and the commitment each accepted one became; returns the rows written."""
    made = _offers_made(first_id)
    written = insert_in_chunks(offer_outcomes, _outcome_links(made, _outcomes_by_theme(), rng))
    return written + insert_in_chunks(Commitment, _commitments(made, now))


def _measures() -> list:
    """(theme_id, indicator_id, measure_id) for each measure of each indicator of the matrix."""
    return db.session.execute(
        sa.select(
            Indicator.theme_id, Indicator.id.label("indicator_id"), measure_indicators.c.measure_id
        ).join(measure_indicators, measure_indicators.c.indicator_id == Indicator.id)
    ).all()


def _outcomes_by_theme() -> dict[str, list[int]]:
    outcomes: dict[str, list[int]] = {}
    for theme_id, outcome_id in db.session.execute(sa.select(Outcome.theme_id, Outcome.id)):
        outcomes.setdefault(theme_id, []).append(outcome_id)
    return outcomes


def _demo_author(organisation_id: int) -> User:
    """The member of the first demo organisation who wrote the demo offers."""
    return demo_user(
        email=f"demo-offers-{organisation_id}@example.org",
        name="Demo Author",
        role=Role.SUPPLIER,
        organisation_id=organisation_id,
    )


def _offers(
    count: int, now: datetime, author_id: int, suppliers: Sequence[int], measures: list, rng: random.Random
) -> Iterator[dict]:
    """`count` offers by `suppliers` (organisations' ids), oldest first, one every 10 minutes up to now."""
    for n in range(count):
        yield {  # in this order: each draws its random numbers in turn
            **rng.choice(measures)._asdict(),
            **_progress(rng.choices(STATES, weights=WEIGHTS)[0], now - timedelta(minutes=10 * (count - n))),
            "organisation_id": rng.choice(suppliers),
            "created_by_id": author_id,
            **_promise(n, now.date(), rng),
        }


def _progress(state: OfferState, created: datetime) -> dict:
    """When it was made, queued for review and decided."""
    decided = state in {OfferState.ACCEPTED, OfferState.DECLINED}
    return {
        "created_at": created,
        "state": state,
        "queued_at": None if state == OfferState.DRAFT else created + timedelta(minutes=5),
        "decided_at": created + timedelta(days=3) if decided else None,
    }


def _promise(n: int, today: date, rng: random.Random) -> dict:
    """What the offer promises, how much, where and by when."""
    return {
        "description": f"Demo offer {n}: staff time and support for a local project.",
        "quantity": Decimal(rng.randint(1, 200)),
        "authority": rng.choice(["E06000049", "E06000050", "E06000006", "E06000007"]),
        "due_on": today + timedelta(days=rng.randint(-60, 600)),
        "partner_answered": True,
    }


def _offers_made(first_id: int) -> Sequence:
    """The offers just written, with what their outcomes and commitments are made from."""
    return db.session.execute(
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


def _outcome_links(made: Sequence, outcomes: dict[str, list[int]], rng: random.Random) -> Iterator[dict]:
    """One outcome for each offer, of its theme's."""
    for row in made:
        yield {"offer_id": row.id, "outcome_id": rng.choice(outcomes[row.theme_id])}


def _commitments(made: Sequence, now: datetime) -> Iterator[dict]:
    """The commitment each accepted offer became, nothing delivered yet."""
    for row in made:
        if row.state == OfferState.ACCEPTED:
            yield {
                "offer_id": row.id,
                "organisation_id": row.organisation_id,
                "measure_id": row.measure_id,
                "quantity": row.quantity,
                "due_on": row.due_on,
                "created_at": now,
                "delivered_quantity": Decimal(0),
            }
