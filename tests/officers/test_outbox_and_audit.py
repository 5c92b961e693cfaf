import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal import audit
from portal.audit import AuditRecord
from portal.extensions import db
from portal.outbox import notify
from portal.outbox.models import MessageState, OutboxMessage
from portal.time import utcnow
from tests.conftest import count_queries, post_form, session_csrf_token
from tests.factories import make_staff, sign_in
from tests.hostile import HOSTILE_VALUES


def about(table: str, record_id: int) -> SimpleNamespace:
    """A record of `table` for the log to name (the log keeps no foreign key)."""
    return SimpleNamespace(__tablename__=table, id=record_id)


@pytest.fixture
def officer(app, client):
    with app.app_context():
        user = make_staff("olive@example.com")
    sign_in(client, user.email)
    return user


def queue(subject="Decision on your offer", secret=False, **context) -> OutboxMessage:
    return notify(
        "outbox/smtp_check",
        to="supplier@example.com",
        subject=subject,
        context={"server": "SMTP", **context},
        secret_expires_at=utcnow() + timedelta(hours=1) if secret else None,
    )


def test_officers_see_each_messages_state_attempts_and_last_error(app, client, officer):
    with app.app_context():
        failed = queue("Refused one")
        failed.state, failed.attempts, failed.last_error = MessageState.FAILED, 8, "550 No such user"
        queue("Waiting one")
        db.session.commit()
    html = client.get("/officer/outbox").get_data(as_text=True)
    assert "Refused one" in html
    assert "550 No such user" in html
    assert "Waiting one" in html
    only_failed = client.get("/officer/outbox?state=failed").get_data(as_text=True)
    assert "Refused one" in only_failed
    assert "Waiting one" not in only_failed


def test_officers_read_a_plain_message_but_never_one_that_carries_a_secret(app, client, officer):
    with app.app_context():
        plain = queue("Plain one", server="VISIBLE-TEXT")
        secret = queue("Secret one", secret=True, server="SECRET-LINK-TEXT")
        db.session.commit()
        ids = plain.id, secret.id
    assert "VISIBLE-TEXT" in client.get(f"/officer/outbox/{ids[0]}").get_data(as_text=True)
    secret_page = client.get(f"/officer/outbox/{ids[1]}").get_data(as_text=True)
    assert "SECRET-LINK-TEXT" not in secret_page
    assert "officers cannot see its text" in secret_page
    for page in ("/officer/outbox", "/officer/outbox?state=queued"):
        assert "SECRET-LINK-TEXT" not in client.get(page).get_data(as_text=True)


def test_an_officer_sends_a_failed_message_again_and_it_is_audited(app, client, officer):
    with app.app_context():
        message = queue()
        message.state, message.attempts = MessageState.FAILED, 8
        db.session.commit()
        message_id = message.id
    response = post_form(
        client, f"/officer/outbox/{message_id}/retry", {}, page=f"/officer/outbox/{message_id}"
    )
    assert response.status_code == 302
    with app.app_context():
        again = db.session.get(OutboxMessage, message_id)
        assert (again.state, again.attempts) == (MessageState.QUEUED, 0)
        entry = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "outbox.retried"))
        assert entry.actor_id == officer.id


def test_a_message_that_has_not_failed_or_whose_link_was_purged_is_not_sent_again(app, client, officer):
    with app.app_context():
        queued = queue()
        purged = queue(secret=True)
        purged.state, purged.purged_at, purged.body_text = MessageState.FAILED, utcnow(), None
        db.session.commit()
        ids = queued.id, purged.id
    token = session_csrf_token(client)
    for message_id in ids:
        response = client.post(
            f"/officer/outbox/{message_id}/retry", data={"csrf_token": token}, follow_redirects=True
        )
        assert "Send again" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(OutboxMessage, ids[1]).state == MessageState.FAILED
    assert client.post(f"/officer/outbox/{ids[0]}/retry").status_code == 400  # no CSRF token
    assert client.post("/officer/outbox/999999/retry", data={"csrf_token": token}).status_code == 404


def test_the_audit_log_is_newest_first_and_filtered_by_actor_action_and_record(app, client, officer):
    with app.app_context():
        other = make_staff("other@example.com")
        audit.record("account.disabled", about("users", 5), actor=officer)
        audit.record("offer.accepted", about("offers", 9), actor=other)
        audit.record("outbox.retried", about("outbox_messages", 3), actor=None, source="cli")
        db.session.commit()

    def actions(query: str = "") -> list[str]:
        html = client.get(f"/officer/audit?{query}").get_data(as_text=True)
        rows = html.split("<tbody")[1] if "<tbody" in html else ""
        return re.findall(r"(account\.disabled|offer\.accepted|outbox\.retried)", rows)

    assert actions() == ["outbox.retried", "offer.accepted", "account.disabled"]
    assert actions("actor=OTHER@example.com") == ["offer.accepted"]
    assert actions("actor=nobody@example.com") == []
    assert actions("action=account.disabled") == ["account.disabled"]
    assert actions("record_type=offers&record_id=9") == ["offer.accepted"]
    assert actions("record_type=offers&record_id=10") == []


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
@pytest.mark.parametrize(
    "page", ["/officer/audit?actor={}&action={}&record_id={}", "/officer/outbox?state={}&before={}"]
)
def test_hostile_filters_never_cause_a_server_error(client, officer, page, kind):
    value = quote(HOSTILE_VALUES[kind])
    assert client.get(page.format(value, value, value)).status_code == 200


def test_an_overlong_cursor_is_ignored(client, officer):
    assert client.get("/officer/audit?before=" + "9" * 40).status_code == 200
    assert client.get("/officer/outbox?after=-1").status_code == 200


def statements_for(app, client, url: str) -> int:
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_outbox_and_audit_pages_run_the_same_queries_whatever_the_rows(app, client, officer):
    counts: dict[str, list[int]] = {
        "/officer/outbox": [],
        "/officer/audit": [],
        "/officer/audit?action=x.y": [],
    }
    total = 0
    for rows in (1, 25, 100):
        with app.app_context():
            for n in range(total, rows):
                queue(f"Message {n}")
                audit.record("x.y", about("users", n), actor=officer)
            db.session.commit()
        total = rows
        for url in counts:
            counts[url].append(statements_for(app, client, url))
    for url, seen in counts.items():
        assert len(set(seen)) == 1, (url, seen)
        assert seen[0] == 2, (url, seen)  # the account, then the page's rows (with each actor)
