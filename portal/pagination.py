"""Keyset pagination, newest first, with no COUNT of the whole table: a page fetches one row
more than it shows to know whether an older page exists, and one query finds out whether a newer
one does. Pages are addressed by `before=<id>` (older) or `after=<id>` (newer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request

from portal.extensions import db

PAGE_SIZE = 25


@dataclass
class Page:
    items: list[Any]
    older: int | None  # pass as before= for the next, older page
    newer: int | None  # pass as after= for the previous, newer page


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def newest_first(query: sa.Select, id_column: sa.ColumnElement, size: int = PAGE_SIZE) -> Page:
    """One page of `query` (already filtered), newest first, from the request's cursor."""
    before, after = _cursor("before"), _cursor("after")
    if after is not None:
        rows = db.session.scalars(
            query.where(id_column > after).order_by(id_column.asc()).limit(size + 1)
        ).all()
        newer_exists = len(rows) > size
        items = list(reversed(rows[:size]))
        older_exists = bool(items)
    else:
        query_page = query.where(id_column < before) if before is not None else query
        rows = db.session.scalars(query_page.order_by(id_column.desc()).limit(size + 1)).all()
        items = rows[:size]
        older_exists = len(rows) > size
        newer_exists = before is not None and bool(items)
    ids = [_id_of(item, id_column) for item in items]
    return Page(
        items=items,
        older=ids[-1] if items and older_exists else None,
        newer=ids[0] if items and newer_exists else None,
    )


def _id_of(item: Any, id_column: sa.ColumnElement) -> int:
    return getattr(item, id_column.key)
