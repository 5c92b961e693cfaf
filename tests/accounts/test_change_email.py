"""A signed-in person changes their email address: a link goes to the new address, and only
following it, signed in as the account, makes the change; the old address is told, the change is
audited and every other session of the account ends."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from portal import tokens
from portal.accounts import services
from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_until_idle
from tests.conftest import post_form
from tests.factories import PASSWORD, make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

FORM, SENT = "/account/email", "/account/email/sent"
NEW = "sam.new@example.com"
CONFIRM_LINK = re.compile(r"http://portal\.test(/account/email/confirm/[^\s\"<]+)")


@pytest.fixture
def supplier(app, transaction):
    with app.app_context():
        return make_supplier("sam@example.com")


@pytest.fixture
def signed_in(client, supplier):
    sign_in(client, "sam@example.com")
    return client


def ask(client, email: str, password: str = PASSWORD):
    return post_form(client, FORM, {"email": email, "password": password})


def messages(app, address: str) -> list[OutboxMessage]:
    """The outbox's messages to `address`, oldest first."""
    with app.app_context():
        found = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [m for m in found if any(address in recipient for recipient in m.recipients)]


def change_link(app, address: str = NEW) -> str:
    """The path of the newest change link the outbox holds for `address`."""
    bodies = [m.body_text for m in messages(app, address) if m.template == "accounts/change_email"]
    assert bodies, f"no change link was written to {address}"
    return CONFIRM_LINK.search(bodies[-1]).group(1)


def email_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def audit_actions(app, user_id: int) -> list[AuditRecord]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.record_id == str(user_id)).order_by(AuditRecord.id)
        ).all()


def same_but_secrets(page: str, address: str) -> str:
    """The page less its nonces and CSRF token, with `address` written X."""
    return re.sub(r'(value|nonce)="[^"]{20,}"', "", page).replace(address, "X")


def made_long_ago(monkeypatch, seconds: int) -> None:
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() - seconds)


def token_for(app, user_id: int, to: str = NEW) -> str:
    with app.app_context():
        user = db.session.get(User, user_id)
        return tokens.make_token(
            tokens.CHANGE_EMAIL, {"user": user.id, "from": tokens.address_fingerprint(user.email), "to": to}
        )


# --- the journey ------------------------------------------------------------------------------


def test_a_supplier_changes_their_address_by_the_link_sent_to_it(app, signed_in, supplier, smtp_server):
    other = app.test_client()
    sign_in(other, "sam@example.com")
    page = signed_in.get(FORM).get_data(as_text=True)
    assert (
        "sam@example.com" in page
        and 'autocomplete="email"' in page
        and 'autocomplete="current-password"' in page
    )

    response = ask(signed_in, "Sam.New@Example.com")
    assert response.headers["Location"] == SENT
    sent = signed_in.get(SENT).get_data(as_text=True)
    assert "Check your email" in sent and NEW in sent and "24 hours" in sent
    assert email_of(app, supplier.id) == "sam@example.com"  # nothing changes yet
    [link_message] = messages(app, NEW)
    assert (link_message.subject, link_message.has_secret) == ("Confirm your new email address", True)
    assert link_message.secret_expires_at is not None
    link = change_link(app)
    with app.app_context():
        payload = tokens.read_token(tokens.CHANGE_EMAIL, link.rsplit("/", 1)[1])
    assert "sam@example.com" not in str(payload)  # a mistyped new address learns nothing of the old

    confirm = signed_in.get(link)
    assert confirm.status_code == 200
    body = confirm.get_data(as_text=True)
    assert "Change email address</button>" in body and NEW in body
    assert email_of(app, supplier.id) == "sam@example.com"  # a GET changes nothing

    response = post_form(signed_in, link, {})
    assert response.headers["Location"] == "/account"
    assert f"Your email address is now {NEW}" in signed_in.get("/account").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, supplier.id)
        assert user.email == NEW and user.is_verified
    record = audit_actions(app, supplier.id)[-1]
    assert (record.action, record.actor_id) == ("account.email_changed", supplier.id)
    assert record.details == {"old_email": "sam@example.com", "new_email": NEW}

    [notice] = messages(app, "sam@example.com")
    assert notice.subject == "Your email address has been changed" and not notice.has_secret
    assert "sa***@example.com" in notice.body_text and NEW not in notice.body_text
    assert "http://portal.test/feedback" in notice.body_text and 'href="http://portal.test/feedback"' in (
        notice.body_html
    )
    assert app.config["PROCUREMENT_INBOX"] in notice.body_text

    assert other.get("/account").headers["Location"].startswith("/login")  # every other session ended
    assert signed_in.get("/account").status_code == 200  # this one goes on

    fresh = app.test_client()
    refused = post_form(fresh, "/login", {"email": "sam@example.com", "password": PASSWORD})
    assert "Enter a correct email address and password" in refused.get_data(as_text=True)
    sign_in(fresh, NEW)

    with app.app_context():
        run_until_idle()  # both messages leave through the outbox, like every other
    assert smtp_server.to(NEW)[0]["Subject"] == "Confirm your new email address"
    assert smtp_server.to("sam@example.com")[0]["Subject"] == "Your email address has been changed"


