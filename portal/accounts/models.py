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
    # The authenticator app's shared secret (RFC 6238, base32), once its first code was accepted.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_added_at: Mapped[datetime | None]
    # The time step of the last code accepted: a code is accepted once, and never an older one.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The account's WebAuthn user handle: random, so a passkey tells nothing about the account.
    passkey_handle: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64), unique=True)

    organisation: Mapped[Organisation | None] = relationship(
        back_populates="members", foreign_keys=[organisation_id]
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RecoveryCode.id"
    )
    passkeys: Mapped[list[Passkey]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Passkey.id"
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

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None


class RecoveryCode(db.Model):
    """One of the ten single-use codes that stand in for an authenticator app that is lost. Its
    first four characters find it (`lookup`); the rest is checked against `code_hash` (argon2)."""

    __tablename__ = "recovery_codes"
    __table_args__ = (sa.UniqueConstraint("user_id", "lookup", name="uq_recovery_codes_user_lookup"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lookup: Mapped[str] = mapped_column(sa.String(8))
    code_hash: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[Timestamp]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class Passkey(db.Model):
    """A WebAuthn credential the account's owner registered (a phone, a laptop, a security key):
    it signs them in without a password, with user verification standing for both factors."""

    __tablename__ = "passkeys"
    __table_args__ = (sa.Index("ix_passkeys_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[Timestamp]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="passkeys")
