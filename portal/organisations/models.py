from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.time import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User


class Organisation(db.Model):
    """A supplier organisation (company, sole trader, charity, CIC, co-operative, ...)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")
