"""`flask seed`: load the reference data shipped in data/ (and later areas' content), idempotently.

Each area registers a step with `@seed_step("name")`; a step inserts what is missing and updates
what changed, keyed on the data's own identifiers, and returns a one-line summary. Running the
command twice changes nothing the second time.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.extensions import db
from portal.jobs import refresh_statistics

DATA = Path(__file__).resolve().parent.parent / "data"

SeedStep = Callable[[], str]
SEED_STEPS: dict[str, SeedStep] = {}


def seed_step(name: str) -> Callable[[SeedStep], SeedStep]:
    def register(step: SeedStep) -> SeedStep:
        SEED_STEPS[name] = step
        return step

    return register


def upsert(model: type, key: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> str:
    """Insert the rows not there yet and update those that changed, matching on `key`."""
    existing = {tuple(getattr(obj, k) for k in key): obj for obj in db.session.scalars(sa.select(model))}
    added = changed = 0
    for values in rows:
        obj = existing.get(tuple(values[k] for k in key))
        if obj is None:
            db.session.add(model(**values))
            added += 1
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            changed += 1
    return f"{added} added, {changed} updated"


def read_csv(name: str) -> Iterator[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as file:
        yield from csv.DictReader(file)


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the reference data in data/ (safe to run again)."""
    for name, step in SEED_STEPS.items():
        summary = step()
        db.session.commit()
        click.echo(f"{name}: {summary}")
    refresh_statistics()
