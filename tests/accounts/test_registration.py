import re

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_until_idle
from tests.conftest import csrf_token_from, post_form
from tests.factories import make_supplier
from tests.hostile import HOSTILE_VALUES, NON_UTF8_BODY

VALID = {
    "name": "Ada Supplier",
    "email": "Ada@Example.com",
    "password": "kettle lantern orbit canal",
    "organisation_name": "Ada's Catering CIC",
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_visitor_sees_the_registration_form_with_autocomplete_hints(client):
    html = client.get("/register").get_data(as_text=True)
    assert 'autocomplete="new-password"' in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="organization"' in html
    assert 'name="csrf_token"' in html


def test_visitor_registers_and_gets_a_verification_link_by_email(app, client, smtp_server):
    response = post_form(client, "/register", VALID)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.email == "ada@example.com"  # stored in one case
        assert user.organisation.name == "Ada's Catering CIC"
        assert user.organisation.members == [user]
        assert user.password_hash.startswith("$argon2id$")
        assert not user.is_verified
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.has_secret and message.cause_type == "users"
        assert db.session.scalar(sa.select(AuditRecord.action)) == "account.registered"
        run_until_idle()
    email = smtp_server.to("ada@example.com")[0]
    assert email["Subject"] == "Confirm your email address"
    link = re.search(r"http://portal\.test(/verify-email/\S+)", email.get_body(("plain",)).get_content())
    assert link, "the email carries the verification link"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter your full name"),
        ("email", "", "Enter your email address"),
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("password", "", "Enter a password"),
        ("password", "too short", "12 characters or more"),
        ("password", "password123456", "too easy to guess"),
        ("password", "ada@example.com is me", "must not contain your name or email"),
        ("organisation_name", "", "Enter your organisation"),
        ("name", "x" * 201, "200 characters or fewer"),
    ],
)
def test_each_invalid_field_is_explained_and_the_rest_kept(app, client, field, value, message):
    response = post_form(client, "/register", {**VALID, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert html.count(message) >= 2  # in the summary and at the field
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: " in html
    for other in ("name", "email", "organisation_name"):
        if other != field:
            assert f'value="{VALID[other]}"'.replace("'", "&#39;") in html
    with app.app_context():
        assert count(User) == 0 and count(Organisation) == 0 and count(OutboxMessage) == 0


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
@pytest.mark.parametrize("field", ["name", "email", "organisation_name", "password"])
def test_hostile_input_is_refused_without_a_server_error(app, client, field, kind):
    response = post_form(client, "/register", {**VALID, field: HOSTILE_VALUES[kind]})
    assert response.status_code in {200, 400}
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    with app.app_context():
        users = count(User)
        # Nothing is half-written: either the whole registration or none of it.
        assert users == count(Organisation)
        if users:
            stored = db.session.scalar(sa.select(User))
            assert "\x00" not in stored.name + stored.organisation.name


def test_non_utf8_bytes_are_refused_with_the_bad_request_page(app, client):
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    response = client.post(
        "/register",
        data=NON_UTF8_BODY + f"&csrf_token={token}".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "there is a problem with your request" in response.get_data(as_text=True)
    with app.app_context():
        assert count(User) == 0


@pytest.mark.parametrize("character", ["\u202a", "\u202e", "\u2066", "\u2069"])
@pytest.mark.parametrize("field", ["name", "organisation_name"])
def test_bidirectional_controls_are_refused_like_other_control_characters(app, client, field, character):
    response = post_form(client, "/register", {**VALID, field: f"Ada{character}gnp.exe"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "must not contain special characters" in html
    with app.app_context():
        assert count(User) == 0 and count(Organisation) == 0


def test_right_to_left_text_and_direction_marks_are_kept(app, client):
    name = "\u05e9\u05dc\u05d5\u05dd Trading\u200f Ltd\u200e"  # Hebrew letters, RLM and LRM
    post_form(client, "/register", {**VALID, "organisation_name": name})
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation.name)) == name


def test_registering_without_a_csrf_token_is_refused(app, client):
    response = client.post("/register", data=VALID)
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert count(User) == 0


def test_an_address_already_registered_in_any_case_looks_the_same_and_tells_its_owner(
    app, client, smtp_server
):
    with app.app_context():
        make_supplier("ada@example.com")
    response = post_form(client, "/register", {**VALID, "email": "ADA@EXAMPLE.COM"})
    assert "Check your email" in response.get_data(as_text=True)
    with app.app_context():
        assert count(User) == 1
        assert count(Organisation) == 1
        run_until_idle()
    assert smtp_server.to("ada@example.com")[0]["Subject"] == "You already have a Supplier Portal account"


def test_the_database_refuses_a_second_account_for_one_address(app, transaction):
    with app.app_context():
        make_supplier("same@example.com")
        db.session.add(
            User(
                email="same@example.com",
                name="Twin",
                role="supplier",
                organisation=Organisation(name="Other"),
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_staff_never_belong_to_an_organisation_and_suppliers_always_do(app, transaction):
    with app.app_context():
        db.session.add(
            User(
                email="officer@example.com",
                name="Officer",
                role="officer",
                organisation=Organisation(name="Supplier"),
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(User(email="orphan@example.com", name="Orphan", role="supplier"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_registration_is_limited_per_email_and_per_address(app, client):
    for n in range(5):
        post_form(client, "/register", {**VALID, "name": f"Try {n}"})
    limited = post_form(client, "/register", VALID)
    assert limited.status_code == 429
    assert "Too many attempts" in limited.get_data(as_text=True)
    for n in range(14):  # 5 + 1 refused + 14 = 20 from this address
        post_form(client, "/register", {**VALID, "email": f"other{n}@example.com"})
    assert post_form(client, "/register", {**VALID, "email": "fresh@example.com"}).status_code == 429


def test_a_signed_in_person_is_sent_on_from_registration(app, client):
    from tests.factories import sign_in

    with app.app_context():
        user = make_supplier()
    sign_in(client, user.email)
    assert client.get("/register").headers["Location"] == "/account"