def test_staff_change_their_address_and_keep_the_second_factor_this_session_passed(app, client):
    with app.app_context():
        officer = make_staff("olive@example.com")
    sign_in(client, "olive@example.com")
    assert ask(client, "olive.officer@example.com").status_code == 302
    post_form(client, change_link(app, "olive.officer@example.com"), {})
    assert email_of(app, officer.id) == "olive.officer@example.com"
    assert client.get("/officer/").status_code == 200


def test_an_unverified_account_may_change_its_address_which_the_link_confirms(app, client):
    with app.app_context():
        user = make_supplier("typo@exmaple.com", verified=False)
        old_link = "/verify-email/" + tokens.make_token(
            tokens.VERIFY_EMAIL, {"user": user.id, "email": user.email}
        )
    sign_in(client, "typo@exmaple.com")
    assert client.get(FORM).status_code == 200
    assert ask(client, "typo@example.com").headers["Location"] == SENT
    post_form(client, change_link(app, "typo@example.com"), {})
    with app.app_context():
        assert db.session.get(User, user.id).is_verified
    assert client.get(old_link).status_code == 400  # the old address's link died with it


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", PASSWORD, "Enter your new email address"),
        ("not-an-email", PASSWORD, "Enter an email address in the correct format"),
        ("sam@@example.com", PASSWORD, "Enter an email address in the correct format"),
        ("a" * 250 + "@example.com", PASSWORD, "Email address must be 254 characters or fewer"),
        ("SAM@Example.com", PASSWORD, "Enter a new email address, not the one your account has now"),
        (NEW, "", "Enter your password"),
        (NEW, "not my password at all", "Your password is not correct"),
    ],
)
def test_each_refusal_is_explained_and_the_address_kept(app, signed_in, supplier, email, password, message):
    response = ask(signed_in, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "<title>Error: Change your email address" in page
    assert page.count(message) >= 2  # in the summary and at the field
    if email:
        assert f'value="{email}"' in page
    assert outbox_count(app) == 0 and email_of(app, supplier.id) == "sam@example.com"


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_addresses_are_refused_and_shown_escaped(app, signed_in, supplier, kind):
    response = ask(signed_in, HOSTILE_VALUES[kind])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "<script>alert(1)</script>" not in page
    if kind == "script":
        assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert outbox_count(app) == 0 and email_of(app, supplier.id) == "sam@example.com"


def test_an_address_with_an_account_looks_the_same_and_only_its_owner_is_told(app, signed_in, supplier):
    with app.app_context():
        make_supplier("tay@example.com")
    taken = ask(signed_in, "Tay@Example.com")
    assert taken.headers["Location"] == SENT
    taken_page = signed_in.get(SENT).get_data(as_text=True)
    assert ask(signed_in, "free@example.com").headers["Location"] == SENT
    free_page = signed_in.get(SENT).get_data(as_text=True)
    assert same_but_secrets(taken_page, "tay@example.com") == same_but_secrets(free_page, "free@example.com")
    [note] = messages(app, "tay@example.com")
    assert note.template == "accounts/email_change_to_used_address"
    assert "/account/email/confirm/" not in note.body_text + note.body_html and not note.has_secret
    assert email_of(app, supplier.id) == "sam@example.com"


def test_an_address_taken_before_the_link_is_followed_is_refused(app, signed_in, supplier):
    other = app.test_client()
    sign_in(other, "sam@example.com")
    ask(signed_in, NEW)
    link = change_link(app)
    with app.app_context():
        make_supplier(NEW)  # registered meanwhile
    response = post_form(signed_in, link, {})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert (
        "Your email address has not been changed" in page
        and f"Another account now uses <strong>{NEW}" in page
    )
    assert email_of(app, supplier.id) == "sam@example.com"
    assert [m.subject for m in messages(app, "sam@example.com")] == []
    assert other.get("/account").status_code == 200  # nobody signed out


def test_an_address_taken_at_the_same_moment_is_refused_by_the_database(
    app, signed_in, supplier, monkeypatch
):
    ask(signed_in, NEW)
    link = change_link(app)
    with app.app_context():
        make_supplier(NEW)
    monkeypatch.setattr(services, "find_user", lambda _email: None)  # the look-up raced the other account
    assert post_form(signed_in, link, {}).status_code == 409
    assert email_of(app, supplier.id) == "sam@example.com"
    assert signed_in.get("/account").status_code == 200  # the request's transaction carried on


# --- the link ---------------------------------------------------------------------------------


def test_a_link_works_for_24_hours(app, signed_in, supplier, monkeypatch):
    made_long_ago(monkeypatch, 24 * 3600 - 60)
    fresh_enough = token_for(app, supplier.id)
    made_long_ago(monkeypatch, 24 * 3600 + 5)
    expired = token_for(app, supplier.id)
    monkeypatch.undo()
    response = signed_in.get(f"/account/email/confirm/{expired}")
    assert response.status_code == 400 and "This link has expired" in response.get_data(as_text=True)
    assert signed_in.get(f"/account/email/confirm/{fresh_enough}").status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: t.replace(".", "-"), lambda t: "A" * 5000],
)
def test_a_tampered_link_is_refused(app, signed_in, supplier, mangle):
    token = mangle(token_for(app, supplier.id))
    for response in (
        signed_in.get(f"/account/email/confirm/{token}"),
        post_form(signed_in, f"/account/email/confirm/{token}", {}, page=FORM),
    ):
        assert response.status_code == 400
        assert "This link does not work" in response.get_data(as_text=True)
    assert email_of(app, supplier.id) == "sam@example.com"


