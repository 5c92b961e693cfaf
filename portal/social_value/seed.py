"""`flask seed` loads the outcome matrix (data/social-value-matrix.json) and the portal's measures
(data/social-value-measures.csv). Only what is missing is added: admins edit the matrix in the
portal, and seeding again never undoes their changes."""

from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.seed import DATA, read_csv, seed_step
from portal.social_value.matrix import forget_matrix_names
from portal.social_value.models import Indicator, Measure, Outcome, Theme, Unit


@seed_step("social value matrix")
def seed_matrix() -> str:
    """Themes by id; outcomes and indicators by their theme and place in the file."""
    matrix = json.loads((DATA / "social-value-matrix.json").read_text(encoding="utf-8"))
    themes = set(db.session.scalars(sa.select(Theme.id)))
    places = {
        model: set(db.session.execute(sa.select(model.theme_id, model.position)).tuples())
        for model in (Outcome, Indicator)
    }
    added = sum(_add_missing(theme, number, themes, places) for number, theme in enumerate(matrix["themes"]))
    forget_matrix_names()  # this process reads the names again
    return f"{added} added"


def _add_missing(theme: dict, number: int, themes: set[str], places: dict[type, set[tuple[str, int]]]) -> int:
    """Add the theme, its outcomes and its indicators where missing; how many were added."""
    added = 0
    if theme["id"] not in themes:
        db.session.add(
            Theme(id=theme["id"], name=theme["name"], aim=theme["aim"], aims=theme["aims"], position=number)
        )
        added += 1
    for model, key in ((Outcome, "outcomes"), (Indicator, "indicators")):
        for position, text in enumerate(theme[key], start=1):
            if (theme["id"], position) not in places[model]:
                db.session.add(model(theme_id=theme["id"], position=position, text=text))
                added += 1
    return added


@seed_step("social value measures")
def seed_measures() -> str:
    """Measures by key, with the indicators the file says each evidences. A proxy value is never
    seeded: an admin sets it, with its source and date."""
    db.session.flush()
    indicators = {(i.theme_id, i.position): i for i in db.session.scalars(sa.select(Indicator))}
    known = set(db.session.scalars(sa.select(Measure.key)))
    added = 0
    for row in read_csv("social-value-measures.csv"):
        if row["key"] in known:
            continue
        db.session.add(_measure(row, indicators))
        added += 1
    return f"{added} added"


def _measure(row: dict[str, str], indicators: dict[tuple[str, int], Indicator]) -> Measure:
    """A measure from its row of the file; its indicators are listed as "theme:position;..."."""
    refs = (ref.split(":") for ref in row["indicators"].split(";"))
    return Measure(
        key=row["key"],
        name=row["name"],
        unit=Unit(row["unit"]),
        indicators=[indicators[(theme, int(position))] for theme, position in refs],
    )
