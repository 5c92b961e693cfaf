"""The selects behind the offers' pages: each list one query per page (keyset, no count of the
table), with what a row shows loaded alongside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.database import Plan, any_like, built_once, contains_pattern, fixed_limit, plain_rows
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.social_value.models import (
    AWAITING_SQL,
    Commitment,
    DeliveryReport,
    Indicator,
    Measure,
    Offer,
    OfferEvent,
    OfferState,
    Theme,
    offer_outcomes,
)
from portal.voluntary.models import DirectoryEntry

ROW_LOADS = (
    joinedload(Offer.theme),
    joinedload(Offer.measure),
    selectinload(Offer.outcomes),
)


def matrix() -> sa.Select:
    """The matrix's themes in order, with their outcomes, indicators and measures."""
    return (
        sa.select(Theme)
        .order_by(Theme.position)
        .options(
            selectinload(Theme.outcomes), selectinload(Theme.indicators).selectinload(Indicator.measures)
        )
    )


def offer(offer_id: int) -> sa.Select:
    """One offer with everything its pages show."""
    return (
        sa.select(Offer)
        .where(Offer.id == offer_id)
        .options(
            *ROW_LOADS,
            joinedload(Offer.organisation),
            joinedload(Offer.indicator),
            joinedload(Offer.partner),
            joinedload(Offer.need),
            selectinload(Offer.events).joinedload(OfferEvent.actor),
            selectinload(Offer.commitment).selectinload(Commitment.reports),
            selectinload(Offer.commitment).joinedload(Commitment.measure),
        )
    )


# Built once: an organisation's offers went 2.0 -> 1.6 ms a GET (docs/performance.md).
@built_once
def organisation_offers() -> sa.Select:
    """The bound organisation's offers as plain rows of what its list shows (no ORM object a row)."""
    columns = (
        Offer.id,
        Offer.state,
        Offer.created_at,
        Offer.description,
        Theme.name.label("theme_name"),
        Measure.name.label("measure_name"),
    )
    return (
        sa.select(*columns)
        .select_from(Offer)
        .outerjoin(Theme, Theme.id == Offer.theme_id)
        .outerjoin(Measure, Measure.id == Offer.measure_id)
        .where(Offer.organisation_id == sa.bindparam("organisation_id"))
    )


@dataclass
class QueuePage:
    items: list[sa.Row]
    older: str | None  # the cursor of the next page ("<queued_at>|<id>")


def _queue_rows() -> sa.Select:
    """The queue's rows, joined to the names they show: a Core select of the tables' columns,
    whose rows SQLAlchemy hands over as they are (about half the cost of reading them through
    the ORM's attributes)."""
    offers, organisations = Offer.__table__, Organisation.__table__
    themes, measures, reviewers = Theme.__table__, Measure.__table__, User.__table__.alias("reviewers")
    return sa.select(
        offers.c.id,
        offers.c.state,
        offers.c.queued_at,
        organisations.c.name.label("organisation_name"),
        themes.c.name.label("theme_name"),
        measures.c.name.label("measure_name"),
        reviewers.c.name.label("reviewer_name"),
    ).select_from(
        offers.join(organisations, organisations.c.id == offers.c.organisation_id)
        .outerjoin(themes, themes.c.id == offers.c.theme_id)
        .outerjoin(measures, measures.c.id == offers.c.measure_id)
        .outerjoin(reviewers, reviewers.c.id == offers.c.reviewer_id)
    )


