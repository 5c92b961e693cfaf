"""Reading opportunities: the public list (search, filters, by closing date) and officers' lists.

The public list pages by closing date with a keyset of (closing time, id): open opportunities
soonest first, closed ones latest first, read as plain rows (portal.database.plain_rows). On
PostgreSQL a search walks the list by closing date before it reads the index of words (see _walk)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request

from portal.database import Plan, fixed_limit, plain_rows
from portal.extensions import db
from portal.opportunities.forms import VALUE_BANDS
from portal.opportunities.models import Opportunity, OpportunityState, Procedure
from portal.opportunities.search import keyword_condition, search_words
from portal.pagination import PAGE_SIZE, Page, keyset_page
from portal.reference.models import CpvDivision
from portal.time import utcnow

CLOSING_SOON = timedelta(days=7)
_CURSOR = re.compile(r"^(\d{1,17})\.(\d{1,18})\Z", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_Conditions = list[sa.ColumnElement[bool]]

# The columns the public list shows.
_COLUMNS = (
    Opportunity.id,
    Opportunity.reference,
    Opportunity.title,
    Opportunity.summary,
    Opportunity.value_ex_vat,
    Opportunity.procedure,
    Opportunity.closes_at,
    Opportunity.suitable_sme,
    Opportunity.suitable_vcse,
    Opportunity.state,
    Opportunity.closed_at,
)


@dataclass(frozen=True)
class _Start:
    """Where a page starts: at the list's start ("first"), after a row's place ("following") or
    ahead of it ("ahead"); and how many rows it shows."""

    kind: str
    place: tuple[datetime, int] | None  # the row's (closing time, id)
    size: int


def listing(chosen: dict[str, str], dialect: str, size: int = PAGE_SIZE) -> Page:
    """A page of the public list for the chosen filters (the search form's valid values), by
    closing time (then id) from the request's cursor: `before=` for the page after a row (the
    later pages, like the older pages of newest_first), `after=` for the page ahead of one. Open
    opportunities run soonest first, closed ones latest first. Fetches one row more than it shows
    to know whether more follow."""
    ahead, following = _cursor("after"), _cursor("before")
    start = _Start("ahead" if ahead else "following" if following else "first", ahead or following, size)
    rows = _rows(chosen, dialect, start)
    return keyset_page(
        rows, size, cursor_of, ahead=start.kind == "ahead", from_place=start.kind == "following"
    )


def _rows(chosen: dict[str, str], dialect: str, start: _Start) -> list[sa.Row]:
    """The page's rows, and one more if there is one. On PostgreSQL a search of open opportunities
    first walks the list by closing date, testing each row's stored words (see _walk); only when
    the walk ends before a page is found does it read the index of words instead, so the page runs
    one statement, or two for rare words."""
    closed = chosen.get("status") == "closed"
    indexed = _indexed(chosen, utcnow())
    words = search_words(chosen.get("q", ""))
    if dialect == "postgresql" and words and not closed:
        walked = _walked(chosen, indexed, start)
        if walked is not None:
            return walked
    statement = _page(_listed(chosen, dialect, indexed), closed, start)
    return plain_rows(statement, plan=Plan.searching(words))


def _listed(chosen: dict[str, str], dialect: str, indexed: _Conditions) -> sa.Select:
    """The opportunities that meet the `indexed` conditions and the others chosen, with their
    category."""
    return (
        sa.select(*_COLUMNS, CpvDivision.title.label("category"))
        .join(CpvDivision, CpvDivision.division == Opportunity.cpv_division)
        .where(*indexed, *_tested(chosen, dialect))
    )


def _indexed(chosen: dict[str, str], now: datetime) -> _Conditions:
    """The conditions the closing-date indexes answer: the state and closing time of the status
    chosen (open unless another is), and the category."""
    status = chosen.get("status") or "open"
    if status == "closed":
        indexed = [
            Opportunity.state != OpportunityState.DRAFT,
            sa.or_(Opportunity.state == OpportunityState.CLOSED, Opportunity.closes_at <= now),
        ]
    else:
        indexed = [Opportunity.state == OpportunityState.PUBLISHED, Opportunity.closes_at > now]
    if status == "closing-soon":
        indexed.append(Opportunity.closes_at <= now + CLOSING_SOON)
    if chosen.get("category"):
        indexed.append(Opportunity.cpv_division == chosen["category"])
    return indexed


def _tested(chosen: dict[str, str], dialect: str, *, any_plan: bool = False) -> _Conditions:
    """The conditions tested on each row: the words, value, procedure and suitability chosen.
    `any_plan`: for a statement prepared once for any words (search.keyword_condition)."""
    tested = []
    if search_words(chosen.get("q", "")):
        tested.append(keyword_condition(dialect, chosen["q"], any_plan=any_plan))
    tested += _in_value_band(chosen.get("value", ""))
    if chosen.get("procedure"):
        tested.append(Opportunity.procedure == Procedure(chosen["procedure"]))
    if chosen.get("suitable") == "sme":
        tested.append(Opportunity.suitable_sme.is_(True))
    elif chosen.get("suitable") == "vcse":
        tested.append(Opportunity.suitable_vcse.is_(True))
    return tested


def _in_value_band(band_key: str) -> _Conditions:
    """The conditions that the value lies in the band chosen (VALUE_BANDS), none for any value."""
    _label, low, high = VALUE_BANDS.get(band_key, ("", None, None))
    conditions = []
    if low is not None:
        conditions.append(Opportunity.value_ex_vat > low)
    if high is not None:
        conditions.append(Opportunity.value_ex_vat <= high)
    return conditions


def _cursor(name: str) -> tuple[datetime, int] | None:
    match = _CURSOR.match(request.args.get(name, ""))
    if not match:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2))
    except OverflowError:
        return None


def cursor_of(row: sa.Row) -> str:
    """A row's place in the list, for the next or previous page's link."""
    micros = (row.closes_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{row.id}"


def _keyset(latest_first: bool, start: _Start) -> tuple[list[sa.ColumnElement], tuple[sa.ColumnElement, ...]]:
    """The condition that places a page after (or ahead of) the cursor's row, and its order."""
    # Reading ahead of a place runs the list's order backwards from it.
    ascending = (start.kind != "ahead") != latest_first
    order = _order(ascending, Opportunity.closes_at, Opportunity.id)
    if start.place is None:
        return [], order
    key = sa.tuple_(Opportunity.closes_at, Opportunity.id)
    closes_at, id_ = start.place
    # A cursor's id may be larger than any row's (18 digits): a BIGINT, never cast to the column's type.
    place = sa.tuple_(sa.literal(closes_at, Opportunity.closes_at.type), sa.literal(id_, sa.BigInteger))
    return [key > place if ascending else key < place], order


