"""Passkeys: any account adds them (named, confirmed with the password), lists and removes them,
and signs in with one instead of a password and a code; each answer is checked against a
challenge used once, the portal's origin and a verified user."""

from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from portal.accounts.models import Passkey, User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from tests.authenticator import Authenticator
from tests.conftest import post_form, session_csrf_token
from tests.factories import PASSWORD, make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

OPTIONS = re.compile(r'data-options="([^"]+)"')
PROBLEM = "That passkey did not sign you in. Try again, or sign in with your password."


@pytest.fixture
def supplier(app, transaction):
    with app.app_context():
        return make_supplier("sam@example.com")


@pytest.fixture
def officer(app, transaction):
    with app.app_context():
        return make_staff("olive@example.com")


def add_passkey(client, device: Authenticator, name: str = "Work laptop"):
    """Name a passkey, confirm the password, and answer the browser's part with `device`."""
    response = post_form(client, "/account/passkeys", {"name": name, "password": PASSWORD})
    assert response.headers["Location"] == "/account/passkeys/create", response.get_data(as_text=True)
    page = client.get("/account/passkeys/create").get_data(as_text=True)
    options = json.loads(html.unescape(OPTIONS.search(page).group(1)))
    return post_form(client, "/account/passkeys/create", {"credential": device.create(options)})


def passkey_answer(client, device: Authenticator) -> str:
    token = session_csrf_token(client)
    response = client.post("/login/passkey/options", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.mimetype == "application/json"
    return device.get(response.get_json())


def sign_in_with(client, device: Authenticator, next_page: str = ""):
    answer = passkey_answer(client, device)
    url = "/login/passkey" + (f"?next={next_page}" if next_page else "")
    return post_form(client, url, {"credential": answer}, page="/login")


def passkeys_of(app, user_id: int) -> list[Passkey]:
    with app.app_context():
        return db.session.scalars(sa.select(Passkey).where(Passkey.user_id == user_id)).all()


def last_action(app) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id.desc())).first()


def test_a_supplier_adds_a_passkey_and_signs_in_with_it(app, client, supplier):
    sign_in(client, "sam@example.com")
    other = app.test_client()
    sign_in(other, "sam@example.com")
    device = Authenticator()
    response = add_passkey(client, device, "Work laptop")
    assert response.headers["Location"] == "/account/passkeys"
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "Work laptop" in page and "Not used yet" in page
    assert other.get("/account").headers["Location"].startswith("/login")  # other sessions ended
    assert last_action(app) == "account.passkey_added"
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.subject).order_by(OutboxMessage.id.desc())) == (
            "A passkey was added to your account"
        )
    [passkey] = passkeys_of(app, supplier.id)
    assert passkey.transports == ["internal"] and passkey.sign_count == 0

    fresh = app.test_client()
    response = sign_in_with(fresh, device)
    assert response.headers["Location"] == "/account"
    assert "Your account" in fresh.get("/account").get_data(as_text=True)
    [passkey] = passkeys_of(app, supplier.id)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_a_passkey_is_both_factors_for_staff(app, client, officer):
    sign_in(client, "olive@example.com")
    device = Authenticator()
    add_passkey(client, device, "Phone")
    fresh = app.test_client()
    assert sign_in_with(fresh, device, "/officer/audit").headers["Location"] == "/officer/audit"
    assert fresh.get("/officer/").status_code == 200


def test_a_passkey_without_user_verification_is_refused(app, client, supplier):
    sign_in(client, "sam@example.com")
    add_passkey(client, Authenticator(verifies_user=False))
    assert passkeys_of(app, supplier.id) == []
    device = Authenticator()
    add_passkey(client, device)
    device.verifies_user = False
    response = sign_in_with(app.test_client(), device)
    assert response.status_code == 400 and PROBLEM in response.get_data(as_text=True)


def test_a_challenge_is_answered_once(app, client, supplier):
    sign_in(client, "sam@example.com")
    device = Authenticator()
    add_passkey(client, device)
    fresh = app.test_client()
    answer = passkey_answer(fresh, device)
    assert post_form(fresh, "/login/passkey", {"credential": answer}, page="/login").status_code == 302
    replayed = app.test_client()
    replayed.get("/login")
    response = post_form(replayed, "/login/passkey", {"credential": answer}, page="/login")
    assert response.status_code == 400
    assert "took too long" in response.get_data(as_text=True)


