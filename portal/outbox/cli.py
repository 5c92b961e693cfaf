"""`flask outbox ...`: the worker, and an operator's view of the queue."""

from __future__ import annotations

import logging
import signal
import smtplib
import threading
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.outbox.models import MessageState, OutboxMessage
from portal.outbox.services import notify, retry
from portal.outbox.worker import Progress, purge_expired_secrets, run_batch, run_until_idle
from portal.time import utcnow

log = logging.getLogger(__name__)

# The longest pause between tries while the database or the mail server cannot be reached.
RETRY_CAP_SECONDS = 30

outbox_cli = AppGroup("outbox", help="Email outbox: the send worker and the queue.")


@outbox_cli.command("work")
@click.option("--poll", default=None, type=float, help="Seconds to wait when nothing is due.")
def work_command(poll: float | None) -> None:
    """Deliver messages until SIGTERM or Ctrl+C, which let the message in hand finish first."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    mail = current_app.config
    click.echo(f"Outbox worker delivering to {mail['MAIL_SERVER']}:{mail['MAIL_PORT']}")
    try:
        deliver_until_stopped(stopping, poll or mail["OUTBOX_POLL_SECONDS"])
    finally:
        db.session.remove()


def deliver_until_stopped(stopping: threading.Event, poll: float) -> None:
    """Batch after batch until `stopping` is set, purging expired secrets once a minute and
    waiting `poll` seconds when nothing was sent or written. A database or mail server that
    cannot be reached is logged and tried again after a pause that doubles from 1 s to 30 s: the
    worker outlives any outage; its service manager restarts it only after a fault of its own."""
    failures = 0
    last_purge = 0.0
    while not stopping.is_set():
        try:
            if time.monotonic() - last_purge > 60:
                purge_expired_secrets(utcnow())
                db.session.commit()
                last_purge = time.monotonic()
            progress = run_batch()
        except (DBAPIError, OSError, smtplib.SMTPException) as error:
            stopping.wait(_pause_after(error, failures))
            failures += 1
            continue
        failures = 0
        if progress.anything:
            click.echo(_summary(progress))
        if not progress.sent and not progress.expanded:
            stopping.wait(poll)


def _pause_after(error: Exception, failures: int) -> int:
    """Drop the failed connection (the next try opens a new one), log, and say how long to wait."""
    db.session.remove()
    pause = min(RETRY_CAP_SECONDS, 2**failures)
    reason = " ".join(str(getattr(error, "orig", None) or error).split())
    log.warning("outbox worker: %s; trying again in %s s", reason, pause)
    return pause


def _summary(progress: Progress) -> str:
    return (
        f"sent {progress.sent}, retrying {progress.retried}, failed {progress.failed}, "
        f"written from broadcasts {progress.expanded}"
    )


@outbox_cli.command("run-once")
def run_once_command() -> None:
    """Deliver everything due now, then stop (for cron)."""
    click.echo(_summary(run_until_idle()))


@outbox_cli.command("status")
@click.option("--limit", default=20, help="How many unsent messages to list.")
def status_command(limit: int) -> None:
    """Messages by state, and the unsent ones with their attempts and last error."""
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    click.echo("  ".join(f"{state.value}: {counts.get(state, 0)}" for state in MessageState))
    for message in _unsent(limit):
        click.echo(
            f"#{message.id} {message.state.value} attempts={message.attempts} "
            f"next={message.next_attempt_at:%Y-%m-%d %H:%M:%S} subject={message.subject!r} "
            f"error={message.last_error or '-'}"
        )


def _unsent(limit: int) -> list[OutboxMessage]:
    """The newest `limit` messages not sent (queued, being sent, or failed)."""
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.state != MessageState.SENT)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()


@outbox_cli.command("retry")
@click.argument("message_id", type=int)
def retry_command(message_id: int) -> None:
    """Queue a failed message again."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise click.ClickException(f"no message #{message_id}")
    try:
        retry(message)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"message #{message_id} queued again")


@outbox_cli.command("send-test")
@click.argument("address")
def send_test_command(address: str) -> None:
    """Queue a message to ADDRESS, to check the mail settings end to end."""
    message = notify(
        "outbox/smtp_check",
        to=address,
        subject="Supplier Portal: mail settings check",
        context={"server": current_app.config["MAIL_SERVER"]},
    )
    db.session.commit()
    click.echo(f"queued message #{message.id} to {address}; the worker will deliver it")


@outbox_cli.command("sink")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=1025, type=int)
@click.option("--directory", default=None, help="Where to keep each message (default instance/mail).")
def sink_command(host: str, port: int, directory: str | None) -> None:
    """A local SMTP server for development: keeps every message as a file and prints it."""
    from portal.outbox.sink import serve

    serve(host, port, Path(directory or Path(current_app.instance_path) / "mail"))
