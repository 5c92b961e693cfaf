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

from portal.database import Plan, built_once, fixed_limit, plain_rows
from portal.extensions import db
from portal.opportunities.forms import VALUE_BANDS
from portal.opportunities.models import Award, Interest, Lot, Opportunity, OpportunityState, Procedure
from portal.opportunities.search import keyword_condition, keyword_values, search_words
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


@dataclass(frozen=True)
class _Shape:
    """What a page's statement is built from: which filters are chosen, not their values (bound
    when it runs: _values), and where the page starts."""

    status: str  # "open", "closing-soon" or "closed"
    category: bool
    words: bool
    band: str  # a VALUE_BANDS key, or "" for any value
    procedure: bool
    suitable: str  # "sme", "vcse" or ""
    start: str  # _Start.kind
    size: int

    @classmethod
    def of(cls, chosen: dict[str, str], start: _Start) -> _Shape:
        return cls(
            status=chosen.get("status") or "open",
            category=bool(chosen.get("category")),
            words=bool(search_words(chosen.get("q", ""))),
            band=chosen.get("value", "") if chosen.get("value") in VALUE_BANDS else "",
            procedure=bool(chosen.get("procedure")),
            suitable=chosen.get("suitable", ""),
            start=start.kind,
            size=start.size,
        )


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
    shape = _Shape.of(chosen, start)
    values = _values(chosen, dialect, start)
    if dialect == "postgresql" and shape.words and shape.status != "closed":
        walked = _walked(shape, values)
        if walked is not None:
            return walked
    return plain_rows(_listing_statement(dialect, shape), values, plan=Plan.searching(shape.words))


def _values(chosen: dict[str, str], dialect: str, start: _Start) -> dict[str, object]:
    """The values a page's statement is run with: the filters chosen, the time now and the place
    the page starts from."""
    now = utcnow()
    _label, low, high = VALUE_BANDS.get(chosen.get("value", ""), ("", None, None))
    procedure = chosen.get("procedure")
    place_time, place_id = start.place or (None, None)
    return {
        "now": now,
        "soon": now + CLOSING_SOON,
        "category": chosen.get("category"),
        "low": low,
        "high": high,
        "procedure": Procedure(procedure) if procedure else None,
        "place_time": place_time,
        "place_id": place_id,
        **keyword_values(dialect, chosen.get("q", "")),
    }


# Built once: the search with three filters went 1.8 -> 1.4 ms a GET (docs/performance.md).
@built_once
def _listing_statement(dialect: str, shape: _Shape) -> sa.Select:
    """A page of the opportunities that meet the filters of `shape`, with their category."""
    listed = (
        sa.select(*_COLUMNS, CpvDivision.title.label("category"))
        .join(CpvDivision, CpvDivision.division == Opportunity.cpv_division)
        .where(*_indexed(shape), *_tested(shape, dialect))
    )
    where, order = _keyset(shape.status == "closed", shape)
    return listed.where(*where).order_by(*order).limit(fixed_limit(shape.size + 1))


def _bound(name: str, column: sa.ColumnElement) -> sa.BindParameter:
    return sa.bindparam(name, type_=column.type)


def _indexed(shape: _Shape) -> _Conditions:
    """The conditions the closing-date indexes answer: the state and closing time of the status
    chosen (open unless another is), and the category."""
    now = _bound("now", Opportunity.closes_at)
    if shape.status == "closed":
        indexed = [
            Opportunity.state != OpportunityState.DRAFT,
            sa.or_(Opportunity.state == OpportunityState.CLOSED, Opportunity.closes_at <= now),
        ]
    else:
        indexed = [Opportunity.state == OpportunityState.PUBLISHED, Opportunity.closes_at > now]
    if shape.status == "closing-soon":
        indexed.append(Opportunity.closes_at <= _bound("soon", Opportunity.closes_at))
    if shape.category:
        indexed.append(Opportunity.cpv_division == _bound("category", Opportunity.cpv_division))
    return indexed


def _tested(shape: _Shape, dialect: str, *, any_plan: bool = False) -> _Conditions:
    """The conditions tested on each row: the words, value, procedure and suitability chosen.
    `any_plan`: for a statement prepared once for any words (search.keyword_condition)."""
    tested = []
    if shape.words:
        tested.append(keyword_condition(dialect, any_plan=any_plan))
    _label, low, high = VALUE_BANDS.get(shape.band, ("", None, None))
    if low is not None:
        tested.append(Opportunity.value_ex_vat > _bound("low", Opportunity.value_ex_vat))
    if high is not None:
        tested.append(Opportunity.value_ex_vat <= _bound("high", Opportunity.value_ex_vat))
    if shape.procedure:
        tested.append(Opportunity.procedure == _bound("procedure", Opportunity.procedure))
    if shape.suitable == "sme":
        tested.append(Opportunity.suitable_sme.is_(True))
    elif shape.suitable == "vcse":
        tested.append(Opportunity.suitable_vcse.is_(True))
    return tested


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


