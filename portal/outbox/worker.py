"""The send worker: claims due messages, delivers them over SMTP, retries with backoff.

A message is sent once per successful claim and marked sent only after the server accepted it.
A worker that dies between the two leaves the message in `sending`; the claim expires after
OUTBOX_CLAIM_TIMEOUT_SECONDS and the message is sent again with the same Message-ID.
"""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_mail import BadHeaderError, Connection, Message

from portal.extensions import db
from portal.jobs import daily_task
from portal.outbox.audiences import AUDIENCES, Recipient
from portal.outbox.models import Broadcast, BroadcastState, MessageState, OutboxMessage
from portal.outbox.services import render_bodies
from portal.time import utcnow


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout: Flask-Mail sets none, so a server that
    accepts and never answers would hang the worker for ever."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["OUTBOX_SMTP_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


@dataclass
class Progress:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expanded: int = 0

    def __iadd__(self, other: Progress) -> Progress:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.expanded += other.expanded
        return self

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def anything(self) -> bool:
        return bool(self.sent or self.retried or self.failed or self.expanded)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try: base * 2^(attempts - 1), capped."""
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def claim(limit: int, now: datetime) -> list[int]:
    """Mark up to `limit` due messages `sending` and commit, so no other worker takes them.

    PostgreSQL skips rows another worker has locked; SQLite serialises writers (one worker).
    """
    ids = _due_ids(limit, now)
    if ids:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(state=MessageState.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        )
    db.session.commit()
    return list(ids)


def _due_ids(limit: int, now: datetime) -> list[int]:
    """Up to `limit` due messages, oldest first: queued ones whose time has come, and claimed ones
    whose claim has expired (their worker died). Locked until the claim commits."""
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    due = sa.or_(
        sa.and_(OutboxMessage.state == MessageState.QUEUED, OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.state == MessageState.SENDING, OutboxMessage.claimed_at < stale),
    )
    return db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def build_message(message: OutboxMessage) -> Message:
    config = current_app.config
    mail = Message(
        subject=message.subject,
        recipients=message.recipients,
        body=message.body_text,
        html=message.body_html,
        sender=config["MAIL_DEFAULT_SENDER"],
    )
    mail.msgId = message.message_id(urlsplit(config["BASE_URL"]).hostname or "portal.invalid")
    return mail


def mark_sent(message: OutboxMessage, now: datetime) -> None:
    message.state = MessageState.SENT
    message.sent_at = now
    message.last_error = None
    if message.has_secret:
        purge(message, now)


def mark_unsent(message: OutboxMessage, error: Exception, now: datetime, *, permanent: bool = False) -> str:
    """Back to the queue with a later attempt time, or failed for good. Returns the outcome."""
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if permanent or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.state = MessageState.FAILED
        return "failed"
    message.state = MessageState.QUEUED
    message.next_attempt_at = now + backoff(message.attempts)
    return "retried"


def purge(message: OutboxMessage, now: datetime) -> None:
    message.body_text = None
    message.body_html = None
    message.purged_at = now


def is_permanent(error: Exception) -> bool:
    """A 5xx reply means the server will never take this message (a refused address, say)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def deliver(ids: list[int], now: datetime) -> Progress:
    """Send the claimed messages over one SMTP connection, committing each outcome."""
    progress = Progress()
    remaining = list(ids)
    try:
        with TimeoutConnection(current_app.extensions["mail"]) as connection:
            while remaining:
                message = db.session.get(OutboxMessage, remaining[0])
                started = time.monotonic()
                progress.add(send(connection, message, now))
                db.session.commit()
                remaining.pop(0)
                keep_to_rate(started)
    except (OSError, smtplib.SMTPException) as error:
        progress += settle_after_connection_failure(remaining, error, now)
    return progress


def send(connection: Connection, message: OutboxMessage, now: datetime) -> str:
    """Send one message and mark the outcome, which it returns ("sent", "retried" or "failed").
    A failed connection raises, leaving the message as it was."""
    try:
        connection.send(build_message(message))
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as error:
        # The server refused this message; the connection itself is still good.
        return mark_unsent(message, error, now, permanent=is_permanent(error))
    except BadHeaderError as error:
        return mark_unsent(message, error, now, permanent=True)
    mark_sent(message, now)
    return "sent"


