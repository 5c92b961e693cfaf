"""The figures in force on a day, as the rules take them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.reference.models import ReferenceFigure
from portal.time import london_today


class MissingFigure(LookupError):
    """A rule asked for a figure that has no row in force (run `flask seed`)."""


class FiguresOn(dict):
    """key -> value in force on one day; a missing key says which figure and how to fix it."""

    def __missing__(self, key: str) -> Decimal:
        raise MissingFigure(
            f"no reference figure {key!r} in force: load data/reference-figures.csv with `flask seed`"
        )


# (database, day) -> the figures in force that day. Read once a process for each day: every
# profile page asks (which steps apply depends on them). They change only when `flask seed` loads
# data/reference-figures.csv, which forgets what this process read; a running server reads them
# again when it restarts (as it does after a deployment's seed), as the CPV divisions are.
_figures: dict[tuple[str, date], FiguresOn] = {}


def figures_on(day: date | None = None) -> FiguresOn:
    """Each key's newest value whose effective date is on or before `day` (today in London)."""
    day = day or london_today()
    key = (db.engine.url.render_as_string(hide_password=True), day)
    figures = _figures.get(key)
    if figures is None:
        figures = _figures[key] = _load(day)
    return figures


def forget_figures() -> None:
    _figures.clear()


def _load(day: date) -> FiguresOn:
    """Each key's newest value on or before `day`."""
    newest = (
        sa.select(ReferenceFigure.key, sa.func.max(ReferenceFigure.effective_from).label("effective_from"))
        .where(ReferenceFigure.effective_from <= day)
        .group_by(ReferenceFigure.key)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ReferenceFigure.key, ReferenceFigure.value).join(
            newest,
            sa.and_(
                ReferenceFigure.key == newest.c.key, ReferenceFigure.effective_from == newest.c.effective_from
            ),
        )
    ).all()
    return FiguresOn({key: Decimal(value) for key, value in rows})