def _order(
    ascending: bool, closes_at: sa.ColumnElement, id_: sa.ColumnElement
) -> tuple[sa.ColumnElement, ...]:
    """By closing time, then id: soonest first if `ascending`, else latest first."""
    if ascending:
        return closes_at.asc(), id_.asc()
    return closes_at.desc(), id_.desc()


def _page(query: sa.Select, latest_first: bool, start: _Start) -> sa.Select:
    where, order = _keyset(latest_first, start)
    return query.where(*where).order_by(*order).limit(fixed_limit(start.size + 1))


def _walked(chosen: dict[str, str], indexed: _Conditions, start: _Start) -> list[sa.Row] | None:
    """The page's rows (and one more) from a walk of the list by closing date (see _walk), or None
    where the walk ended before it found them."""
    walk = current_app.config["OPPORTUNITY_SEARCH_WALK"]
    walked = plain_rows(_walk(chosen, indexed, start, walk))
    matches = [row for row in walked if row.matched]
    if len(matches) > start.size or all(row.position < walk for row in walked):
        return matches
    return None


def _walk(chosen: dict[str, str], indexed: _Conditions, start: _Start, walk: int) -> sa.Select:
    """PostgreSQL's search of open opportunities as a walk of the closing-date index: the first
    `walk` rows from the cursor that meet the indexed conditions, each tested for the words and
    the other filters (`matched`), numbered by `position`. The statement returns the matches, and
    the walk's last row whatever it holds, to say the walk ended before the list did.

    PostgreSQL estimates a word and a category as independent where they go together, and so
    reads and sorts every match of the category (674 rows for "cleaning" in division 90, 3 to
    4 ms) where this walk reads about a hundred (0.5 ms prepared). The walk's plan is the same
    whatever the words, so it is prepared; for a rare word it reads `walk` rows and leaves the
    page to the index of words."""
    walked = _walked_rows(chosen, indexed, start, walk)
    return _matches_and_last(walked, start, walk)


def _walked_rows(chosen: dict[str, str], indexed: _Conditions, start: _Start, walk: int) -> sa.Subquery:
    """The walk's rows: the first `walk` from the cursor that meet the indexed conditions, each
    with whether it meets the others (`matched`) and its place in the walk (`position`)."""
    where, order = _keyset(False, start)
    return (
        sa.select(
            *_COLUMNS,
            Opportunity.cpv_division,
            sa.and_(*_tested(chosen, "postgresql", any_plan=True)).label("matched"),
            sa.func.row_number().over(order_by=order).label("position"),
        )
        .where(*indexed, *where)
        .order_by(*order)
        .limit(fixed_limit(walk))
        .subquery("walked")
    )


def _matches_and_last(walked: sa.Subquery, start: _Start, walk: int) -> sa.Select:
    """Of the walk's rows, with their category: the matches, and the last row whatever it holds."""
    return (
        sa.select(
            *(walked.c[column.key] for column in _COLUMNS),
            CpvDivision.title.label("category"),
            walked.c.matched,
            walked.c.position,
        )
        .join_from(walked, CpvDivision, CpvDivision.division == walked.c.cpv_division)
        .where(sa.or_(walked.c.matched, walked.c.position == fixed_limit(walk)))
        .order_by(*_order(start.kind != "ahead", walked.c.closes_at, walked.c.id))
        .limit(fixed_limit(start.size + 1))
    )


def dialect() -> str:
    return db.engine.dialect.name
