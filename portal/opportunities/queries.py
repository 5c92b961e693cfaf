"""Reading opportunities: the public list (search, filters, by closing date) and officers' lists.

The public list pages by closing date with a keyset of (closing time, id): open opportunities
soonest first, closed ones latest first. Its statements are built once per set of filters (their
values bound), and read as plain rows (see portal.pagination.newest_first for why). On PostgreSQL
a search walks the list by closing date before it reads the index of words (see _walk)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request

from portal.database import fixed_limit, plain_rows
from portal.extensions import db
from portal.opportunities.forms import VALUE_BANDS
from portal.opportunities.models import Opportunity, OpportunityState, Procedure
from portal.opportunities.search import keyword_condition, search_as_typed, search_value, search_words
from portal.pagination import PAGE_SIZE, Page, keyset_page
from portal.reference.models import CpvDivision
from portal.time import utcnow

CLOSING_SOON = timedelta(days=7)
_CURSOR = re.compile(r"^(\d{1,17})\.(\d{1,18})\Z", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def listing(chosen: dict[str, str], dialect: str, size: int = PAGE_SIZE) -> Page:
    """A page of the public list for the chosen filters (the search form's valid values), by
    closing time from the request's cursor (see by_closing_date)."""
    now = utcnow()
    values: dict = {"now": now}
    words = search_words(chosen.get("q", ""))
    if words:
        values["search"] = search_value(dialect, words)
        if dialect == "postgresql":
            values["search_as_typed"] = search_as_typed(chosen["q"])
    if chosen.get("category"):
        values["category"] = chosen["category"]
    band = VALUE_BANDS.get(chosen.get("value", ""))
    if band:
        low, high = band[1], band[2]
        if low is not None:
            values["low"] = low
        if high is not None:
            values["high"] = high
    if chosen.get("procedure"):
        values["procedure"] = Procedure(chosen["procedure"])
    status = chosen.get("status") or "open"
    if status == "closing-soon":
        values["soon"] = now + CLOSING_SOON
    filters = frozenset(name for name in values if name != "now")
    return by_closing_date(
        dialect, filters, values, closed=status == "closed", suitable=chosen.get("suitable", ""), size=size
    )


def _conditions(
    dialect: str, filters: frozenset[str], closed: bool, suitable: str, *, any_plan: bool = False
) -> tuple[tuple[sa.ColumnElement, ...], tuple[sa.ColumnElement, ...]]:
    """The list's conditions in two parts: those its closing-date indexes answer (state, closing
    time, category), then those tested on each row (words, value, procedure, suitability).
    `any_plan`: for a statement prepared once for any words (search.keyword_condition)."""
    closes = Opportunity.closes_at.type
    if closed:
        indexed = [
            Opportunity.state != OpportunityState.DRAFT,
            sa.or_(
                Opportunity.state == OpportunityState.CLOSED,
                Opportunity.closes_at <= sa.bindparam("now", type_=closes),
            ),
        ]
    else:
        indexed = [
            Opportunity.state == OpportunityState.PUBLISHED,
            Opportunity.closes_at > sa.bindparam("now", type_=closes),
        ]
    if "soon" in filters:
        indexed.append(Opportunity.closes_at <= sa.bindparam("soon", type_=closes))
    if "category" in filters:
        indexed.append(Opportunity.cpv_division == sa.bindparam("category"))
    tested = []
    if "search" in filters:
        tested.append(keyword_condition(dialect, any_plan=any_plan))
    if "low" in filters:
        tested.append(Opportunity.value_ex_vat > sa.bindparam("low", type_=Opportunity.value_ex_vat.type))
    if "high" in filters:
        tested.append(Opportunity.value_ex_vat <= sa.bindparam("high", type_=Opportunity.value_ex_vat.type))
    if "procedure" in filters:
        tested.append(Opportunity.procedure == sa.bindparam("procedure", type_=Opportunity.procedure.type))
    if suitable == "sme":
        tested.append(Opportunity.suitable_sme.is_(True))
    elif suitable == "vcse":
        tested.append(Opportunity.suitable_vcse.is_(True))
    return tuple(indexed), tuple(tested)


@functools.cache
def _listing(dialect: str, filters: frozenset[str], closed: bool, suitable: str) -> sa.Select:
    indexed, tested = _conditions(dialect, filters, closed, suitable)
    return (
        sa.select(*_COLUMNS, CpvDivision.title.label("category"))
        .join(CpvDivision, CpvDivision.division == Opportunity.cpv_division)
        .where(*indexed, *tested)
    )


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


def by_closing_date(
    dialect: str, filters: frozenset[str], values: dict, *, closed: bool, suitable: str, size: int
) -> Page:
    """One page by closing time (then id), from the request's cursor: `before=` for the page
    after a row (the later pages, like the older pages of newest_first), `after=` for the page
    ahead of one. Open opportunities run soonest first, closed ones latest first. Fetches one row
    more than it shows to know whether more follow.

    On PostgreSQL a search of open opportunities first walks the list by closing date, testing
    each row's stored words (see _walk); only when the walk ends before a page is found does it
    read the index of words instead, so the page runs one statement, or two for rare words."""
    ahead, following = _cursor("after"), _cursor("before")
    kind = "ahead" if ahead else "following" if following else "first"
    place = ahead or following
    params = {**values}
    if place:
        params["place_time"], params["place_id"] = place
    rows = None
    if dialect == "postgresql" and "search" in filters and not closed:
        walk = current_app.config["OPPORTUNITY_SEARCH_WALK"]
        walked = plain_rows(_walk(filters, suitable, kind, size, walk), params, any_plan=True)
        matches = [row for row in walked if row.matched]
        if len(matches) > size or all(row.position < walk for row in walked):
            rows = matches
    if rows is None:
        rows = plain_rows(_page(_listing(dialect, filters, closed, suitable), closed, kind, size), params)
    return keyset_page(rows, size, cursor_of, ahead=kind == "ahead", from_place=kind == "following")


def _keyset(latest_first: bool, kind: str) -> tuple[list[sa.ColumnElement], tuple[sa.ColumnElement, ...]]:
    """The condition that places a page after (or ahead of) the cursor's row, and its order."""
    key = sa.tuple_(Opportunity.closes_at, Opportunity.id)
    place = sa.tuple_(sa.bindparam("place_time", type_=Opportunity.closes_at.type), sa.bindparam("place_id"))
    # Reading ahead of a place runs the list's order backwards from it.
    ascending = (kind != "ahead") != latest_first
    where = [] if kind == "first" else [key > place if ascending else key < place]
    return where, _order(ascending, Opportunity.closes_at, Opportunity.id)


def _order(
    ascending: bool, closes_at: sa.ColumnElement, id_: sa.ColumnElement
) -> tuple[sa.ColumnElement, ...]:
    """By closing time, then id: soonest first if `ascending`, else latest first."""
    if ascending:
        return closes_at.asc(), id_.asc()
    return closes_at.desc(), id_.desc()


@functools.lru_cache(maxsize=256)
def _page(query: sa.Select, latest_first: bool, kind: str, size: int) -> sa.Select:
    where, order = _keyset(latest_first, kind)
    return query.where(*where).order_by(*order).limit(fixed_limit(size + 1))


@functools.lru_cache(maxsize=256)
def _walk(filters: frozenset[str], suitable: str, kind: str, size: int, walk: int) -> sa.Select:
    """PostgreSQL's search of open opportunities as a walk of the closing-date index: the first
    `walk` rows from the cursor that meet the indexed conditions, each tested for the words and
    the other filters (`matched`), numbered by `position`. The statement returns the matches, and
    the walk's last row whatever it holds, to say the walk ended before the list did.

    PostgreSQL estimates a word and a category as independent where they go together, and so
    reads and sorts every match of the category (674 rows for "cleaning" in division 90, 3 to
    4 ms) where this walk reads about a hundred (0.5 ms prepared). The walk's plan is the same
    whatever the words, so it is prepared; for a rare word it reads `walk` rows and leaves the
    page to the index of words."""
    indexed, tested = _conditions("postgresql", filters, False, suitable, any_plan=True)
    where, order = _keyset(False, kind)
    walked = (
        sa.select(
            *_COLUMNS,
            Opportunity.cpv_division,
            sa.and_(*tested).label("matched"),
            sa.func.row_number().over(order_by=order).label("position"),
        )
        .where(*indexed, *where)
        .order_by(*order)
        .limit(fixed_limit(walk))
        .subquery("walked")
    )
    return (
        sa.select(
            *(walked.c[column.key] for column in _COLUMNS),
            CpvDivision.title.label("category"),
            walked.c.matched,
            walked.c.position,
        )
        .join_from(walked, CpvDivision, CpvDivision.division == walked.c.cpv_division)
        .where(sa.or_(walked.c.matched, walked.c.position == fixed_limit(walk)))
        .order_by(*_order(kind != "ahead", walked.c.closes_at, walked.c.id))
        .limit(fixed_limit(size + 1))
    )


def dialect() -> str:
    return db.engine.dialect.name