def queue(
    *,
    state: str = "",
    theme: str = "",
    outcome: int | None = None,
    organisation: str = "",
    after: str = "",
    size: int = 25,
) -> QueuePage:
    """Offers awaiting officers (or in `state`), oldest in the queue first, from a keyset cursor:
    plain rows of what the queue shows."""
    chosen = OfferState(state) if state in _QUEUE_STATES else None
    cursor = _cursor(after)
    statement = _queue_statement(
        chosen, bool(theme), outcome is not None, bool(organisation), bool(cursor), size
    )
    params = {
        "theme": theme,
        "outcome": outcome,
        "pattern": contains_pattern(organisation),
        "queued_at": cursor and cursor[0],
        "offer_id": cursor and cursor[1],
    }
    rows = plain_rows(statement, params, plan=Plan.searching(organisation))
    items = list(rows[:size])
    older = f"{items[-1].queued_at.isoformat()}|{items[-1].id}" if len(rows) > size else None
    return QueuePage(items, older)


# Sealed offers are never in the queue.
_QUEUE_STATES = frozenset(state.value for state in OfferState if state != OfferState.SEALED)


# Built once: the officers' queue went 2.2 -> 1.8 ms a GET (docs/performance.md).
@built_once
def _queue_statement(
    state: OfferState | None, theme: bool, outcome: bool, organisation: bool, cursor: bool, size: int
) -> sa.Select:
    """The queue's statement for the filters chosen (their values bound), oldest in the queue
    first from the bound cursor where there is one."""
    offers = Offer.__table__
    query = _queue_rows().where(*_state_and_theme(state, theme))
    if outcome:
        query = query.where(
            sa.exists().where(
                offer_outcomes.c.offer_id == offers.c.id,
                offer_outcomes.c.outcome_id == sa.bindparam("outcome"),
            )
        )
    if organisation:
        query = query.where(any_like(sa.bindparam("pattern"), Organisation.__table__.c.name))
    if cursor:
        place = sa.tuple_(
            sa.bindparam("queued_at", type_=offers.c.queued_at.type),
            sa.bindparam("offer_id", type_=sa.Integer),
        )
        query = query.where(sa.tuple_(offers.c.queued_at, offers.c.id) > place)
    return query.order_by(offers.c.queued_at, offers.c.id).limit(fixed_limit(size + 1))


def _state_and_theme(state: OfferState | None, theme: bool) -> list[sa.ColumnElement[bool]]:
    """The queue's state (awaiting officers, unless another is chosen) and the bound theme. Both
    (a handful of each, checked against the form's choices) are written into the statement when
    it runs: PostgreSQL's plan for a prepared statement with them bound may not use the index on
    (theme, state, time in the queue), and read every offer awaiting officers."""
    offers = Offer.__table__
    if state is not None:
        conditions = [offers.c.state == sa.literal(state, offers.c.state.type, literal_execute=True)]
    else:
        conditions = [sa.text(f"{Offer.__tablename__}.{AWAITING_SQL}")]
    if theme:
        written = sa.bindparam("theme", type_=offers.c.theme_id.type, literal_execute=True)
        conditions.append(offers.c.theme_id == written)
    return conditions


def _cursor(text: str) -> tuple[datetime, int] | None:
    stamp, _, offer_id = text.partition("|")
    try:
        return datetime.fromisoformat(stamp), int(offer_id)
    except ValueError:
        return None


def partner_organisation_id(commitment: Commitment) -> int | None:
    """The registered organisation acting for the offer's partner body, if any."""
    return db.session.scalar(
        sa.select(DirectoryEntry.organisation_id)
        .join(Offer, Offer.partner_entry_id == DirectoryEntry.id)
        .where(Offer.id == commitment.offer_id)
    )


# What a list of delivery reports shows of each: its commitment, with the offer's organisation and
# the measure.
REPORT_LOADS = (
    joinedload(DeliveryReport.commitment).joinedload(Commitment.offer).joinedload(Offer.organisation),
    joinedload(DeliveryReport.commitment).joinedload(Commitment.measure),
)


