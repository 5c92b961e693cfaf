"""The audit log: one record per decision, written in the same transaction as the decision.

Records are append-only (see portal.append_only) and carry no secrets: `record` refuses details
whose keys look like one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.append_only import append_only
from portal.extensions import db
from portal.time import UTCDateTime, utcnow

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
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
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


def record(
    action: str,
    *,
    record_type: str,
    record_id: object,
    actor_id: int | None = None,
    actor_kind: str = "system",
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Add an audit record to the current transaction (flushed and committed with it)."""
    details = details or {}
    leaked = [key for key in details if any(word in key.lower() for word in SECRET_WORDS)]
    if leaked:
        raise ValueError(f"audit details must not carry secrets: {leaked}")
    entry = AuditRecord(
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        actor_id=actor_id,
        actor_kind=actor_kind,
        details=details,
    )
    db.session.add(entry)
    return entry
