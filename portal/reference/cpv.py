"""The CPV divisions as a form's choices, read once per process and database.

They change only when `flask seed` loads data/cpv-divisions.csv, which forgets what this process
read; a running server reads them again when it restarts (as it does after a deployment's seed).
Keyed on the database, so apps on different databases in one process (the tests) never share them.
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from wtforms import SelectChoice

from portal.extensions import db
from portal.reference.models import CpvDivision

# Per database: the number of the reading (from _readings) and the choices read.
_choices: dict[str, tuple[int, tuple[SelectChoice, ...]]] = {}
_readings = itertools.count(1)


def _read() -> tuple[int, tuple[SelectChoice, ...]]:
    key = db.engine.url.render_as_string(hide_password=True)
    read = _choices.get(key)
    if read is None:
        divisions = db.session.scalars(sa.select(CpvDivision).order_by(CpvDivision.division))
        choices = tuple(SelectChoice(d.division, f"{d.title} ({d.code})") for d in divisions)
        read = _choices[key] = (next(_readings), choices)
    return read


def division_choices() -> list[SelectChoice]:
    """Every division, in order, as "Title (code)"."""
    return list(_read()[1])


def division_reading() -> int:
    """A number for the choices this process holds for the database, another each time they are
    read again: what is made from them can be kept under it."""
    return _read()[0]


def forget_division_choices() -> None:
    _choices.clear()
