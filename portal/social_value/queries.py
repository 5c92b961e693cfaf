"""The selects behind the offers' pages: each list one query per page (keyset, no count of the
table), with what a row shows loaded alongside."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.database import any_like, contains_pattern, fixed_limit, plain_rows
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.social_value.models import (
    AWAITING_SQL,
    Commitment,
    DeliveryReport,
    Measure,
    Offer,
    OfferEvent,
    OfferState,
    Outcome,
    Theme,
    offer_outcomes,
)
from portal.voluntary.models import DirectoryEntry

ROW_LOADS = (
    joinedload(Offer.theme),
    joinedload(Offer.measure),
    selectinload(Offer.outcomes),
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


@functools.cache
def organisation_offers() -> sa.Select:
    """The offers of the organisation :organisation_id as plain rows of what its list shows (no
    ORM object a row), built once (see portal.pagination.newest_first)."""
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


# The matrix's names for the queue's filters, (database) -> (when read, rows): read at most once a
# minute a process, as the queue is officers' busiest page. They change only when an admin rewords
# an outcome (the process that saved it forgets them at once, the others within the minute) or
# `flask seed` adds one. Keyed on the database, as the CPV divisions are.
MATRIX_NAMES_SECONDS = 60
_matrix_names: dict[str, tuple[float, list[sa.Row]]] = {}


def matrix_names() -> list[sa.Row]:
    """Each theme with each of its outcomes, in the matrix's order: (theme_id, theme, outcome_id,
    outcome), the outcome's columns empty for a theme without one."""
    key = db.engine.url.render_as_string(hide_password=True)
    read = _matrix_names.get(key)
    if read is None or time.monotonic() - read[0] > MATRIX_NAMES_SECONDS:
        read = _matrix_names[key] = (time.monotonic(), plain_rows(_themes_and_outcomes()))
    return read[1]


def forget_matrix_names() -> None:
    _matrix_names.clear()


@functools.cache
def _themes_and_outcomes() -> sa.Select:
    return (
        sa.select(
            Theme.id.label("theme_id"),
            Theme.name.label("theme"),
            Outcome.id.label("outcome_id"),
            Outcome.text.label("outcome"),
        )
        .outerjoin(Outcome, Outcome.theme_id == Theme.id)
        .order_by(Theme.position, Outcome.position)
    )


@dataclass
class QueuePage:
    items: list[sa.Row]
    older: str | None  # the cursor of the next page ("<queued_at>|<id>")


@functools.cache
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
    values: dict[str, object] = {}
    if state in OfferState._value2member_map_ and state != OfferState.SEALED:  # sealed: never in the queue
        values["state"] = OfferState(state)
    if theme:
        values["theme"] = theme
    if outcome is not None:
        values["outcome"] = outcome
    if organisation:
        values["pattern"] = contains_pattern(organisation)
    cursor = _cursor(after)
    if cursor is not None:
        values["queued_at"], values["offer_id"] = cursor
    rows = plain_rows(_queue_statement(frozenset(values), size + 1), values)
    items = list(rows[:size])
    older = f"{items[-1].queued_at.isoformat()}|{items[-1].id}" if len(rows) > size else None
    return QueuePage(items, older)


@functools.cache
def _queue_statement(filters: frozenset[str], limit: int) -> sa.Select:
    """The queue's statement for a set of filters, their values bound at execution: built once
    per set, so SQLAlchemy need not work out its cache key on every request."""
    query = _queue_rows()
    offers, organisations = Offer.__table__, Organisation.__table__
    # The state and theme (a handful of each, checked against the form's choices) are written
    # into the statement: PostgreSQL's plan for a prepared statement with them bound may not use
    # the index on (theme, state, time in the queue), and read every offer awaiting officers.
    if "state" in filters:
        query = query.where(offers.c.state == sa.bindparam("state", literal_execute=True))
    else:
        query = query.where(sa.text(f"{Offer.__tablename__}.{AWAITING_SQL}"))
    if "theme" in filters:
        query = query.where(offers.c.theme_id == sa.bindparam("theme", literal_execute=True))
    if "outcome" in filters:
        query = query.where(
            sa.exists().where(
                offer_outcomes.c.offer_id == offers.c.id,
                offer_outcomes.c.outcome_id == sa.bindparam("outcome"),
            )
        )
    if "pattern" in filters:
        query = query.where(any_like(sa.bindparam("pattern"), organisations.c.name))
    if "queued_at" in filters:
        query = query.where(
            sa.tuple_(offers.c.queued_at, offers.c.id)
            > sa.tuple_(
                sa.bindparam("queued_at", type_=offers.c.queued_at.type),
                sa.bindparam("offer_id", type_=sa.Integer),
            )
        )
    return query.order_by(offers.c.queued_at, offers.c.id).limit(fixed_limit(limit))


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
        .options(
            joinedload(DeliveryReport.commitment).joinedload(Commitment.offer).joinedload(Offer.organisation),
            joinedload(DeliveryReport.commitment).joinedload(Commitment.measure),
        )
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


def totals(organisation_id: int | None = None) -> list[TotalRow]:
    """Per theme and measure: quantities offered (submitted or later, not withdrawn or declined),
    accepted, and delivered (verified), in one grouped query. Sealed responses to opportunities
    count once awarded (accepted), never before."""
    left_out = {OfferState.DRAFT, OfferState.WITHDRAWN, OfferState.DECLINED, OfferState.SEALED}
    counted = [s for s in OfferState if s not in left_out]
    query = (
        sa.select(
            Offer.theme_id,
            Offer.measure_id,
            sa.func.sum(Offer.quantity),
            sa.func.sum(sa.case((Offer.state == OfferState.ACCEPTED, Offer.quantity), else_=0)),
            sa.func.sum(sa.func.coalesce(Commitment.delivered_quantity, 0)),
        )
        .outerjoin(Commitment, Commitment.offer_id == Offer.id)
        .where(Offer.state.in_(counted))
        .group_by(Offer.theme_id, Offer.measure_id)
    )
    if organisation_id is not None:
        query = query.where(Offer.organisation_id == organisation_id)
    rows = db.session.execute(query).all()
    measures = {
        m.id: m for m in db.session.scalars(sa.select(Measure).where(Measure.id.in_({r[1] for r in rows})))
    }
    themes = dict(db.session.execute(sa.select(Theme.id, Theme.name)).tuples().all())
    return sorted(
        (
            TotalRow(
                themes[theme],
                measures[measure],
                Decimal(offered or 0),
                Decimal(accepted or 0),
                Decimal(delivered or 0),
            )
            for theme, measure, offered, accepted, delivered in rows
        ),
        key=lambda row: (row.theme, row.measure.name),
    )
