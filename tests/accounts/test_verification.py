import re
import time

import pytest
import sqlalchemy as sa

from portal import tokens
from portal.accounts.access import public
from portal.accounts.models import User
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from tests.conftest import post_form
from tests.factories import make_supplier, sign_in


def verification_link(app, user_id: int) -> str:
    with app.app_context():
        user = db.session.get(User, user_id)
        return "/verify-email/" + tokens.make_token(
            tokens.VERIFY_EMAIL, {"user": user.id, "email": user.email}
        )


def made_long_ago(monkeypatch, seconds: int) -> None:
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() - seconds)


@pytest.fixture
def unverified(app, transaction):
    with app.app_context():
        return make_supplier("new@example.com", verified=False)


def test_following_the_link_asks_for_a_confirmation_then_verifies(app, client, unverified):
    link = verification_link(app, unverified.id)
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm email address" in page.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, unverified.id).is_verified  # a GET changes nothing
    response = post_form(client, link, {})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with app.app_context():
        assert db.session.get(User, unverified.id).is_verified


def test_a_used_link_says_the_address_is_already_verified(app, client, unverified):
    link = verification_link(app, unverified.id)
    post_form(client, link, {})
    again = post_form(client, link, {}, follow_redirects=True)
    assert "already confirmed" in again.get_data(as_text=True)


def test_an_expired_link_is_refused_and_says_so(app, client, unverified, monkeypatch):
    made_long_ago(monkeypatch, 48 * 3600 + 5)
    link = verification_link(app, unverified.id)
    monkeypatch.undo()
    response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: t.replace(".", "-")]
)
def test_a_tampered_link_is_refused(app, client, unverified, mangle):
    link = verification_link(app, unverified.id)
    token = link.rsplit("/", 1)[1]
    response = client.get(f"/verify-email/{mangle(token)}")
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)


def test_a_reset_token_does_not_verify_an_address(app, client, unverified):
    with app.app_context():
        token = tokens.make_token(tokens.RESET_PASSWORD, {"user": unverified.id, "email": "new@example.com"})
    assert client.get(f"/verify-email/{token}").status_code == 400


def test_a_link_for_an_address_the_account_no_longer_has_is_refused(app, client, unverified):
    link = verification_link(app, unverified.id)
    with app.app_context():
        db.session.get(User, unverified.id).email = "changed@example.com"
        db.session.commit()
    assert client.get(link).status_code == 400


def test_confirming_without_a_csrf_token_is_refused(app, client, unverified):
    response = client.post(verification_link(app, unverified.id))
    assert response.status_code == 400
    with app.app_context():
        assert not db.session.get(User, unverified.id).is_verified


def test_an_unverified_person_may_only_see_the_account_page(fresh_database, app_factory):
    app = app_factory(fresh_database)

    @app.get("/members-only")
    def members_only():
        return "for verified members"

    @app.get("/open")
    @public
    def open_page():
        return "anyone"

    client = app.test_client()
    with app.app_context():
        user = make_supplier(verified=False)
    sign_in(client, user.email)
    assert client.get("/members-only").headers["Location"] == "/account"
    assert client.get("/open").status_code == 200
    assert client.get("/account").status_code == 200
    assert client.get("/account/password").status_code == 200
    html = client.get("/account").get_data(as_text=True)
    assert "Confirm your email address" in html
    assert "Send the link again" in html


def test_an_unverified_person_can_ask_for_the_link_again(app, client, unverified):
    sign_in(client, "new@example.com")
    response = post_form(client, "/account/resend-verification", {}, page="/account")
    assert response.headers["Location"] == "/account"
    with app.app_context():
        subjects = db.session.scalars(sa.select(OutboxMessage.subject)).all()
        assert subjects == ["Confirm your email address"]
        body = db.session.scalar(sa.select(OutboxMessage.body_text))
        assert re.search(r"/verify-email/\S+", body)
