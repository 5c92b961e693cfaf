"""The outbox: queued in the transaction of its cause, delivered by the worker over real SMTP."""

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import ROOT
from portal.extensions import db
from portal.outbox import notify
from portal.outbox.cli import deliver_until_stopped
from portal.outbox.models import MessageState, OutboxMessage
from portal.outbox.worker import claim, run_until_idle
from portal.time import utcnow
from tests.conftest import SMTPCapture, free_port, point_mail_at


def queue(to="supplier@example.com", subject="Mail settings check", **kwargs) -> OutboxMessage:
    return notify("outbox/smtp_check", to=to, subject=subject, context={"server": "test"}, **kwargs)


def messages() -> list[OutboxMessage]:
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_message_exists_only_if_its_transaction_commits(app, transaction):
    with app.app_context():
        queue(to="rolled-back@example.com")
        db.session.rollback()
        queue(to="committed@example.com")
        db.session.commit()
        assert [m.recipients for m in messages()] == [["committed@example.com"]]


def test_worker_delivers_text_and_html_with_a_message_id_from_the_row(app, transaction, smtp_server):
    with app.app_context():
        message = queue(to=("Ada Supplier", "ada@example.com"))
        db.session.commit()
        run_until_idle()
        delivered = smtp_server.to("ada@example.com")
        assert len(delivered) == 1
        email = delivered[0]
        assert email["Subject"] == "Mail settings check"
        assert email["To"] == "Ada Supplier <ada@example.com>"
        assert (
            email["Message-ID"] == f"<outbox-{message.id}.{int(message.created_at.timestamp())}@portal.test>"
        )
        assert "can send email" in email.get_body(("plain",)).get_content()
        assert "<p>" in email.get_body(("html",)).get_content()
        db.session.refresh(message)
        assert message.state == MessageState.SENT
        assert message.sent_at is not None
        assert message.attempts == 1


def test_with_the_server_down_messages_wait_and_are_delivered_once_when_it_is_back(app, transaction):
    server = SMTPCapture()
    point_mail_at(app, server.host, server.port)  # nothing listens there yet
    with app.app_context():
        for n in range(3):
            queue(to=f"supplier{n}@example.com")
        db.session.commit()
        run_until_idle()
        waiting = messages()
        assert {m.state for m in waiting} == {MessageState.QUEUED}
        assert all(m.attempts == 1 and "Connection refused" in m.last_error for m in waiting)
        assert all(m.next_attempt_at > utcnow() for m in waiting)

        server.start()
        try:
            run_until_idle(now=utcnow() + timedelta(hours=1))
            run_until_idle(now=utcnow() + timedelta(hours=2))
        finally:
            server.stop()
        assert sorted(m["X-Envelope-To"] for m in server.messages) == [
            f"supplier{n}@example.com" for n in range(3)
        ]
        assert {m.state for m in messages()} == {MessageState.SENT}


def test_a_server_that_accepts_and_never_answers_times_the_worker_out(app, transaction):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections (the kernel does) but never sends a greeting
    point_mail_at(app, "127.0.0.1", silent.getsockname()[1])
    app.config["OUTBOX_SMTP_TIMEOUT"] = 0.5
    try:
        with app.app_context():
            message = queue()
            db.session.commit()
            started = time.monotonic()
            run_until_idle()
            assert time.monotonic() - started < 5
            db.session.refresh(message)
            assert message.state == MessageState.QUEUED
            assert "timed out" in message.last_error
    finally:
        app.config["OUTBOX_SMTP_TIMEOUT"] = 2.0
        silent.close()


def test_a_message_fails_for_good_after_the_last_attempt(app, transaction):
    point_mail_at(app, "127.0.0.1", free_port())
    with app.app_context():
        message = queue()
        db.session.commit()
        now = utcnow()
        for _ in range(app.config["OUTBOX_MAX_ATTEMPTS"]):
            run_until_idle(now=now)
            now += timedelta(days=1)
        db.session.refresh(message)
        assert message.state == MessageState.FAILED
        assert message.attempts == app.config["OUTBOX_MAX_ATTEMPTS"]
        run_until_idle(now=now + timedelta(days=30))
        db.session.refresh(message)
        assert message.attempts == app.config["OUTBOX_MAX_ATTEMPTS"]


