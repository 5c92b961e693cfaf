"""Demo data for benchmarks and demonstrations: `flask demo-data` and its seeders, one module
of this package for each area's tables, registered by name:

    @seeder("outbox")
    def seed_outbox(rows: int, rng: random.Random) -> int:
        return insert_in_chunks(OutboxMessage, ({...} for _ in range(rows)))

`flask demo-data --rows N [--seed S]` runs every seeder in name order. Each seeder gets its own
generator, derived from the seed and its name, so adding a seeder never changes another's data.
The seeders write rows straight into the areas' tables (an executemany a chunk, no services), so
they read the areas' models and rules, and no area imports them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.accounts.models import User
from portal.extensions import db
from portal.jobs import refresh_statistics
from portal.time import utcnow

Seeder = Callable[[int, random.Random], int]

SEEDERS: dict[str, Seeder] = {}
CHUNK_SIZE = 1_000


def seeder(name: str) -> Callable[[Seeder], Seeder]:
    """Register `func(rows, rng) -> rows written` under `name`."""

    def register(func: Seeder) -> Seeder:
        _refuse_a_second_seeder(name, func)
        SEEDERS[name] = func
        return func

    return register


def _refuse_a_second_seeder(name: str, func: Seeder) -> None:
    """Re-importing the same function (a reloaded module) is fine; two seeders under one name is not."""
    existing = SEEDERS.get(name)
    if existing is not None and _where(existing) != _where(func):
        raise ValueError(f"a seeder named {name!r} is already registered ({_where(existing)})")


def _where(func: Seeder) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_in_chunks(target: Any, rows: Iterable[dict[str, Any]], chunk_size: int | None = None) -> int:
    """Insert dicts into a model or table, one executemany and one commit per chunk.

    Chunks keep memory flat for large --rows, and a commit per chunk keeps transactions short.
    """
    return sum(_insert_chunk(target, chunk) for chunk in _chunks(rows, chunk_size or CHUNK_SIZE))


def _insert_chunk(target: Any, chunk: list[dict[str, Any]]) -> int:
    """One executemany and its commit; returns the rows written."""
    db.session.execute(sa.insert(target), chunk)
    db.session.commit()
    return len(chunk)


def next_id(model: Any) -> int:
    """The id the next row of `model` will get, for a seeder that numbers its rows from it."""
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def demo_user(**fields: Any) -> User:
    """A verified account for the demo rows that need an author (`fields`: its email, name, role
    and organisation), flushed so it has its id."""
    user = User(email_verified_at=utcnow(), **fields)
    db.session.add(user)
    db.session.flush()
    return user


def seeder_rng(seed: int, name: str) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, so it is the same on every run and machine.
    return random.Random(f"{seed}:{name}")  # noqa: S311 (demo data, not security)


def run_seeders(rows: int, seed: int, echo: Callable[[str], None] = click.echo) -> dict[str, int]:
    """Run every registered seeder in name order; return rows written by each."""
    return {name: _run_seeder(name, rows, seed, echo) for name in sorted(SEEDERS)}


def _run_seeder(name: str, rows: int, seed: int, echo: Callable[[str], None]) -> int:
    """Run one seeder with its own generator, and say how many rows it wrote and how fast."""
    started = time.perf_counter()
    written = SEEDERS[name](rows, seeder_rng(seed, name))
    echo(f"{name}: {written} rows in {time.perf_counter() - started:.2f}s")
    return written


@click.command("demo-data")
@click.option("--rows", type=click.IntRange(min=0), required=True, help="Rows for each seeder to write.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same data.")
@with_appcontext
def demo_data_command(rows: int, seed: int) -> None:
    """Fill the database with deterministic demo data from every registered seeder."""
    _refuse_production()
    if not SEEDERS:
        click.echo("No seeders registered.")
        return
    _seed_all(rows, seed)


def _refuse_production() -> None:
    """Demo data never goes into the production database. :raise ClickException:"""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("refusing to write demo data with the production configuration")


def _seed_all(rows: int, seed: int) -> None:
    """Run every seeder, then refresh the planner's statistics, and say how much was written how fast."""
    started = time.perf_counter()
    written = run_seeders(rows, seed)
    refresh_statistics()
    elapsed = time.perf_counter() - started
    click.echo(f"{sum(written.values())} rows from {len(written)} seeders in {elapsed:.2f}s")


from portal.demo import opportunities, organisations, outbox, social_value, voluntary  # noqa: E402,F401  (the seeders register)
