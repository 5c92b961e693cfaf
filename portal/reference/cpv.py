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

_options: dict[str, tuple[tuple[str, str], ...]] = {}


def division_options() -> tuple[tuple[str, str], ...]:
    """Every division, in order, as (division, "Title (code)")."""
    key = db.engine.url.render_as_string(hide_password=True)
    options = _options.get(key)
    if options is None:
        divisions = db.session.scalars(sa.select(CpvDivision).order_by(CpvDivision.division))
        options = _options[key] = tuple((d.division, f"{d.title} ({d.code})") for d in divisions)
    return options


def division_choices() -> list[SelectChoice]:
    """Every division, in order, as a choice labelled "Title (code)"."""
    return [SelectChoice(value, label) for value, label in division_options()]


def forget_division_choices() -> None:
    _options.clear()
