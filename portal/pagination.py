"""Keyset pagination, newest first, with no COUNT of the whole table: a page fetches one row
more than it shows to know whether an older page exists, and one query finds out whether a newer
one does. Pages are addressed by `before=<id>` (older) or `after=<id>` (newer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import render_template, request

from portal.accounts.access import member_organisation
from portal.database import Plan, built_once, column_types, fixed_limit, is_built_once, padded, plain_rows
from portal.extensions import db

PAGE_SIZE = 25
FEW = 3  # the rows a home page's section shows of its list


@dataclass
class Page:
    items: list[Any]
    older: int | str | None  # pass as before= for the next, older page
    newer: int | str | None  # pass as after= for the previous, newer page


def keyset_page(
    rows: Sequence[Any], size: int, cursor: Callable[[Any], int | str], *, ahead: bool, from_place: bool
) -> Page:
    """The page of `rows`, which a keyset query fetched one more of than `size` to know whether
    more lie beyond. `ahead`: read towards the list's start from a cursor (`after=`), so the rows
    came in reverse; `from_place`: read on from a cursor (`before=`), so rows lie ahead of the
    page. `cursor` gives a row's place, for the links to the pages either side."""
    if ahead:
        more_ahead = len(rows) > size
        items = list(reversed(rows[:size]))
        more_following = bool(items)
    else:
        items = list(rows[:size])
        more_following = len(rows) > size
        more_ahead = from_place and bool(items)
    return Page(
        items=items,
        older=cursor(items[-1]) if items and more_following else None,
        newer=cursor(items[0]) if items and more_ahead else None,
    )


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def newest_first(
    query: sa.Select,
    id_column: sa.ColumnElement,
    size: int = PAGE_SIZE,
    *,
    params: dict[str, object] | None = None,
    plain: bool = False,
    plan: Plan = Plan.PREPARED,
) -> Page:
    """One page of `query` (already filtered; its bound values in `params`), newest first, from
    the request's cursor: its ORM objects, or with `plain` the rows of a query of plain columns as
    they are, run as `plan` says (portal.database.plain_rows). The pages of a query built once
    (portal.database.built_once) are built once too."""
    before, after = _cursor("before"), _cursor("after")
    kind = "after" if after is not None else "before" if before is not None else "first"
    statement = (_page_once if is_built_once(query) else _page)(query, id_column, size, kind)
    params = {**(params or {}), "keyset_id": after or before}
    rows = plain_rows(statement, params, plan=plan) if plain else db.session.scalars(statement, params).all()
    return keyset_page(
        rows,
        size,
        lambda item: getattr(item, id_column.key),
        ahead=after is not None,
        from_place=before is not None,
    )


def _page(query: sa.Select, id_column: sa.ColumnElement, size: int, kind: str) -> sa.Select:
    """The statement of a page: the first, or the one before or after :keyset_id."""
    if kind == "after":
        return (
            query.where(id_column > sa.bindparam("keyset_id"))
            .order_by(id_column.asc())
            .limit(fixed_limit(size + 1))
        )
    if kind == "before":
        query = query.where(id_column < sa.bindparam("keyset_id"))
    return query.order_by(id_column.desc()).limit(fixed_limit(size + 1))


_page_once = built_once(_page)


def own_list(template: str, query: sa.Select, id_column: sa.ColumnElement, **context: Any) -> str:
    """A page of the signed-in member's organisation's own records, newest first: `query` of
    plain columns, bound by `organisation_id`, shown by `template` with `page` and `organisation`.
    :raise 403: staff, who have no organisation of their own."""
    organisation = member_organisation()
    page = newest_first(query, id_column, params={"organisation_id": organisation.id}, plain=True)
    return render_template(template, page=page, organisation=organisation, **context)


class Few(NamedTuple):
    total: int  # how many rows the whole list has
    items: list[Any]  # its first few, as plain rows


# A list's order, as ORDER BY takes it: columns, or columns' .desc().
Order = tuple[sa.ColumnElement, ...]
# A list read with others: its statement of plain columns and its order, and optionally how many
# of its rows to read (FEW unless given; None: all of them).
Listed = tuple[sa.Select, Order] | tuple[sa.Select, Order, int | None]


def first_few(lists: dict[str, Listed], params: dict[str, object]) -> dict[str, Few]:
    """Each list's first few rows in its order and how many it has in all, for several lists (by
    name) in one statement: a home page's sections, each linking to its whole list, and whatever
    else the page reads beside them. The lists' rows come as one UNION ALL, each list's columns
    beside the others' (NULL), its name, its count and each row's place in it. Lists built once
    (portal.database.built_once) are put together once too."""
    parts = tuple(
        (name, *listed) if len(listed) == 3 else (name, *listed, FEW) for name, listed in lists.items()
    )
    together = _together_once if all(is_built_once(part[1]) for part in parts) else _together
    found: dict[str, list[Any]] = {name: [] for name in lists}
    for row in plain_rows(together(parts), params):
        found[row.list_name].append(row)
    return {name: Few(rows[0].total if rows else 0, rows) for name, rows in found.items()}


def _together(parts: tuple[tuple[str, sa.Select, Order, int | None], ...]) -> sa.CompoundSelect:
    counted = [_counted(*part) for part in parts]
    every = column_types((column for subquery in counted for column in subquery.c), strict=True)
    return sa.union_all(*(sa.select(*padded(subquery.c, every)) for subquery in counted)).order_by(
        sa.literal_column("list_name"), sa.literal_column("place")
    )


def _counted(name: str, statement: sa.Select, order: Order, size: int | None) -> sa.Subquery:
    """One list's first rows (all of them where `size` is None), with its name, its count and
    each row's place."""
    if not name.isidentifier():
        raise ValueError(f"a list's name is written into the statement: {name!r} is not a plain name")
    counted = statement.add_columns(
        sa.literal_column(f"'{name}'").label("list_name"),
        sa.func.count().over().label("total"),
        sa.func.row_number().over(order_by=order).label("place"),
    )
    if size is not None:
        counted = counted.order_by(*order).limit(fixed_limit(size))
    return counted.subquery()


_together_once = built_once(_together)
