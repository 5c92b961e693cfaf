from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class ReferenceFigure(db.Model):
    """A threshold or rate from the date it applies: a change is a new row, so history stays."""

    __tablename__ = "reference_figures"
    __table_args__ = (
        sa.UniqueConstraint("key", "effective_from", name="uq_reference_figures_key_effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80))
    value: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2))
    unit: Mapped[str] = mapped_column(sa.String(40))
    effective_from: Mapped[date]
    source: Mapped[str] = mapped_column(sa.String(300))


class CpvDivision(db.Model):
    """A division of the Common Procurement Vocabulary (CPV 2008): what a supplier offers."""

    __tablename__ = "cpv_divisions"

    division: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
