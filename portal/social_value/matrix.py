"""The outcome matrix's names for the officers' queue's filters (each theme, each outcome), read
at most once a minute a process."""

from __future__ import annotations

import time

import sqlalchemy as sa

from portal.database import plain_rows
from portal.extensions import db
from portal.social_value.models import Outcome, Theme

# The matrix's names for the queue's filters, (database) -> (when read, rows): read at most once a
# minute a process, as the queue is officers' busiest page. They change only when an admin rewords
# an outcome (the process that saved it forgets them at once, the others within the minute) or
# `flask seed` adds one. Keyed on the database, as the CPV divisions are.
MATRIX_NAMES_SECONDS = 60
_matrix_names: dict[str, tuple[float, list[sa.Row]]] = {}


def matrix_names() -> list[sa.Row]:
    """Each theme with each of its outcomes, in the matrix's order: (theme_id, theme, outcome_id,
    outcome), the outcome's columns empty for a theme without one."""
    key = db.engine.url.render_as_string(hide_password=True)
    read = _matrix_names.get(key)
    if read is None or time.monotonic() - read[0] > MATRIX_NAMES_SECONDS:
        read = _matrix_names[key] = (time.monotonic(), plain_rows(_themes_and_outcomes()))
    return read[1]


def theme_options() -> tuple[tuple[str, str], ...]:
    """Each theme as (id, name), for the queue's filter."""
    return tuple({row.theme_id: row.theme for row in matrix_names()}.items())


def outcome_options() -> tuple[tuple[str, str], ...]:
    """Each outcome as (id, "theme: outcome"), for the queue's filter."""
    return tuple(
        (str(row.outcome_id), f"{row.theme}: {row.outcome}") for row in matrix_names() if row.outcome_id
    )


def forget_matrix_names() -> None:
    _matrix_names.clear()


def _themes_and_outcomes() -> sa.Select:
    return (
        sa.select(
            Theme.id.label("theme_id"),
            Theme.name.label("theme"),
            Outcome.id.label("outcome_id"),
            Outcome.text.label("outcome"),
        )
        .outerjoin(Outcome, Outcome.theme_id == Theme.id)
        .order_by(Theme.position, Outcome.position)
    )
