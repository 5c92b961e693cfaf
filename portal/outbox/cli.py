"""`flask outbox ...`: the worker, and an operator's view of the queue."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.outbox.models import MessageState, OutboxMessage
from portal.outbox.services import notify, retry
from portal.outbox.worker import Progress, purge_expired_secrets, run_batch, run_until_idle
from portal.time import utcnow

outbox_cli = AppGroup("outbox", help="Email outbox: the send worker and the queue.")


@outbox_cli.command("work")
@click.option("--poll", default=None, type=float, help="Seconds to wait when nothing is due.")
def work_command(poll: float | None) -> None:
    """Deliver messages until stopped (SIGTERM or Ctrl+C finishes the current batch first)."""
    poll = poll or current_app.config["OUTBOX_POLL_SECONDS"]
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(
        f"Outbox worker delivering to {current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']}"
    )
    try:
        _deliver_until_stopped(stopping, poll)
    except KeyboardInterrupt:
        pass
    finally:
        db.session.remove()


def _deliver_until_stopped(stopping: list[bool], poll: float) -> None:
    """Batch after batch, saying what each did; expired secrets are purged once a minute, and
    when nothing was sent or written the worker waits `poll` seconds."""
    last_purge = 0.0
    while not stopping:
        if time.monotonic() - last_purge > 60:
            purge_expired_secrets(utcnow())
            db.session.commit()
            last_purge = time.monotonic()
        progress = run_batch()
        if progress.anything:
            click.echo(_summary(progress))
        if not progress.sent and not progress.expanded:
            time.sleep(poll)


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