def test_a_refused_address_fails_at_once_and_the_others_still_go(app, transaction, smtp_server):
    async def handle_RCPT(server, session, envelope, address, options):
        if address.startswith("nobody@"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = handle_RCPT
    with app.app_context():
        refused = queue(to="nobody@example.com")
        accepted = queue(to="somebody@example.com")
        db.session.commit()
        run_until_idle()
        db.session.refresh(refused)
        db.session.refresh(accepted)
        assert refused.state == MessageState.FAILED
        assert "550" in refused.last_error
        assert accepted.state == MessageState.SENT
        assert len(smtp_server.messages) == 1


def test_a_claim_left_by_a_dead_worker_expires_and_the_message_goes_again(app, transaction, smtp_server):
    with app.app_context():
        message = queue()
        db.session.commit()
        assert claim(10, utcnow()) == [message.id]  # the worker died here, before sending
        run_until_idle()
        assert smtp_server.messages == []  # the claim is still fresh
        later = utcnow() + timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
        run_until_idle(now=later)
        assert len(smtp_server.messages) == 1
        db.session.refresh(message)
        assert message.state == MessageState.SENT
        assert message.attempts == 2


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Evil\r\nBcc: victim@example.com", "Hello\r\nX-Injected: yes"),
        ("Evil\nBcc: victim@example.com", "Hello\nX-Injected: yes"),
        ("Evil\x00\u2028Bcc: victim@example.com", "Hello\rX-Injected: yes"),
    ],
)
def test_line_breaks_in_a_name_or_subject_never_add_a_header(app, transaction, smtp_server, name, subject):
    with app.app_context():
        queue(to=(name, "target@example.com"), subject=subject)
        db.session.commit()
        run_until_idle()
    assert len(smtp_server.messages) == 1
    email = smtp_server.messages[0]
    assert email["Bcc"] is None
    assert email["X-Injected"] is None
    assert email["X-Envelope-To"] == "target@example.com"
    assert email["Subject"] == "Hello X-Injected: yes"


def test_two_workers_never_claim_the_same_message(fresh_app):
    with fresh_app.app_context():
        for n in range(200):
            queue(to=f"s{n}@example.com")
        db.session.commit()
    claimed: list[list[int]] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with fresh_app.app_context():
            barrier.wait()
            mine: list[int] = []
            while batch := claim(7, utcnow()):
                mine.extend(batch)
            claimed.append(mine)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    first, second = claimed
    assert not set(first) & set(second)
    assert len(first) + len(second) == 200


# --- a worker that outlives outages -----------------------------------------------------------


class ScriptedStop(threading.Event):
    """The worker's stop flag, whose waits return at once and are recorded: `on_wait` sees each."""

    def __init__(self, on_wait) -> None:
        super().__init__()
        self.waits: list[float] = []
        self.on_wait = on_wait

    def wait(self, timeout=None) -> bool:
        self.waits.append(timeout)
        self.on_wait(self)
        return self.is_set()


def test_the_worker_outlives_a_database_outage_and_delivers_after_it(fresh_app, smtp_server, caplog):
    """Every connection refused for six rounds (1 + 2 + 4 + 8 + 16 + 30 s of pauses, far beyond the
    poll interval), then the database is back: the message queued before goes out."""
    with fresh_app.app_context():
        queue(to="after-the-outage@example.com")
        db.session.commit()
        down = threading.Event()
        down.set()
        refused = db.engine.dialect.loaded_dbapi.OperationalError

        @sa.event.listens_for(db.engine, "do_connect")
        def _refuse(*args):
            if down.is_set():
                raise refused("connection refused: could not connect to the database server")

        db.engine.dispose()

        def on_wait(stop: ScriptedStop) -> None:
            if len(stop.waits) == 6:
                down.clear()
            if smtp_server.messages:
                stop.set()

        stop = ScriptedStop(on_wait)
        with caplog.at_level(logging.WARNING, logger="portal.outbox.cli"):
            deliver_until_stopped(stop, poll=0.5)
        assert stop.waits[:6] == [1, 2, 4, 8, 16, 30]
        assert [m["X-Envelope-To"] for m in smtp_server.messages] == ["after-the-outage@example.com"]
        assert "connection refused" in caplog.text and "trying again in 30 s" in caplog.text
        assert messages()[0].state == MessageState.SENT


def test_the_worker_waits_its_poll_interval_when_nothing_is_due(fresh_app):
    with fresh_app.app_context():
        stop = ScriptedStop(lambda stop: stop.set())
        deliver_until_stopped(stop, poll=7.5)
    assert stop.waits == [7.5]


def test_flask_outbox_work_keeps_running_while_the_database_is_down_and_stops_on_sigterm(tmp_path):
    """The real command against a database server that refuses every connection: it logs, keeps
    trying past its poll interval, and a SIGTERM stops it cleanly."""
    env = {
        **os.environ,
        "PORTAL_CONFIG": "test",
        "TEST_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/portal",
    }
    flask = [sys.executable, "-m", "flask", "--app", "portal:create_app", "outbox", "work", "--poll", "0.2"]
    log_path = tmp_path / "worker.log"
    with (
        log_path.open("w") as log_file,
        subprocess.Popen(flask, env=env, stderr=log_file, cwd=ROOT) as worker,
    ):
        try:
            # Two refused rounds and their pauses (1 s, 2 s): well past the poll interval.
            deadline = time.monotonic() + 30
            while "trying again in 2 s" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            still_running = worker.poll() is None
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=10)
        finally:
            worker.kill()
    log = log_path.read_text()
    assert still_running, log
    assert worker.returncode == 0, log
    assert "trying again in 1 s" in log and "trying again in 2 s" in log
    assert "Traceback" not in log