def test_another_purposes_link_does_not_change_an_address(app, signed_in, supplier):
    with app.app_context():
        token = tokens.make_token(
            tokens.VERIFY_EMAIL,
            {"user": supplier.id, "from": tokens.address_fingerprint("sam@example.com"), "to": NEW},
        )
    assert signed_in.get(f"/account/email/confirm/{token}").status_code == 400


def test_a_link_works_once(app, signed_in, supplier):
    ask(signed_in, NEW)
    link = change_link(app)
    post_form(signed_in, link, {})
    again = signed_in.get(link)
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)
    assert post_form(signed_in, link, {}, page=FORM).status_code == 400
    assert len(audit_actions(app, supplier.id)) == 1


def test_a_change_kills_the_accounts_other_links(app, signed_in, supplier):
    ask(signed_in, NEW)
    ask(signed_in, "sam.other@example.com")
    post_form(signed_in, change_link(app, "sam.other@example.com"), {})
    assert signed_in.get(change_link(app)).status_code == 400
    assert email_of(app, supplier.id) == "sam.other@example.com"


def test_another_account_cannot_follow_the_link(app, signed_in, supplier):
    ask(signed_in, NEW)
    link = change_link(app)
    with app.app_context():
        bea = make_supplier("bea@example.com")
    intruder = app.test_client()
    sign_in(intruder, "bea@example.com")
    for response in (intruder.get(link), post_form(intruder, link, {}, page=FORM)):
        assert response.status_code == 403
        page = response.get_data(as_text=True)
        assert "This link is for another account" in page and NEW not in page
    assert email_of(app, supplier.id) == "sam@example.com"
    assert email_of(app, bea.id) == "bea@example.com"


def test_a_visitor_signs_in_before_following_the_link(app, signed_in, supplier):
    ask(signed_in, NEW)
    link = change_link(app)
    visitor = app.test_client()
    login = visitor.get(link).headers["Location"]
    assert login.startswith("/login?next=")
    landed = post_form(visitor, login, {"email": "sam@example.com", "password": PASSWORD})
    assert landed.headers["Location"] == link
    assert post_form(visitor, link, {}).headers["Location"] == "/account"
    assert email_of(app, supplier.id) == NEW


def test_both_forms_refuse_a_post_without_a_csrf_token(app, signed_in, supplier):
    response = signed_in.post(FORM, data={"email": NEW, "password": PASSWORD})
    assert response.status_code == 400
    assert outbox_count(app) == 0
    ask(signed_in, NEW)
    link = change_link(app)
    assert signed_in.post(link).status_code == 400
    assert email_of(app, supplier.id) == "sam@example.com"


def test_the_page_that_says_a_link_was_sent_needs_one_sent(signed_in):
    assert signed_in.get(SENT).headers["Location"] == FORM


# --- limits -------------------------------------------------------------------------------------


def test_links_are_limited_per_account(app, signed_in, supplier):
    for n in range(5):
        assert ask(signed_in, f"sam{n}@example.com").status_code == 302
    limited = ask(signed_in, "sam5@example.com")
    assert limited.status_code == 429 and "Too many attempts" in limited.get_data(as_text=True)
    assert outbox_count(app) == 5


def test_links_are_limited_per_new_address_from_any_account(app, client):
    with app.app_context():
        for n in range(3):
            make_supplier(f"member{n}@example.com")
    for n in range(3):
        member = app.test_client()
        sign_in(member, f"member{n}@example.com")
        for _ in range(2 if n < 2 else 1):
            assert ask(member, "target@example.com").status_code == 302
    assert ask(member, "target@example.com").status_code == 429
    assert ask(member, "elsewhere@example.com").status_code == 302


def test_refusals_do_not_count_as_links_but_password_guesses_are_limited(app, signed_in, supplier):
    for _ in range(9):
        assert ask(signed_in, "not an address").status_code == 200
    assert ask(signed_in, NEW).status_code == 302  # nine refusals and a link sent
    assert ask(signed_in, NEW, "a wrong password").status_code == 200  # the tenth refusal
    assert ask(signed_in, NEW).status_code == 429  # guesses share one count per account
    assert post_form(signed_in, "/account/password", {}).status_code == 429
