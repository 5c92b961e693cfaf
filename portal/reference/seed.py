"""Seed steps for the reference data: dated figures and CPV divisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.reference.cpv import forget_division_choices
from portal.reference.figures import forget_figures
from portal.reference.models import CpvDivision, ReferenceFigure
from portal.seed import read_csv, seed_step, upsert


@seed_step("reference figures")
def seed_figures() -> str:
    rows = (_figure(row) for row in read_csv("reference-figures.csv"))
    summary = upsert(ReferenceFigure, ("key", "effective_from"), rows)
    forget_figures()  # this process reads them again
    return summary


def _figure(row: dict[str, str]) -> dict:
    """A row of the file as the table's columns."""
    return {
        "key": row["key"],
        "effective_from": date.fromisoformat(row["effective_from"]),
        "value": Decimal(row["value"]),
        "unit": row["unit"],
        "source": row["source"],
    }


@seed_step("CPV divisions")
def seed_cpv_divisions() -> str:
    rows = (
        {"division": r["division"], "code": r["code"], "title": r["title"]}
        for r in read_csv("cpv-divisions.csv")
    )
    summary = upsert(CpvDivision, ("division",), rows)
    forget_division_choices()  # this process reads them again
    return summary
