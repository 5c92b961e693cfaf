from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.outbox import notify
from portal.outbox.models import MessageState, OutboxMessage
from portal.time import utcnow
from tests.conftest import free_port, point_mail_at


def test_send_test_queues_a_message_that_run_once_delivers(app, runner, smtp_server):
    result = runner.invoke(args=["outbox", "send-test", "officer@example.com"])
    assert result.exit_code == 0, result.output
    assert "queued message" in result.output
    result = runner.invoke(args=["outbox", "run-once"])
    assert "sent 1" in result.output
    assert smtp_server.to("officer@example.com")[0]["Subject"] == "Supplier Portal: mail settings check"


def test_status_lists_states_and_unsent_messages_with_their_errors(app, runner):
    point_mail_at(app, "127.0.0.1", free_port())
    runner.invoke(args=["outbox", "send-test", "officer@example.com"])
    runner.invoke(args=["outbox", "run-once"])
    result = runner.invoke(args=["outbox", "status"])
    assert "queued: 1" in result.output
    assert "attempts=1" in result.output
    assert "Connection refused" in result.output


def test_retry_queues_a_failed_message_again(app, runner, smtp_server):
    with app.app_context():
        message = notify("outbox/smtp_check", to="x@example.com", subject="s", context={"server": "s"})
        db.session.flush()
        message.state, message.attempts, message.last_error = MessageState.FAILED, 8, "gave up"
        db.session.commit()
        message_id = message.id
    result = runner.invoke(args=["outbox", "retry", str(message_id)])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["outbox", "run-once"])
    assert len(smtp_server.messages) == 1


def test_retry_refuses_a_message_that_is_not_failed_or_whose_secret_was_purged(app, runner):
    with app.app_context():
        queued = notify("outbox/smtp_check", to="x@example.com", subject="s", context={"server": "s"})
        purged = notify(
            "outbox/smtp_check",
            to="y@example.com",
            subject="s",
            context={"server": "s"},
            secret_expires_at=utcnow() - timedelta(minutes=1),
        )
        db.session.commit()
        ids = queued.id, purged.id
    runner.invoke(args=["outbox", "run-once"])  # purges the expired secret before trying it
    assert "not failed" in runner.invoke(args=["outbox", "retry", str(ids[0])]).output
    assert "purged" in runner.invoke(args=["outbox", "retry", str(ids[1])]).output
    assert "no message" in runner.invoke(args=["outbox", "retry", "999999"]).output
    with app.app_context():
        states = db.session.scalars(sa.select(OutboxMessage.state).order_by(OutboxMessage.id)).all()
        assert states[-1] == MessageState.FAILED
