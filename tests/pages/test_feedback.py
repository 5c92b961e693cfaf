"""Feedback from anyone, emailed through the outbox to FEEDBACK_EMAIL (or the procurement inbox),
with the page it was sent from; bad and hostile input; its limit."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_until_idle
from tests.conftest import post_form
from tests.factories import make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

VALID = {"trying": "Find cleaning contracts in Crewe", "happened": "The search found none", "email": ""}


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == "pages/feedback")
        ).all()


def test_the_phase_banner_links_to_the_feedback_page_from_every_page(client):
    html = client.get("/opportunities").get_data(as_text=True)
    assert 'href="/feedback?from=/opportunities"' in html


def test_a_visitor_sends_feedback_and_it_reaches_the_procurement_inbox(app, client, smtp_server):
    response = post_form(
        client, "/feedback?from=/opportunities", {**VALID, "email": "kit@crewe-clean.example"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/feedback/sent"
    assert "Feedback sent" in client.get("/feedback/sent").get_data(as_text=True)
    with app.app_context():
        run_until_idle()
    (email,) = smtp_server.to(app.config["PROCUREMENT_INBOX"])
    body = email.get_body(("plain",)).get_content()
    assert email["Subject"] == "Supplier Portal feedback"
    assert "Find cleaning contracts in Crewe" in body and "The search found none" in body
    assert "Sent from the page /opportunities." in body
    assert "Not signed in." in body and "reply at kit@crewe-clean.example" in body


def test_feedback_goes_to_feedback_email_where_set_and_names_the_signed_in_account(app, client):
    app.config["FEEDBACK_EMAIL"] = "feedback@example.org"
    try:
        with app.app_context():
            supplier = make_supplier("ann@example.com", name="Ann Supplier")
        sign_in(client, supplier.email)
        post_form(client, "/feedback", VALID)
    finally:
        app.config["FEEDBACK_EMAIL"] = ""
    (message,) = messages(app)
    assert message.recipients == ["feedback@example.org"]
    assert "Signed in as Ann Supplier (ann@example.com)." in message.body_text


@pytest.mark.parametrize(
    ("field", "error"), [("trying", "Say what you were trying to do"), ("happened", "Say what happened")]
)
def test_each_answer_is_needed_and_the_rest_is_kept(app, client, field, error):
    response = post_form(client, "/feedback", {**VALID, field: "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and html.count(error) == 2
    kept = "The search found none" if field == "trying" else "Find cleaning contracts in Crewe"
    assert kept in html
    assert messages(app) == []


def test_a_wrong_email_address_is_explained(app, client):
    html = post_form(client, "/feedback", {**VALID, "email": "not an address"}).get_data(as_text=True)
    assert "Enter an email address in the correct format" in html
    assert messages(app) == []


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_feedback_never_causes_a_server_error(app, client, kind):
    response = post_form(client, "/feedback", {**VALID, "happened": HOSTILE_VALUES[kind]})
    assert response.status_code in {200, 302}
    for message in messages(app):
        assert "<script>" not in (message.body_html or "")


@pytest.mark.parametrize("page", ["//evil.example/x", "https://evil.example/", "/x" * 200])
def test_only_a_path_on_the_portal_is_named_as_where_it_came_from(app, client, page):
    post_form(client, f"/feedback?from={page}", VALID, page="/feedback")
    (message,) = messages(app)
    assert "Sent from the page" not in message.body_text


def test_feedback_is_limited_per_client_address(client):
    for _ in range(5):
        assert post_form(client, "/feedback", VALID).status_code == 302
    assert post_form(client, "/feedback", VALID).status_code == 429


def test_feedback_needs_a_csrf_token(app, client):
    assert client.post("/feedback", data=VALID).status_code == 400
    assert messages(app) == []
