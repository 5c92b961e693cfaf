"""Second factors: staff sign in with an authenticator app's code (adding one first if they have
none), suppliers may; a code is accepted once; recovery codes stand in for a lost app; every
change is emailed and audited and ends the account's other sessions."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from portal.accounts import factors
from portal.accounts.models import RecoveryCode, User
from portal.accounts.sessions import PENDING
from portal.audit import AuditRecord
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from tests.conftest import post_form, session_csrf_token
from tests.factories import APP_SECRET, PASSWORD, app_code, make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES
from tests.test_security import example_arguments

CODE, RECOVERY, ADD_AT_SIGN_IN = "/login/code", "/login/recovery-code", "/login/add-authenticator-app"
SECRET_TEXT = re.compile(r'<code class="portal-secret">([A-Z2-7 ]+)</code>')
RECOVERY_CODE = re.compile(r"<li><code>([a-z2-9-]{19})</code></li>")


@pytest.fixture
def officer(app, transaction):
    with app.app_context():
        return make_staff("olive@example.com")


@pytest.fixture
def newcomer(app, transaction):
    """An officer with no authenticator app yet."""
    with app.app_context():
        return make_staff("nia@example.com", with_app=False)


@pytest.fixture
def supplier(app, transaction):
    with app.app_context():
        return make_supplier("sam@example.com")


def password_step(client, email: str):
    return post_form(client, "/login", {"email": email, "password": PASSWORD})


def actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditRecord.action)
                .where(AuditRecord.record_id == str(user_id))
                .order_by(AuditRecord.id)
            )
        )


def subjects(app, address: str) -> list[str]:
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        return [m.subject for m in messages if any(address in recipient for recipient in m.recipients)]


def officer_urls(app) -> list[str]:
    adapter = app.url_map.bind("portal.test")
    return [
        adapter.build(rule.endpoint, example_arguments(rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/officer") and "GET" in rule.methods
    ]


# --- rules ------------------------------------------------------------------------------------


def test_a_code_of_this_step_or_a_neighbour_is_accepted_and_no_other():
    totp = pyotp.TOTP(APP_SECRET)
    now = int(time.time()) // 30
    for step in (now - 1, now, now + 1):
        assert factors.code_matches(APP_SECRET, totp.generate_otp(step)) == step
    assert factors.code_matches(APP_SECRET, totp.generate_otp(now - 3)) is None
    assert factors.code_matches(APP_SECRET, totp.generate_otp(now), after_step=now) is None
    assert factors.code_matches(APP_SECRET, " ".join(totp.generate_otp(now))) == now  # spaces ignored
    for typed in ("", "12345", "1234567", "abcdef", "１２３４５６"):
        assert factors.code_matches(APP_SECRET, typed) is None


def test_the_qr_code_is_svg_with_a_title_and_no_inline_style(app, officer):
    with app.test_request_context():
        svg = str(factors.qr_code(factors.new_secret(), db.session.get(User, officer.id)))
    assert svg.startswith('<svg role="img"') and "<title>QR code for Cheshire Supplier Portal</title>" in svg
    assert "style" not in svg and "<script" not in svg


def test_a_secret_is_new_each_time_and_shown_in_groups_of_four():
    secret = factors.new_secret()
    assert len(secret) == 32 and secret != factors.new_secret()
    assert factors.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


# --- staff sign in with their app -------------------------------------------------------------


def test_an_officer_gives_the_apps_code_after_the_password(app, client, officer):
    response = password_step(client, "olive@example.com")
    assert response.headers["Location"] == CODE
    page = client.get(CODE).get_data(as_text=True)
    assert "Enter the code from your authenticator app" in page and 'autocomplete="one-time-code"' in page
    response = post_form(client, CODE, {"code": app_code(app, "olive@example.com")})
    assert response.headers["Location"] == "/officer/"
    assert client.get("/officer/").status_code == 200


def test_no_officer_page_answers_before_the_second_factor(app, client, officer, newcomer):
    for email in ("olive@example.com", "nia@example.com"):
        password_step(client, email)
        for url in officer_urls(app):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login"), url
        assert client.get("/account").headers["Location"].startswith("/login")


def test_a_staff_session_that_passed_no_second_factor_is_ended(app, client, officer):
    with client.session_transaction() as session:
        session["_user_id"] = f"{officer.id}:1"
        session["_fresh"] = True
        session["signed_in_at"] = session["seen_at"] = int(time.time())
    response = client.get("/officer/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_code_is_accepted_once(app, client, officer):
    code = app_code(app, "olive@example.com")
    password_step(client, "olive@example.com")
    assert post_form(client, CODE, {"code": code}).status_code == 302
    other = app.test_client()
    password_step(other, "olive@example.com")
    response = post_form(other, CODE, {"code": code})
    assert response.status_code == 200
    assert "Enter the code your authenticator app shows now" in response.get_data(as_text=True)


def test_a_wrong_code_is_explained_at_the_field_and_in_the_summary(client, officer):
    password_step(client, "olive@example.com")
    html = post_form(client, CODE, {"code": "000000"}).get_data(as_text=True)
    assert (
        "govuk-error-summary" in html and html.count("Enter the code your authenticator app shows now") == 2
    )
    html = post_form(client, CODE, {"code": ""}).get_data(as_text=True)
    assert html.count("Enter the 6-digit code") == 2


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
@pytest.mark.parametrize("url", [CODE, RECOVERY])
def test_hostile_codes_never_cause_a_server_error(client, officer, url, kind):
    password_step(client, "olive@example.com")
    assert post_form(client, url, {"code": HOSTILE_VALUES[kind]}).status_code in {200, 400}


def test_code_attempts_are_limited_per_account_from_any_client(app, client, officer):
    password_step(client, "olive@example.com")
    for _ in range(10):
        assert post_form(client, CODE, {"code": "000000"}).status_code == 200
    other = app.test_client()
    password_step(other, "olive@example.com")
    assert post_form(other, CODE, {"code": app_code(app, "olive@example.com")}).status_code == 429


def test_the_code_pages_send_a_visitor_with_no_sign_in_under_way_to_sign_in(client, officer):
    for url in (CODE, RECOVERY, ADD_AT_SIGN_IN):
        assert client.get(url).headers["Location"] == "/login"


def test_a_sign_in_under_way_ends_when_the_password_changes(app, client, officer):
    password_step(client, "olive@example.com")
    with app.app_context():
        db.session.get(User, officer.id).session_version += 1
        db.session.commit()
    assert client.get(CODE).headers["Location"] == "/login"


def test_a_sign_in_under_way_lapses(client, officer):
    password_step(client, "olive@example.com")
    with client.session_transaction() as session:
        session[PENDING] = {**session[PENDING], "at": int(time.time()) - 601}
    assert client.get(CODE).headers["Location"] == "/login"


# --- staff without an app add one first ------------------------------------------------------


def add_app_at_sign_in(client, email: str) -> str:
    """Sign in as `email`, who has no app, and add one: the recovery codes page."""
    password_step(client, email)
    page = client.get(ADD_AT_SIGN_IN).get_data(as_text=True)
    secret = SECRET_TEXT.search(page).group(1).replace(" ", "")
    response = post_form(client, ADD_AT_SIGN_IN, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_an_officer_without_an_app_adds_one_before_anything_else(app, client, newcomer):
    response = password_step(client, "nia@example.com")
    assert response.headers["Location"] == ADD_AT_SIGN_IN
    page = client.get(ADD_AT_SIGN_IN).get_data(as_text=True)
    assert '<svg role="img"' in page and SECRET_TEXT.search(page)
    html = post_form(client, ADD_AT_SIGN_IN, {"code": "123456"}).get_data(as_text=True)
    assert "govuk-error-summary" in html and SECRET_TEXT.search(html).group(1) == SECRET_TEXT.search(
        page
    ).group(1)
    with app.app_context():
        assert db.session.get(User, newcomer.id).totp_secret is None  # nothing half-written
    codes = RECOVERY_CODE.findall(add_app_at_sign_in(client, "nia@example.com"))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/officer/").status_code == 200
    with app.app_context():
        user = db.session.get(User, newcomer.id)
        assert user.totp_secret and user.totp_added_at
        stored = db.session.scalars(
            sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
        assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
        assert not any(code.replace("-", "") in h for code in codes for h in stored)
    assert actions(app, newcomer.id)[-1] == "account.totp_added"
    assert "An authenticator app was added to your account" in subjects(app, "nia@example.com")


def test_the_recovery_codes_are_shown_once(app, client, newcomer):
    page = add_app_at_sign_in(client, "nia@example.com")
    codes = RECOVERY_CODE.findall(page)
    for url in ("/account/two-factor", "/account", "/officer/"):
        assert not any(code in client.get(url).get_data(as_text=True) for code in codes)


# --- recovery codes ---------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(app, client, newcomer):
    codes = RECOVERY_CODE.findall(add_app_at_sign_in(client, "nia@example.com"))
    post_form(client, "/logout", {}, page="/account")
    password_step(client, "nia@example.com")
    response = post_form(client, RECOVERY, {"code": codes[3].upper().replace("-", " ")})
    assert response.headers["Location"] == "/account/two-factor"
    assert "You have 9 left" in client.get("/account/two-factor").get_data(as_text=True)
    assert actions(app, newcomer.id)[-1] == "account.recovery_code_used"
    assert "A recovery code was used to sign in" in subjects(app, "nia@example.com")
    post_form(client, "/logout", {}, page="/account")
    password_step(client, "nia@example.com")
    html = post_form(client, RECOVERY, {"code": codes[3]}).get_data(as_text=True)
    assert "Enter one of your recovery codes that has not been used" in html


def test_another_accounts_recovery_code_does_not_work(app, client, newcomer, officer):
    codes = RECOVERY_CODE.findall(add_app_at_sign_in(client, "nia@example.com"))
    other = app.test_client()
    password_step(other, "olive@example.com")
    assert post_form(other, RECOVERY, {"code": codes[0]}).status_code == 200


def test_new_recovery_codes_replace_the_old(app, client, newcomer):
    old = RECOVERY_CODE.findall(add_app_at_sign_in(client, "nia@example.com"))
    wrong = post_form(client, "/account/two-factor/recovery-codes", {"password": "not my password"})
    assert "Your password is not correct" in wrong.get_data(as_text=True)
    page = post_form(client, "/account/two-factor/recovery-codes", {"password": PASSWORD}).get_data(
        as_text=True
    )
    new = RECOVERY_CODE.findall(page)
    assert len(new) == 10 and not set(new) & set(old)
    assert actions(app, newcomer.id)[-1] == "account.recovery_codes_renewed"
    post_form(client, "/logout", {}, page="/account")
    password_step(client, "nia@example.com")
    assert post_form(client, RECOVERY, {"code": old[0]}).status_code == 200
    assert post_form(client, RECOVERY, {"code": new[0]}).status_code == 302


# --- suppliers may add an app ------------------------------------------------------------------


def add_app_from_account(client) -> list[str]:
    page = client.get("/account/two-factor/app").get_data(as_text=True)
    secret = SECRET_TEXT.search(page).group(1).replace(" ", "")
    response = post_form(
        client, "/account/two-factor/app", {"password": PASSWORD, "code": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 200
    return RECOVERY_CODE.findall(response.get_data(as_text=True))


def test_a_supplier_signs_in_with_a_password_alone_until_they_add_an_app(app, client, supplier):
    assert password_step(client, "sam@example.com").headers["Location"] == "/account"
    assert "Password alone" in client.get("/account").get_data(as_text=True)
    assert len(add_app_from_account(client)) == 10
    assert client.get("/account").status_code == 200  # this session goes on
    post_form(client, "/logout", {}, page="/account")
    assert password_step(client, "sam@example.com").headers["Location"] == CODE


def test_adding_an_app_ends_the_accounts_other_sessions(app, client, supplier):
    sign_in(client, "sam@example.com")
    other = app.test_client()
    sign_in(other, "sam@example.com")
    add_app_from_account(client)
    assert other.get("/account").headers["Location"].startswith("/login")


def test_adding_an_app_needs_the_password_and_a_right_code(app, client, supplier):
    sign_in(client, "sam@example.com")
    html = post_form(client, "/account/two-factor/app", {"password": "wrong", "code": "123456"}).get_data(
        as_text=True
    )
    assert "Your password is not correct" in html
    html = post_form(client, "/account/two-factor/app", {"password": PASSWORD, "code": "123456"}).get_data(
        as_text=True
    )
    assert "Enter the code your authenticator app shows now" in html
    with app.app_context():
        assert db.session.get(User, supplier.id).totp_secret is None


def test_a_supplier_removes_their_app_with_their_password(app, client, supplier):
    sign_in(client, "sam@example.com")
    add_app_from_account(client)
    assert "Your password is not correct" in post_form(
        client, "/account/two-factor/remove", {"password": "wrong"}
    ).get_data(as_text=True)
    response = post_form(client, "/account/two-factor/remove", {"password": PASSWORD})
    assert response.headers["Location"] == "/account/two-factor"
    with app.app_context():
        user = db.session.get(User, supplier.id)
        assert user.totp_secret is None and not user.recovery_codes
    assert actions(app, supplier.id)[-1] == "account.totp_removed"
    assert "Your authenticator app was removed" in subjects(app, "sam@example.com")
    post_form(client, "/logout", {}, page="/account")
    assert password_step(client, "sam@example.com").headers["Location"] == "/account"


def test_staff_cannot_remove_their_app(client, officer):
    sign_in(client, "olive@example.com")
    assert client.get("/account/two-factor/remove").status_code == 403
    token = session_csrf_token(client)
    assert (
        client.post(
            "/account/two-factor/remove", data={"csrf_token": token, "password": PASSWORD}
        ).status_code
        == 403
    )
    assert "Remove your authenticator app" not in client.get("/account/two-factor").get_data(as_text=True)


def test_staff_replace_their_app_and_the_old_one_stops_working(app, client, officer):
    sign_in(client, "olive@example.com")
    add_app_from_account(client)
    assert actions(app, officer.id)[-1] == "account.totp_replaced"
    assert "Your authenticator app was changed" in subjects(app, "olive@example.com")
    post_form(client, "/logout", {}, page="/account")
    password_step(client, "olive@example.com")
    assert post_form(client, CODE, {"code": pyotp.TOTP(APP_SECRET).now()}).status_code == 200


def test_the_factor_pages_need_sign_in_and_csrf(app, client, supplier):
    for url in ("/account/two-factor", "/account/two-factor/app", "/account/two-factor/recovery-codes"):
        assert client.get(url).headers["Location"].startswith("/login")
    sign_in(client, "sam@example.com")
    assert client.post("/account/two-factor/app", data={"password": PASSWORD, "code": "1"}).status_code == 400


# --- resets -----------------------------------------------------------------------------------


def test_the_command_line_resets_a_lost_app(app, runner, officer):
    result = runner.invoke(args=["users", "reset-factors", "olive@example.com"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(User, officer.id).totp_secret is None
        record = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id.desc())).first()
        assert (record.action, record.actor_kind) == ("account.factors_reset", "cli")
    assert "Your authenticator app was reset" in subjects(app, "olive@example.com")
    assert runner.invoke(args=["users", "reset-factors", "nobody@example.com"]).exit_code != 0


def test_after_a_reset_staff_add_an_app_at_their_next_sign_in(app, client, runner, officer):
    runner.invoke(args=["users", "reset-factors", "olive@example.com"])
    assert password_step(client, "olive@example.com").headers["Location"] == ADD_AT_SIGN_IN


def reset_url(user) -> str:
    return f"/officer/users/{user.id}/reset-authenticator"


def test_an_officer_resets_a_suppliers_app_after_checking_who_asks(app, client, officer, supplier):
    supplier_client = app.test_client()
    sign_in(supplier_client, "sam@example.com")
    add_app_from_account(supplier_client)
    sign_in(client, "olive@example.com")
    html = post_form(client, reset_url(supplier), {"check": ""}).get_data(as_text=True)
    assert "govuk-error-summary" in html and html.count("Say how you confirmed") == 2
    with app.app_context():
        assert db.session.get(User, supplier.id).totp_secret is not None  # nothing done
    check = "Called back on the number in our supplier file"
    response = post_form(client, reset_url(supplier), {"check": check})
    assert response.headers["Location"] == "/officer/"
    with app.app_context():
        assert db.session.get(User, supplier.id).totp_secret is None
        record = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id.desc())).first()
        assert (record.action, record.actor_id, record.details["check"]) == (
            "account.factors_reset",
            officer.id,
            check,
        )
    assert "Your authenticator app was reset" in subjects(app, "sam@example.com")
    assert supplier_client.get("/account").headers["Location"].startswith("/login")  # signed out


def test_only_an_admin_resets_staff_and_nobody_their_own(app, client, officer):
    with app.app_context():
        admin = make_staff("ada@example.com", admin=True)
        colleague = make_staff("cal@example.com")
    sign_in(client, "olive@example.com")
    assert client.get(reset_url(colleague)).status_code == 403
    assert client.get(reset_url(officer)).status_code == 403
    assert client.get("/officer/users/999999/reset-authenticator").status_code == 404
    admin_client = app.test_client()
    sign_in(admin_client, "ada@example.com")
    assert admin_client.get(reset_url(admin)).status_code == 403
    assert post_form(admin_client, reset_url(colleague), {"check": "Met in person"}).status_code == 302
    assert password_step(app.test_client(), "cal@example.com").headers["Location"] == ADD_AT_SIGN_IN


def test_a_supplier_cannot_reset_anyones_app(app, client, supplier, officer):
    sign_in(client, "sam@example.com")
    assert client.get(reset_url(officer)).status_code == 403
    assert client.get(reset_url(supplier)).status_code == 403


def test_an_account_without_an_app_has_nothing_to_reset(app, client, officer, supplier):
    sign_in(client, "olive@example.com")
    assert client.get(reset_url(supplier)).headers["Location"] == "/officer/"
