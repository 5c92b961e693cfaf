from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Timestamp, db, str_enum


class MessageState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class BroadcastState(enum.StrEnum):
    QUEUED = "queued"  # recipients still to be expanded into messages
    DONE = "done"


class Broadcast(db.Model):
    """One event for many recipients (a new Code version to every member): the worker resolves
    the named audience in batches and writes one message per recipient."""

    __tablename__ = "outbox_broadcasts"
    __table_args__ = (sa.Index("ix_outbox_broadcasts_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(sa.String(80))
    audience_params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    template: Mapped[str] = mapped_column(sa.String(120))
    subject: Mapped[str] = mapped_column(sa.String(300))
    context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[BroadcastState] = mapped_column(
        str_enum(BroadcastState, "broadcast_state"), default=BroadcastState.QUEUED
    )
    # The key of the last recipient written, so each batch starts where the previous one ended.
    cursor: Mapped[int | None]
    recipients_written: Mapped[int] = mapped_column(default=0)
    cause_type: Mapped[str | None] = mapped_column(sa.String(60))
    cause_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[Timestamp]
    completed_at: Mapped[datetime | None]


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The worker's claim: due messages, oldest first.
        sa.Index("ix_outbox_messages_due", "state", "next_attempt_at", "id"),
        # The officers' list, filtered by state, newest first.
        sa.Index("ix_outbox_messages_state_id", "state", "id"),
        sa.Index("ix_outbox_messages_cause", "cause_type", "cause_id"),
        sa.Index("ix_outbox_messages_secret_expires_at", "secret_expires_at"),
        # A broadcast writes each recipient's message once, however often a batch is retried.
        sa.UniqueConstraint("broadcast_id", "recipient_key", name="uq_outbox_messages_broadcast_recipient"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("state <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipients: Mapped[list[str]] = mapped_column(sa.JSON)
    subject: Mapped[str] = mapped_column(sa.String(300))
    template: Mapped[str] = mapped_column(sa.String(120))
    body_text: Mapped[str | None] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # Verification, reset and invitation links: never shown to officers, purged once sent or expired.
    has_secret: Mapped[bool] = mapped_column(default=False)
    secret_expires_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]
    state: Mapped[MessageState] = mapped_column(
        str_enum(MessageState, "message_state"), default=MessageState.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[Timestamp]
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[Timestamp]
    sent_at: Mapped[datetime | None]
    cause_type: Mapped[str | None] = mapped_column(sa.String(60))
    cause_id: Mapped[str | None] = mapped_column(sa.String(64))
    broadcast_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_broadcasts.id"))
    recipient_key: Mapped[int | None]

    def message_id(self, domain: str) -> str:
        """Derived from the row, so a resend after a crash is recognisably the same message."""
        return f"<outbox-{self.id}.{int(self.created_at.timestamp())}@{domain}>"
