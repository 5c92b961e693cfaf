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
        _roll_back(error, fields or {})
        return False
    return _commit(done, clash)


def _roll_back(refusal: Refused, fields: dict[str, Field]) -> None:
    """Undo the refused change and say why, at its field where the page has it."""
    db.session.rollback()
    if refusal.field in fields:
        fields[refusal.field].errors.append(str(refusal))
    else:
        flash(f"{refusal}.")


def _commit(done: str, clash: str | None) -> bool:
    """Commit and say `done`; or, with `clash`, roll back what a unique constraint refuses and say that."""
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
