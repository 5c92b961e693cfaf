"""The audit log: one record per decision, written in the same transaction as the decision.

Records are append-only (see portal.append_only) and carry no secrets: `record` refuses details
whose keys look like one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.append_only import append_only
from portal.extensions import Timestamp, db

if TYPE_CHECKING:
    from portal.accounts.models import User

SECRET_WORDS = ("password", "token", "secret", "signature_key")


@append_only
class AuditRecord(db.Model):
    __tablename__ = "audit_records"
    __table_args__ = (
        sa.Index("ix_audit_records_record", "record_type", "record_id", "id"),
        sa.Index("ix_audit_records_actor_id", "actor_id", "id"),
        sa.Index("ix_audit_records_action", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[Timestamp]
    # The account that decided, where a person did; None for the system (worker, daily jobs).
    actor_id: Mapped[int | None]
    # How the actor acted, for reading the log without a join: "officer", "supplier", "cli", "system".
    actor_kind: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(80))
    record_type: Mapped[str] = mapped_column(sa.String(60))
    record_id: Mapped[str] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    # No foreign key: the log outlives anything it mentions. Read-only, for showing who acted.
    actor: Mapped[User | None] = relationship(
        "User", primaryjoin="foreign(AuditRecord.actor_id) == User.id", viewonly=True, lazy="raise"
    )


class Recorded(Protocol):
    """Anything with a table and an id: every model."""

    __tablename__: str
    id: Any


def record(
    action: str, about: Recorded, *, actor: User | None, source: str = "system", **details: Any
) -> AuditRecord:
    """Add an audit record of `action` on `about` by `actor` to the current transaction (flushed
    and committed with it). The record's table and id, and the actor's kind (its role: "supplier",
    "officer", "admin"), come from the objects; where no person acted, `actor` is None and
    `source` says what did ("system": the worker, a daily job; "cli": a command)."""
    leaked = [key for key in details if any(word in key.lower() for word in SECRET_WORDS)]
    if leaked:
        raise ValueError(f"audit details must not carry secrets: {leaked}")
    entry = AuditRecord(
        action=action,
        record_type=about.__tablename__,
        record_id=str(about.id),
        actor_id=None if actor is None else actor.id,
        actor_kind=source if actor is None else actor.role.value,
        details=details,
    )
    db.session.add(entry)
    return entry