def keep_to_rate(started: float) -> None:
    """Wait out the rest of the message's share of a second at OUTBOX_RATE_PER_SECOND (0: no limit)."""
    rate = current_app.config["OUTBOX_RATE_PER_SECOND"]
    if rate:
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))


def settle_after_connection_failure(ids: list[int], error: Exception, now: datetime) -> Progress:
    """The connection failed (refused, timed out, dropped): every message not yet settled goes
    back to the queue, or fails once it has used its attempts."""
    db.session.rollback()
    current_app.logger.warning("SMTP delivery failed: %s", error)
    progress = Progress()
    for message_id in ids:
        progress.add(mark_unsent(db.session.get(OutboxMessage, message_id), error, now))
    db.session.commit()
    return progress


def expand_broadcast(now: datetime) -> int:
    """Write the next batch of one queued broadcast's messages; returns how many."""
    broadcast = next_queued_broadcast()
    if broadcast is None:
        db.session.commit()
        return 0
    batch_size = current_app.config["OUTBOX_BROADCAST_BATCH_SIZE"]
    recipients = AUDIENCES[broadcast.audience](broadcast.audience_params, broadcast.cursor, batch_size)
    db.session.add_all([broadcast_message(broadcast, recipient, now) for recipient in recipients])
    if recipients:
        broadcast.cursor = recipients[-1].key
        broadcast.recipients_written += len(recipients)
    if len(recipients) < batch_size:
        broadcast.state = BroadcastState.DONE
        broadcast.completed_at = now
    db.session.commit()
    return len(recipients)


def next_queued_broadcast() -> Broadcast | None:
    """The oldest queued broadcast no other worker holds, locked (PostgreSQL) until the commit."""
    return db.session.scalars(
        sa.select(Broadcast)
        .where(Broadcast.state == BroadcastState.QUEUED)
        .order_by(Broadcast.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def broadcast_message(broadcast: Broadcast, recipient: Recipient, now: datetime) -> OutboxMessage:
    """One recipient's message of the broadcast, rendered with their own values."""
    body_text, body_html = render_bodies(
        broadcast.template, {**broadcast.context, **recipient.context, "recipient_name": recipient.name}
    )
    return OutboxMessage(
        recipients=[recipient.address],
        subject=broadcast.subject,
        template=broadcast.template,
        body_text=body_text,
        body_html=body_html,
        broadcast_id=broadcast.id,
        recipient_key=recipient.key,
        cause_type=broadcast.cause_type,
        cause_id=broadcast.cause_id,
        next_attempt_at=now,
    )


@daily_task("outbox.purge_expired_secrets")
def purge_expired_secrets(now: datetime) -> int:
    """Purge secret bodies whose link has expired; an unsent one is failed (its link is dead)."""
    expired = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.has_secret.is_(True),
            OutboxMessage.purged_at.is_(None),
            OutboxMessage.secret_expires_at <= now,
        )
    ).all()
    for message in expired:
        if message.state != MessageState.SENT:
            message.state = MessageState.FAILED
            message.last_error = "the link in this message expired before it could be delivered"
        purge(message, now)
    db.session.flush()
    return len(expired)


def run_batch(now: datetime | None = None) -> Progress:
    """One pass: expand a broadcast batch, then claim and deliver one batch of due messages."""
    now = now or utcnow()
    progress = Progress(expanded=expand_broadcast(now))
    ids = claim(current_app.config["OUTBOX_BATCH_SIZE"], now)
    if ids:
        progress += deliver(ids, now)
    return progress


def run_until_idle(now: datetime | None = None) -> Progress:
    """Everything due now, for cron (`flask outbox run-once`)."""
    total = Progress()
    purge_expired_secrets(now or utcnow())
    db.session.commit()
    while (progress := run_batch(now)).anything:
        total += progress
        if progress.retried and not progress.sent:
            break  # the mail server is not taking messages: leave the rest for the next run
    return total
