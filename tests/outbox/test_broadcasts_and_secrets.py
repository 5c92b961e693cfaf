from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.outbox import notify, queue_broadcast
from portal.outbox.audiences import AUDIENCES, Recipient, audience
from portal.outbox.models import Broadcast, BroadcastState, MessageState, OutboxMessage
from portal.outbox.worker import expand_broadcast, run_until_idle
from portal.time import utcnow


@pytest.fixture
def numbered_audience():
    """An audience of `count` numbered suppliers, each with a per-recipient link."""

    @audience("numbered_suppliers")
    def numbered(params, after, limit):
        start = (after or 0) + 1
        end = min(start + limit, params["count"] + 1)
        return [
            Recipient(
                key=n,
                address=f"member{n}@example.com",
                name=f"Member {n}",
                context={"server": f"unsubscribe/{n}"},
            )
            for n in range(start, end)
        ]

    yield "numbered_suppliers"
    AUDIENCES.pop("numbered_suppliers")


def test_a_broadcast_to_1000_recipients_sends_each_exactly_one_message(
    app, transaction, smtp_server, numbered_audience
):
    app.config["OUTBOX_BROADCAST_BATCH_SIZE"] = 150
    try:
        with app.app_context():
            broadcast = queue_broadcast(
                "outbox/smtp_check",
                audience=numbered_audience,
                subject="New Code of Ethics",
                audience_params={"count": 1000},
            )
            db.session.commit()
            run_until_idle()
            run_until_idle()  # a second pass finds nothing more to write or send
            db.session.refresh(broadcast)
            assert broadcast.state == BroadcastState.DONE
            assert broadcast.recipients_written == 1000
    finally:
        app.config["OUTBOX_BROADCAST_BATCH_SIZE"] = 200
    received = sorted(m["X-Envelope-To"] for m in smtp_server.messages)
    assert received == sorted(f"member{n}@example.com" for n in range(1, 1001))
    # Each recipient's own values reach their own message.
    member_7 = smtp_server.to("member7@example.com")[0]
    assert "unsubscribe/7" in member_7.get_body(("plain",)).get_content()


def test_a_broadcast_writes_each_recipient_once_even_if_a_batch_is_retried(
    app, transaction, numbered_audience
):
    with app.app_context():
        broadcast = queue_broadcast(
            "outbox/smtp_check", audience=numbered_audience, subject="s", audience_params={"count": 3}
        )
        db.session.commit()
        assert expand_broadcast(utcnow()) == 3
        db.session.add(
            OutboxMessage(
                recipients=["x@example.com"],
                subject="s",
                template="t",
                broadcast_id=broadcast.id,
                recipient_key=2,
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_an_unknown_audience_is_refused(app, transaction):
    with app.app_context(), pytest.raises(ValueError, match="no audience"):
        queue_broadcast("outbox/smtp_check", audience="everyone-ever", subject="s")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 0


def test_a_secret_body_is_purged_once_sent(app, transaction, smtp_server):
    with app.app_context():
        message = notify(
            "outbox/smtp_check",
            to="new@example.com",
            subject="Verify your email",
            context={"server": "SECRET-LINK"},
            secret_expires_at=utcnow() + timedelta(hours=48),
        )
        db.session.commit()
        run_until_idle()
        db.session.refresh(message)
        assert message.state == MessageState.SENT
        assert message.body_text is None
        assert message.body_html is None
        assert message.purged_at is not None
    assert "SECRET-LINK" in smtp_server.messages[0].get_body(("plain",)).get_content()


def test_an_unsent_secret_whose_link_expired_is_purged_and_failed(app, transaction):
    with app.app_context():
        message = notify(
            "outbox/smtp_check",
            to="new@example.com",
            subject="Reset your password",
            context={"server": "SECRET-LINK"},
            secret_expires_at=utcnow() + timedelta(hours=1),
        )
        db.session.commit()
        run_until_idle(now=utcnow() + timedelta(hours=2))
        db.session.refresh(message)
        assert message.state == MessageState.FAILED
        assert message.body_text is None
        assert "expired" in message.last_error


def test_a_message_without_a_secret_keeps_its_body(app, transaction, smtp_server):
    with app.app_context():
        message = notify("outbox/smtp_check", to="x@example.com", subject="Decision", context={"server": "s"})
        db.session.commit()
        run_until_idle()
        db.session.refresh(message)
        assert message.body_text
