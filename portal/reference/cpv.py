"""The CPV divisions as a form's choices, read once per process and database.

They change only when `flask seed` loads data/cpv-divisions.csv, which forgets what this process
read; a running server reads them again when it restarts (as it does after a deployment's seed).
Keyed on the database, so apps on different databases in one process (the tests) never share them.
"""

from __future__ import annotations

import sqlalchemy as sa
from wtforms import SelectChoice

from portal.extensions import db
from portal.reference.models import CpvDivision

_choices: dict[str, tuple[SelectChoice, ...]] = {}


def division_choices() -> list[SelectChoice]:
    """Every division, in order, as "Title (code)"."""
    key = db.engine.url.render_as_string(hide_password=True)
    choices = _choices.get(key)
    if choices is None:
        choices = _choices[key] = _read_choices()
    return list(choices)


def _read_choices() -> tuple[SelectChoice, ...]:
    divisions = db.session.scalars(sa.select(CpvDivision).order_by(CpvDivision.division))
    return tuple(SelectChoice(d.division, f"{d.title} ({d.code})") for d in divisions)


def forget_division_choices() -> None:
    _choices.clear()
