from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Timestamp, db, str_enum

if TYPE_CHECKING:
    from portal.organisations.models import Organisation


class Role(enum.StrEnum):
    SUPPLIER = "supplier"
    OFFICER = "officer"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Suppliers belong to an organisation; staff never do.
        sa.CheckConstraint(
            "(role = 'supplier') = (organisation_id IS NOT NULL)", name="supplier_has_organisation"
        ),
        sa.Index("ix_users_organisation_id", "organisation_id"),
        sa.Index("ix_users_role_id", "role", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (trimmed, lower case), so the unique constraint ignores case everywhere.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.SUPPLIER)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    email_verified_at: Mapped[datetime | None]
    is_disabled: Mapped[bool] = mapped_column(default=False)
    # Bumped by sign-out and a password change: a session cookie carrying an older version is refused.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[Timestamp]
    password_changed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship(
        back_populates="members", foreign_keys=[organisation_id]
    )

    def get_id(self) -> str:
        """Flask-Login's session key: the id and the session version, so bumping the version
        ends every session that holds the old one."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in {Role.OFFICER, Role.ADMIN}
