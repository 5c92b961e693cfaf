import re
import time

import pytest
import sqlalchemy as sa

from portal import tokens
from portal.accounts.models import Role, User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_until_idle
from tests.conftest import count_queries, post_form, session_csrf_token
from tests.factories import PASSWORD, make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

INVITE = {"name": "Nia Newofficer", "email": "nia@example.com"}
NEW_PASSWORD = "orbit lantern kettle canal"


@pytest.fixture
def admin(app, client):
    with app.app_context():
        user = make_staff("head@example.com", admin=True, name="Hana Head")
    sign_in(client, user.email)
    return user


def invitation_link(app, smtp_server, address="nia@example.com") -> str:
    with app.app_context():
        run_until_idle()
    body = smtp_server.to(address)[-1].get_body(("plain",)).get_content()
    return re.search(r"http://portal\.test(/invitation/\S+)", body).group(1)


def test_admin_invites_an_officer_who_sets_a_password_and_signs_in(app, client, admin, smtp_server):
    response = post_form(client, "/officer/users/invite", INVITE)
    assert response.headers["Location"] == "/officer/users"
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == "nia@example.com"))
        assert officer.role == Role.OFFICER
        assert officer.organisation_id is None
        assert officer.password_hash is None
        message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.cause_id == str(officer.id)))
        assert message.has_secret
        action = db.session.scalar(
            sa.select(AuditRecord.action).where(AuditRecord.record_id == str(officer.id))
        )
        assert action == "account.staff_created"
    link = invitation_link(app, smtp_server)
    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "invited to the Supplier Portal as an officer" in page
    assert post_form(newcomer, link, {"password": NEW_PASSWORD}).headers["Location"] == "/login"
    # Staff add an authenticator app before anything else (tests/accounts/test_two_factor.py).
    assert (
        sign_in(newcomer, "nia@example.com", NEW_PASSWORD).headers["Location"]
        == "/login/add-authenticator-app"
    )
    assert newcomer.get(link).status_code == 400  # used once


def test_an_admin_can_invite_another_admin(app, client, admin):
    post_form(client, "/officer/users/invite", {**INVITE, "is_admin": "y"})
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.email == "nia@example.com")) == Role.ADMIN


def test_an_expired_or_tampered_invitation_is_refused(app, client, admin, monkeypatch):
    post_form(client, "/officer/users/invite", INVITE)
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() - 72 * 3600 - 5)
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == "nia@example.com"))
        token = tokens.make_token(
            tokens.INVITATION, {"user": officer.id, "pw": tokens.password_fingerprint(None)}
        )
    monkeypatch.undo()
    expired = client.get(f"/invitation/{token}")
    assert expired.status_code == 400
    assert "This link has expired" in expired.get_data(as_text=True)
    assert client.get(f"/invitation/{token[:-4]}abcd").status_code == 400
    with app.app_context():
        reset = tokens.make_token(
            tokens.RESET_PASSWORD, {"user": officer.id, "pw": tokens.password_fingerprint(None)}
        )
    assert client.get(f"/invitation/{reset}").status_code == 400  # another purpose's token


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the officer"),
        ("email", "", "Enter the officer&#39;s work email address"),
        ("email", "nia@", "Enter an email address in the correct format"),
        ("email", "head@example.com", "This email address already has an account"),
    ],
)
def test_an_invalid_invitation_is_explained_and_the_rest_kept(app, client, admin, field, value, message):
    response = post_form(client, "/officer/users/invite", {**INVITE, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count(message) >= 2
    other = "email" if field == "name" else "name"
    assert f'value="{INVITE[other]}"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_invitations_never_cause_a_server_error(app, client, admin, kind):
    for field in ("name", "email"):
        response = post_form(client, "/officer/users/invite", {**INVITE, field: HOSTILE_VALUES[kind]})
        assert response.status_code in {200, 302}
    with app.app_context():
        names = db.session.scalars(sa.select(User.name)).all()
        assert all("\x00" not in name and "\n" not in name for name in names)


def test_disabling_an_account_ends_its_live_session_and_is_audited(app, client, admin):
    with app.app_context():
        supplier = make_supplier("sam@example.com")
    theirs = app.test_client()
    sign_in(theirs, "sam@example.com")
    response = post_form(client, f"/officer/users/{supplier.id}/disable", {}, page="/officer/users")
    assert response.status_code == 302
    assert theirs.get("/account").status_code == 302  # signed out at their next request
    assert post_form(theirs, "/login", {"email": "sam@example.com", "password": PASSWORD}).status_code == 200
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "account.disabled"))
        assert (entry.record_id, entry.actor_id) == (str(supplier.id), admin.id)
    post_form(client, f"/officer/users/{supplier.id}/enable", {}, page="/officer/users")
    sign_in(theirs, "sam@example.com")


