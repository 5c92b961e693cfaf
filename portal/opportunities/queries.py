"""Reading opportunities: the public list (search, filters, by closing date) and officers' lists.

The public list pages by closing date with a keyset of (closing time, id): open opportunities
soonest first, closed ones latest first. Its statement is built once per set of filters (their
values bound), and read as plain rows (see portal.pagination.newest_first for why)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import request

from portal.database import fixed_limit, plain_rows
from portal.extensions import db
from portal.opportunities.forms import VALUE_BANDS
from portal.opportunities.models import Opportunity, OpportunityState, Procedure
from portal.opportunities.search import keyword_condition, search_as_typed, search_value, search_words
from portal.pagination import PAGE_SIZE, Page
from portal.reference.models import CpvDivision
from portal.time import utcnow

CLOSING_SOON = timedelta(days=7)
_CURSOR = re.compile(r"^(\d{1,17})\.(\d{1,18})\Z", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def listing(chosen: dict[str, str], dialect: str) -> tuple[sa.Select, dict, bool]:
    """The public list's statement for the chosen filters (the search form's valid values), the
    values of its parameters, and whether it runs latest first (closed opportunities)."""
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
    suitable = chosen.get("suitable", "")
    statement = _listing(
        dialect, frozenset(name for name in values if name != "now"), status == "closed", suitable
    )
    return statement, values, status == "closed"


@functools.cache
def _listing(dialect: str, filters: frozenset[str], closed: bool, suitable: str) -> sa.Select:
    query = sa.select(
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
        CpvDivision.title.label("category"),
    ).join(CpvDivision, CpvDivision.division == Opportunity.cpv_division)
    if closed:
        query = query.where(
            Opportunity.state != OpportunityState.DRAFT,
            sa.or_(
                Opportunity.state == OpportunityState.CLOSED,
                Opportunity.closes_at <= sa.bindparam("now", type_=Opportunity.closes_at.type),
            ),
        )
    else:
        query = query.where(
            Opportunity.state == OpportunityState.PUBLISHED,
            Opportunity.closes_at > sa.bindparam("now", type_=Opportunity.closes_at.type),
        )
    if "soon" in filters:
        query = query.where(Opportunity.closes_at <= sa.bindparam("soon", type_=Opportunity.closes_at.type))
    if "search" in filters:
        query = query.where(keyword_condition(dialect))
    if "category" in filters:
        query = query.where(Opportunity.cpv_division == sa.bindparam("category"))
    if "low" in filters:
        query = query.where(
            Opportunity.value_ex_vat > sa.bindparam("low", type_=Opportunity.value_ex_vat.type)
        )
    if "high" in filters:
        query = query.where(
            Opportunity.value_ex_vat <= sa.bindparam("high", type_=Opportunity.value_ex_vat.type)
        )
    if "procedure" in filters:
        query = query.where(
            Opportunity.procedure == sa.bindparam("procedure", type_=Opportunity.procedure.type)
        )
    if suitable == "sme":
        query = query.where(Opportunity.suitable_sme.is_(True))
    elif suitable == "vcse":
        query = query.where(Opportunity.suitable_vcse.is_(True))
    return query


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


def by_closing_date(query: sa.Select, values: dict, *, latest_first: bool, size: int = PAGE_SIZE) -> Page:
    """One page of `query` by closing time (then id), from the request's cursor: `before=` for
    the page after a row (the later pages, like the older pages of newest_first), `after=` for
    the page ahead of one. Fetches one row more than it shows to know whether more follow."""
    ahead, following = _cursor("after"), _cursor("before")
    kind = "ahead" if ahead else "following" if following else "first"
    place = ahead or following
    params = {**values}
    if place:
        params["place_time"], params["place_id"] = place
    rows = plain_rows(_page(query, latest_first, kind, size), params)
    if kind == "ahead":
        more_ahead = len(rows) > size
        items = list(reversed(rows[:size]))
        more_following = bool(items)
    else:
        items = rows[:size]
        more_following = len(rows) > size
        more_ahead = kind == "following" and bool(items)
    return Page(
        items=items,
        older=cursor_of(items[-1]) if items and more_following else None,
        newer=cursor_of(items[0]) if items and more_ahead else None,
    )


@functools.lru_cache(maxsize=256)
def _page(query: sa.Select, latest_first: bool, kind: str, size: int) -> sa.Select:
    key = sa.tuple_(Opportunity.closes_at, Opportunity.id)
    place = sa.tuple_(sa.bindparam("place_time", type_=Opportunity.closes_at.type), sa.bindparam("place_id"))
    # Reading ahead of a place runs the list's order backwards from it.
    forwards = kind != "ahead"
    ascending = forwards != latest_first
    if kind != "first":
        query = query.where(key > place if ascending else key < place)
    order = (
        (Opportunity.closes_at.asc(), Opportunity.id.asc())
        if ascending
        else (
            Opportunity.closes_at.desc(),
            Opportunity.id.desc(),
        )
    )
    return query.order_by(*order).limit(fixed_limit(size + 1))


def dialect() -> str:
    return db.engine.dialect.name
