"""A view's change: commit it and say so, or roll it back and say why the rules refused it."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import flash
from wtforms import Field

from portal.extensions import db
from portal.workflow import Refused


def committed(
    change: Callable[[], object],
    done: str,
    *,
    clash: str | None = None,
    fields: dict[str, Field] | None = None,
) -> bool:
    """Make a change and commit it, saying `done`; or, where the rules refuse it, roll it back
    and say why. With `clash`, a commit a unique constraint refuses (another officer made the
    same change at the same moment) is rolled back with that message. A refusal that belongs to
    one of `fields` (by the name the refusal gives, e.g. "note") is shown at that field instead,
    for the page to render its form again with what was typed. Whether it was made."""
    try:
        change()
    except Refused as error:
        db.session.rollback()
        if error.field in (fields or {}):
            fields[error.field].errors.append(str(error))
        else:
            flash(f"{error}.")
        return False
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        if clash is None:
            raise
        db.session.rollback()
        flash(clash)
        return False
    flash(done, "success")
    return True