def _keyset(latest_first: bool, shape: _Shape) -> tuple[list[sa.ColumnElement], tuple[sa.ColumnElement, ...]]:
    """The condition that places a page after (or ahead of) the bound cursor's row, and its order."""
    # Reading ahead of a place runs the list's order backwards from it.
    ascending = (shape.start != "ahead") != latest_first
    order = _order(ascending, Opportunity.closes_at, Opportunity.id)
    if shape.start == "first":
        return [], order
    key = sa.tuple_(Opportunity.closes_at, Opportunity.id)
    # A cursor's id may be larger than any row's (18 digits): a BIGINT, never cast to the column's type.
    place = sa.tuple_(
        _bound("place_time", Opportunity.closes_at), sa.bindparam("place_id", type_=sa.BigInteger)
    )
    return [key > place if ascending else key < place], order


def _order(
    ascending: bool, closes_at: sa.ColumnElement, id_: sa.ColumnElement
) -> tuple[sa.ColumnElement, ...]:
    """By closing time, then id: soonest first if `ascending`, else latest first."""
    if ascending:
        return closes_at.asc(), id_.asc()
    return closes_at.desc(), id_.desc()


def _walked(shape: _Shape, values: dict[str, object]) -> list[sa.Row] | None:
    """The page's rows (and one more) from a walk of the list by closing date (see _walk), or None
    where the walk ended before it found them."""
    walk = current_app.config["OPPORTUNITY_SEARCH_WALK"]
    walked = plain_rows(_walk(shape, walk), values)
    matches = [row for row in walked if row.matched]
    if len(matches) > shape.size or all(row.position < walk for row in walked):
        return matches
    return None


@built_once  # as _listing_statement
def _walk(shape: _Shape, walk: int) -> sa.Select:
    """PostgreSQL's search of open opportunities as a walk of the closing-date index: the first
    `walk` rows from the cursor that meet the indexed conditions, each tested for the words and
    the other filters (`matched`), numbered by `position`. The statement returns the matches, and
    the walk's last row whatever it holds, to say the walk ended before the list did.

    PostgreSQL estimates a word and a category as independent where they go together, and so
    reads and sorts every match of the category (674 rows for "cleaning" in division 90, 3 to
    4 ms) where this walk reads about a hundred (0.5 ms prepared). The walk's plan is the same
    whatever the words, so it is prepared; for a rare word it reads `walk` rows and leaves the
    page to the index of words."""
    return _matches_and_last(_walked_rows(shape, walk), shape, walk)


def _walked_rows(shape: _Shape, walk: int) -> sa.Subquery:
    """The walk's rows: the first `walk` from the cursor that meet the indexed conditions, each
    with whether it meets the others (`matched`) and its place in the walk (`position`)."""
    where, order = _keyset(False, shape)
    return (
        sa.select(
            *_COLUMNS,
            Opportunity.cpv_division,
            sa.and_(*_tested(shape, "postgresql", any_plan=True)).label("matched"),
            sa.func.row_number().over(order_by=order).label("position"),
        )
        .where(*_indexed(shape), *where)
        .order_by(*order)
        .limit(fixed_limit(walk))
        .subquery("walked")
    )


def _matches_and_last(walked: sa.Subquery, shape: _Shape, walk: int) -> sa.Select:
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
        .order_by(*_order(shape.start != "ahead", walked.c.closes_at, walked.c.id))
        .limit(fixed_limit(shape.size + 1))
    )


def dialect() -> str:
    return db.engine.dialect.name


def _of_organisation(link: type[Interest] | type[Award], *columns: sa.ColumnElement) -> sa.Select:
    """The bound organisation's `link` rows (interests or awards), each with its opportunity's id
    and title and `columns`."""
    return (
        sa.select(link.id, Opportunity.id.label("opportunity_id"), Opportunity.title, *columns)
        .join(Opportunity, Opportunity.id == link.opportunity_id)
        .where(link.organisation_id == sa.bindparam("organisation_id"))
    )


@built_once
def interests_of() -> sa.Select:
    """The opportunities the bound organisation registered interest in, with their closing times
    and states."""
    return _of_organisation(Interest, Interest.registered_at, Opportunity.closes_at, Opportunity.state)


@built_once
def awards_of() -> sa.Select:
    """The lots (or whole opportunities) awarded to the bound organisation."""
    return _of_organisation(
        Award, Award.awarded_at, Lot.number.label("lot_number"), Lot.title.label("lot_title")
    ).outerjoin(Lot, Lot.id == Award.lot_id)
