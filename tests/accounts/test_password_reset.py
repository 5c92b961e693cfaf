import re
import time

import pytest
import sqlalchemy as sa

from portal import tokens
from portal.accounts.models import User
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_until_idle
from tests.conftest import post_form
from tests.factories import PASSWORD, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

NEW_PASSWORD = "lantern orbit kettle canal"


@pytest.fixture
def supplier(app, transaction):
    with app.app_context():
        return make_supplier("sam@example.com", verified=False)


def reset_link(app, smtp_server) -> str:
    with app.app_context():
        run_until_idle()
    body = smtp_server.to("sam@example.com")[-1].get_body(("plain",)).get_content()
    return re.search(r"http://portal\.test(/reset-password/\S+)", body).group(1)


def page_without_secrets(html: str) -> str:
    return (
        re.sub(r'(value|nonce)="[^"]{20,}"', "", html)
        .replace("sam@example.com", "X")
        .replace("nobody@example.com", "X")
    )


def test_a_reset_link_is_emailed_and_sets_a_new_password(app, client, supplier, smtp_server):
    page = post_form(client, "/forgot-password", {"email": "Sam@Example.com"})
    assert "Check your email" in page.get_data(as_text=True)
    link = reset_link(app, smtp_server)
    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"
    with app.app_context():
        user = db.session.get(User, supplier.id)
        assert user.is_verified  # the link reached the address, which proves it
        run_until_idle()
    assert smtp_server.to("sam@example.com")[-1]["Subject"] == "Your password has been changed"
    sign_in(client, "sam@example.com", NEW_PASSWORD)


def test_an_unknown_address_gets_the_same_page_and_a_note_instead_of_a_link(
    app, client, supplier, smtp_server
):
    known = post_form(client, "/forgot-password", {"email": "sam@example.com"}).get_data(as_text=True)
    unknown = post_form(client, "/forgot-password", {"email": "nobody@example.com"}).get_data(as_text=True)
    assert page_without_secrets(known) == page_without_secrets(unknown)
    with app.app_context():
        run_until_idle()
    note = smtp_server.to("nobody@example.com")[0].get_body(("plain",)).get_content()
    assert "no account" in note
    assert "/reset-password/" not in note


def test_a_reset_link_works_once(app, client, supplier, smtp_server):
    post_form(client, "/forgot-password", {"email": "sam@example.com"})
    link = reset_link(app, smtp_server)
    post_form(client, link, {"password": NEW_PASSWORD})
    again = client.get(link)
    assert again.status_code == 400
    assert "This link does not work" in again.get_data(as_text=True)


def test_a_reset_link_dies_when_the_password_changes_another_way(app, client, supplier, smtp_server):
    post_form(client, "/forgot-password", {"email": "sam@example.com"})
    link = reset_link(app, smtp_server)
    sign_in(client, "sam@example.com")
    post_form(client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD})
    assert client.get(link).status_code == 400


def test_an_expired_reset_link_says_so(app, client, supplier, monkeypatch):
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() - 3601)
    with app.app_context():
        user = db.session.get(User, supplier.id)
        token = tokens.make_token(
            tokens.RESET_PASSWORD, {"user": user.id, "pw": tokens.password_fingerprint(user.password_hash)}
        )
    monkeypatch.undo()
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)


def test_a_tampered_reset_link_is_refused(app, client, supplier, smtp_server):
    post_form(client, "/forgot-password", {"email": "sam@example.com"})
    link = reset_link(app, smtp_server)
    assert client.get(link[:-3] + "abc").status_code == 400
    assert client.get("/reset-password/" + "A" * 5000).status_code == 400


@pytest.mark.parametrize(
    ("password", "message"),
    [("", "Enter a password"), ("short", "12 characters or more"), ("password123456", "too easy to guess")],
)
def test_a_weak_new_password_is_explained(app, client, supplier, smtp_server, password, message):
    post_form(client, "/forgot-password", {"email": "sam@example.com"})
    link = reset_link(app, smtp_server)
    html = post_form(client, link, {"password": password}).get_data(as_text=True)
    assert html.count(message) >= 2
    with app.app_context():
        assert db.session.get(User, supplier.id).password_changed_at is None


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_input_never_causes_a_server_error(app, client, supplier, kind):
    response = post_form(client, "/forgot-password", {"email": HOSTILE_VALUES[kind]})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_reset_requests_are_limited_per_email(client, supplier):
    for _ in range(5):
        assert post_form(client, "/forgot-password", {"email": "sam@example.com"}).status_code == 200
    assert post_form(client, "/forgot-password", {"email": "sam@example.com"}).status_code == 429


def test_change_password_checks_the_current_one_and_the_rules(app, client, supplier):
    sign_in(client, "sam@example.com")
    wrong = post_form(
        client, "/account/password", {"current_password": "not it at all", "password": NEW_PASSWORD}
    )
    assert "Your current password is not correct" in wrong.get_data(as_text=True)
    weak = post_form(
        client, "/account/password", {"current_password": PASSWORD, "password": "sam@example.com!!"}
    )
    assert "must not contain your name or email" in weak.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, supplier.id).password_changed_at is None