def test_an_answer_for_another_site_is_refused(app, client, supplier):
    sign_in(client, "sam@example.com")
    device = Authenticator()
    add_passkey(client, device)
    device.origin = "https://portal.test.evil.example"
    response = sign_in_with(app.test_client(), device)
    assert response.status_code == 400 and PROBLEM in response.get_data(as_text=True)


def test_an_unknown_or_disabled_accounts_passkey_signs_nobody_in(app, client, supplier):
    assert sign_in_with(app.test_client(), Authenticator()).status_code == 400
    sign_in(client, "sam@example.com")
    device = Authenticator()
    add_passkey(client, device)
    with app.app_context():
        db.session.get(User, supplier.id).is_disabled = True
        db.session.commit()
    assert sign_in_with(app.test_client(), device).status_code == 400


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_answers_never_cause_a_server_error(app, client, supplier, kind):
    client.post("/login/passkey/options", headers={"X-CSRFToken": session_csrf_token(client)})
    response = post_form(client, "/login/passkey", {"credential": HOSTILE_VALUES[kind]}, page="/login")
    assert response.status_code == 400
    sign_in(client, "sam@example.com")
    post_form(client, "/account/passkeys", {"name": "Laptop", "password": PASSWORD})
    response = post_form(client, "/account/passkeys/create", {"credential": HOSTILE_VALUES[kind]})
    assert response.status_code == 302 and passkeys_of(app, supplier.id) == []


def test_naming_a_passkey_needs_a_name_and_the_password(app, client, supplier):
    sign_in(client, "sam@example.com")
    page = post_form(client, "/account/passkeys", {"name": "", "password": PASSWORD}).get_data(as_text=True)
    assert "govuk-error-summary" in page and page.count("Enter a name for this passkey") == 2
    page = post_form(client, "/account/passkeys", {"name": "Laptop", "password": "wrong"}).get_data(
        as_text=True
    )
    assert "Your password is not correct" in page and 'value="Laptop"' in page
    assert client.get("/account/passkeys/create").headers["Location"] == "/account/passkeys"


def test_a_supplier_removes_a_passkey_and_it_signs_nobody_in(app, client, supplier):
    sign_in(client, "sam@example.com")
    device = Authenticator()
    add_passkey(client, device, "Old phone")
    [passkey] = passkeys_of(app, supplier.id)
    response = post_form(client, f"/account/passkeys/{passkey.id}/remove", {}, page="/account/passkeys")
    assert response.headers["Location"] == "/account/passkeys"
    assert passkeys_of(app, supplier.id) == []
    assert last_action(app) == "account.passkey_removed"
    assert sign_in_with(app.test_client(), device).status_code == 400


def test_nobody_removes_another_accounts_passkey(app, client, supplier, officer):
    sign_in(client, "sam@example.com")
    add_passkey(client, Authenticator())
    [passkey] = passkeys_of(app, supplier.id)
    other = app.test_client()
    sign_in(other, "olive@example.com")
    response = post_form(other, f"/account/passkeys/{passkey.id}/remove", {}, page="/account/passkeys")
    assert response.status_code == 404
    assert len(passkeys_of(app, supplier.id)) == 1


def test_the_passkey_pages_need_sign_in_and_csrf(app, client, supplier):
    for url in ("/account/passkeys", "/account/passkeys/create"):
        assert client.get(url).headers["Location"].startswith("/login")
    assert client.post("/login/passkey/options").status_code == 400  # no CSRF token
    sign_in(client, "sam@example.com")
    assert client.post("/account/passkeys", data={"name": "x", "password": PASSWORD}).status_code == 400


def test_a_reset_by_staff_removes_passkeys_too(app, client, runner, supplier):
    sign_in(client, "sam@example.com")
    device = Authenticator()
    add_passkey(client, device)
    assert runner.invoke(args=["users", "reset-factors", "sam@example.com"]).exit_code == 0
    assert passkeys_of(app, supplier.id) == []
    assert sign_in_with(app.test_client(), device).status_code == 400


def test_refused_passkey_sign_ins_are_limited_per_client_address(client):
    token = session_csrf_token(client)
    for _ in range(50):  # no challenge was asked for: each is refused
        assert (
            client.post("/login/passkey", data={"csrf_token": token, "credential": "{}"}).status_code == 400
        )
    assert client.post("/login/passkey", data={"csrf_token": token, "credential": "{}"}).status_code == 429
