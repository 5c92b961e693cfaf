"""Benchmark anchors, mounted only when BENCHMARK_ANCHORS is set (bench/run.py sets it).

Three fixed points every performance figure is read against:

- `/_bench/bare`: the WSGI stack, routing and response headers, no template and no database;
- `/_bench/minimal`: one indexed query and 25 rows in a bare HTML document;
- `/_bench/shell`: the same query and rows inside base.html, so shell / minimal is what the portal's
  page shell costs.

`bench_rows` lives on a MetaData of its own, not the portal's: the migrations never create it, and
autogenerate never sees it. bench/run.py and the tests create and fill it themselves.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask import Blueprint, Response, render_template, request
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)

from portal.accounts.access import public
from portal.extensions import db

bp = Blueprint("bench", __name__, url_prefix="/_bench")

metadata = MetaData()

bench_rows = Table(
    "bench_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("category", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    # (category, id), not category alone: the index then serves the WHERE and the ORDER BY, so both
    # engines read exactly 25 index entries. SQLite's index on category already ends in the rowid;
    # PostgreSQL's would not, and it would walk the primary key filtering out ~2,400 rows instead.
    Index("ix_bench_rows_category", "category", "id"),
)

PAGE_SIZE = 25
DEFAULT_CATEGORY = 7
CATEGORIES = 100
EPOCH = datetime(2025, 1, 1)  # fixed, so the same seed gives the same table


def create_bench_table(connection: Connection) -> None:
    """Create `bench_rows` and its index on (category, id), dropping any earlier copy."""
    metadata.drop_all(connection, checkfirst=True)
    metadata.create_all(connection)


def fill_bench_rows(
    connection: Connection,
    count: int,
    *,
    categories: int = CATEGORIES,
    seed: int = 0,
    chunk_size: int = 10_000,
) -> int:
    """Insert `count` rows, ids 1..count, category = id % categories (so every category is filled)."""
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    written = 0
    for start in range(1, count + 1, chunk_size):
        chunk = [
            {
                "id": row_id,
                "category": row_id % categories,
                "title": f"Benchmark row {row_id} " + "x" * rng.randint(0, 60),
                "amount": rng.randint(1, 1_000_000),
                "created_at": EPOCH + timedelta(seconds=rng.randint(0, 365 * 86_400)),
            }
            for row_id in range(start, min(start + chunk_size, count + 1))
        ]
        connection.execute(insert(bench_rows), chunk)  # executemany: one round trip per chunk
        written += len(chunk)
    return written


def _page_of_rows():
    category = request.args.get("c", DEFAULT_CATEGORY, type=int)
    query = (
        select(bench_rows.c.id, bench_rows.c.title, bench_rows.c.amount, bench_rows.c.created_at)
        .where(bench_rows.c.category == category)
        .order_by(bench_rows.c.id)
        .limit(PAGE_SIZE)
    )
    return db.session.execute(query).all()


@bp.get("/bare")
@public
def bare() -> Response:
    return Response("ok\n", mimetype="text/plain")


@bp.get("/minimal")
@public
def minimal() -> str:
    return render_template("bench/minimal.html", rows=_page_of_rows())


@bp.get("/shell")
@public
def shell() -> str:
    return render_template("bench/shell.html", rows=_page_of_rows())