def reports_for_partner(organisation_id: int) -> sa.Select:
    """Reports on commitments whose partner body the organisation acts for, newest first."""
    return (
        sa.select(DeliveryReport)
        .join(Commitment, DeliveryReport.commitment_id == Commitment.id)
        .join(Offer, Commitment.offer_id == Offer.id)
        .join(DirectoryEntry, Offer.partner_entry_id == DirectoryEntry.id)
        .where(DirectoryEntry.organisation_id == organisation_id)
        .order_by(DeliveryReport.id.desc())
        .limit(100)
        .options(*REPORT_LOADS)
    )


def reports_to_verify() -> sa.Select:
    """Reports waiting for an officer to verify them, oldest first."""
    return (
        sa.select(DeliveryReport)
        .where(DeliveryReport.verified_at.is_(None))
        .order_by(DeliveryReport.id)
        .limit(50)
        .options(*REPORT_LOADS)
    )


@dataclass
class TotalRow:
    theme: str
    measure: Measure
    offered: Decimal
    accepted: Decimal
    delivered: Decimal

    def gbp(self, amount: Decimal) -> Decimal | None:
        return amount * self.measure.proxy_gbp if self.measure.proxy_gbp is not None else None


# What no total counts: offers not yet submitted, withdrawn or declined, and sealed responses to
# opportunities (counted once awarded, as accepted).
LEFT_OUT = {OfferState.DRAFT, OfferState.WITHDRAWN, OfferState.DECLINED, OfferState.SEALED}


def totals(organisation_id: int | None = None) -> list[TotalRow]:
    """Per theme and measure: quantities offered (submitted or later, not withdrawn or declined),
    accepted, and delivered (verified), in one grouped query. Sealed responses to opportunities
    count once awarded (accepted), never before."""
    rows = db.session.execute(_totals_statement(organisation_id)).all()
    measures = db.session.scalars(sa.select(Measure).where(Measure.id.in_({row[1] for row in rows})))
    measure_of = {measure.id: measure for measure in measures}
    themes = dict(db.session.execute(sa.select(Theme.id, Theme.name)).tuples().all())
    found = [
        TotalRow(themes[theme], measure_of[measure], *(Decimal(amount or 0) for amount in amounts))
        for theme, measure, *amounts in rows
    ]
    return sorted(found, key=lambda row: (row.theme, row.measure.name))


def _totals_statement(organisation_id: int | None) -> sa.Select:
    """The grouped query of totals: one organisation's offers, or (None) everyone's."""
    query = (
        sa.select(
            Offer.theme_id,
            Offer.measure_id,
            sa.func.sum(Offer.quantity),
            sa.func.sum(sa.case((Offer.state == OfferState.ACCEPTED, Offer.quantity), else_=0)),
            sa.func.sum(sa.func.coalesce(Commitment.delivered_quantity, 0)),
        )
        .outerjoin(Commitment, Commitment.offer_id == Offer.id)
        .where(Offer.state.in_([state for state in OfferState if state not in LEFT_OUT]))
        .group_by(Offer.theme_id, Offer.measure_id)
    )
    if organisation_id is not None:
        query = query.where(Offer.organisation_id == organisation_id)
    return query


@built_once
def offers_asked() -> sa.Select:
    """The bound organisation's offers waiting on it: a question from the procurement unit to
    answer (its home page)."""
    return (
        sa.select(Offer.id, Offer.description, Theme.name.label("theme_name"))
        .select_from(Offer)
        .outerjoin(Theme, Theme.id == Offer.theme_id)
        .where(
            Offer.organisation_id == sa.bindparam("organisation_id"),
            Offer.state == OfferState.CLARIFICATION,
        )
    )


@built_once
def commitments_due() -> sa.Select:
    """The bound organisation's commitments not yet delivered."""
    return (
        sa.select(
            Commitment.offer_id,
            Commitment.due_on,
            Commitment.quantity,
            Commitment.delivered_quantity,
            Measure.name.label("measure_name"),
            Measure.unit,
        )
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(
            Commitment.organisation_id == sa.bindparam("organisation_id"),
            Commitment.delivered_at.is_(None),
        )
    )