def test_an_admin_cannot_disable_themselves(app, client, admin):
    response = post_form(client, f"/officer/users/{admin.id}/disable", {}, page="/officer/users")
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(User, admin.id).is_disabled


def test_disabling_without_a_csrf_token_is_refused(app, client, admin):
    with app.app_context():
        supplier = make_supplier()
    assert client.post(f"/officer/users/{supplier.id}/disable").status_code == 400
    with app.app_context():
        assert not db.session.get(User, supplier.id).is_disabled


def test_disabling_an_unknown_account_is_not_found(client, admin):
    token = session_csrf_token(client)
    assert client.post("/officer/users/999999/disable", data={"csrf_token": token}).status_code == 404


def test_a_supplier_and_an_officer_cannot_disable_anyone(app, transaction):
    with app.app_context():
        target = make_supplier("target@example.com")
        supplier = make_supplier()
        officer = make_staff()
    for person in (supplier, officer):
        client = app.test_client()
        sign_in(client, person.email)
        token = session_csrf_token(client)
        assert (
            client.post(f"/officer/users/{target.id}/disable", data={"csrf_token": token}).status_code == 403
        )
    with app.app_context():
        assert not db.session.get(User, target.id).is_disabled


def test_accounts_are_filtered_by_name_role_and_status(app, client, admin):
    with app.app_context():
        make_supplier("alpha@example.com", name="Alpha Person")
        make_supplier("beta@example.com", name="Beta Person", verified=False)
        make_supplier("gamma@example.com", name="Gamma Person", disabled=True)

    def listed(query: str) -> set[str]:
        html = client.get(f"/officer/users?{query}").get_data(as_text=True)
        return set(re.findall(r"(\w+)@example\.com", html)) - {"head"}

    assert listed("q=alpha") == {"alpha"}
    assert listed("q=PERSON") == {"alpha", "beta", "gamma"}
    assert listed("status=unverified") == {"beta"}
    assert listed("status=disabled") == {"gamma"}
    assert listed("role=supplier&status=active") == {"alpha"}
    assert listed("q=%25") == set()  # a literal percent sign matches no one


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_filters_never_cause_a_server_error(client, admin, kind):
    from urllib.parse import quote

    response = client.get(f"/officer/users?q={quote(HOSTILE_VALUES[kind])}&role=x&status=%00")
    assert response.status_code == 200


def test_the_accounts_list_is_paginated_newest_first(app, client, admin):
    with app.app_context():
        for n in range(30):
            make_supplier(f"s{n:02d}@example.com")
    first = client.get("/officer/users").get_data(as_text=True)
    assert "s29@example.com" in first
    assert "s05@example.com" in first  # the 25th newest
    assert "s04@example.com" not in first
    older = re.search(r'href="(/officer/users\?before=\d+)"', first).group(1)
    second = client.get(older).get_data(as_text=True)
    assert "s04@example.com" in second
    assert "head@example.com" in second
    newer = re.search(r'href="(/officer/users\?after=\d+)"', second.replace("&amp;", "&")).group(1)
    assert "s29@example.com" in client.get(newer).get_data(as_text=True)


@pytest.mark.parametrize("rows", [1, 100])
def test_the_accounts_list_runs_the_same_queries_whatever_the_rows(app, client, admin, rows):
    with app.app_context():
        for n in range(rows):
            make_supplier(f"many{n}@example.com")
    with count_queries(app) as statements:
        assert client.get("/officer/users").status_code == 200
    assert len(statements) <= 3, statements
