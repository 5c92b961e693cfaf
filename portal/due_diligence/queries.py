"""The selects behind the officers' due diligence pages.

The list is ordered by rating, highest first, then the latest answered, and paginated by a
keyset over (rating_rank, answered_at, id), the columns of its index: one query a page, no
COUNT, one row more than the page shows to know whether a next page exists. The cursor is
"<rank>.<answered_at in microseconds since 1970>.<id>": `before` pages on down the list, `after`
back up it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload, with_expression

from portal.database import LARGEST_ID
from portal.due_diligence.models import DueDiligenceAnswers, DueDiligenceFollowUp
from portal.due_diligence.rules import RANK, RiskRating
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.pagination import PAGE_SIZE, Page, keyset_page

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR = re.compile(r"^([1-3])\.(\d{1,17})\.(\d{1,10})\Z", re.ASCII)

Key = tuple[int, datetime, int]


def cursor_of(row: DueDiligenceAnswers) -> str:
    return f"{row.rating_rank}.{(row.answered_at - EPOCH) // timedelta(microseconds=1)}.{row.id}"


def parse_cursor(value: str | None) -> Key | None:
    match = CURSOR.match(value or "")
    if match is None:
        return None
    rank, micros, row_id = (int(part) for part in match.groups())
    if row_id > LARGEST_ID:
        return None
    try:
        return rank, EPOCH + timedelta(microseconds=micros), row_id
    except OverflowError:
        return None


def _below(key: Key) -> sa.ColumnElement[bool]:
    """Rows after `key` in the list's order (rank, answered_at and id all descending)."""
    return _beyond(key, operator.lt)


def _above(key: Key) -> sa.ColumnElement[bool]:
    return _beyond(key, operator.gt)


def _beyond(key: Key, beyond: Callable[[Any, Any], sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    """Rows whose (rank, answered_at, id) is `beyond` the key's, column by column."""
    rank, answered_at, row_id = key
    table = DueDiligenceAnswers
    return sa.or_(
        beyond(table.rating_rank, rank),
        sa.and_(table.rating_rank == rank, beyond(table.answered_at, answered_at)),
        sa.and_(table.rating_rank == rank, table.answered_at == answered_at, beyond(table.id, row_id)),
    )


ORDER = (DueDiligenceAnswers.rating_rank, DueDiligenceAnswers.answered_at, DueDiligenceAnswers.id)


def rated(rating: str = "") -> sa.Select:
    """Every organisation's answers, with the organisation and its number of follow-ups (a
    subquery a row, on the follow-ups' index), filtered by rating."""
    follow_ups = (
        sa.select(sa.func.count())
        .where(DueDiligenceFollowUp.organisation_id == DueDiligenceAnswers.organisation_id)
        .correlate(DueDiligenceAnswers)
        .scalar_subquery()
    )
    query = sa.select(DueDiligenceAnswers).options(
        joinedload(DueDiligenceAnswers.organisation),
        with_expression(DueDiligenceAnswers.follow_up_count, follow_ups),
    )
    if rating in RiskRating._value2member_map_:
        query = query.where(DueDiligenceAnswers.rating_rank == RANK[RiskRating(rating)])
    return query


def highest_first(query: sa.Select, before: str | None, after: str | None, size: int = PAGE_SIZE) -> Page:
    """One page of `query`, highest rating first, from the cursor given (none: the first page)."""
    above, below = parse_cursor(after), parse_cursor(before)
    if above is not None:
        query = query.where(_above(above)).order_by(*(column.asc() for column in ORDER))
    else:
        if below is not None:
            query = query.where(_below(below))
        query = query.order_by(*(column.desc() for column in ORDER))
    rows = db.session.scalars(query.limit(size + 1)).all()
    return keyset_page(rows, size, cursor_of, ahead=above is not None, from_place=below is not None)


def organisation_answers(organisation_id: int) -> sa.Select:
    """One organisation's answers with everything the officers' page shows, loaded up front."""
    return (
        sa.select(DueDiligenceAnswers)
        .where(DueDiligenceAnswers.organisation_id == organisation_id)
        .options(
            joinedload(DueDiligenceAnswers.organisation).selectinload(Organisation.accreditations),
            joinedload(DueDiligenceAnswers.answered_by),
        )
    )


def follow_ups(organisation_id: int) -> sa.Select:
    """An organisation's follow-ups, newest first, with their officers."""
    return (
        sa.select(DueDiligenceFollowUp)
        .where(DueDiligenceFollowUp.organisation_id == organisation_id)
        .options(selectinload(DueDiligenceFollowUp.officer))
        .order_by(DueDiligenceFollowUp.id.desc())
    )
