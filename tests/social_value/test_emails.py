"""Every move emails the other side: the supplier's moves go to the procurement inbox, the
officers' to the offer's author. Each is queued in the move's transaction, delivered by the outbox
worker and read back here from a real SMTP server."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from portal.outbox.worker import run_until_idle
from tests.conftest import post_form
from tests.social_value.conftest import (
    answer_every_step,
    matrix_choice,
    offer_of,
    social_value_emails,
    start_offer,
)

INBOX = "procurement@example.org"
MEMBER = "member@example.com"
QUESTION = "Which youth club? <b>Dene Drive</b> & “the other one”, ŵ 🎉"


def supplier_move(client, offer_id: int, name: str, message: str = ""):
    revision = offer_of(client.application, offer_id).revision
    response = post_form(
        client,
        f"/social-value/offers/{offer_id}/{name}",
        {"revision": str(revision), "message": message},
        page=f"/social-value/offers/{offer_id}",
    )
    assert response.status_code == 302
    return response


def officer_move(client, offer_id: int, name: str, message: str = "", *, expect: int = 302):
    revision = offer_of(client.application, offer_id).revision
    response = post_form(
        client,
        f"/officer/offers/{offer_id}/{name}",
        {"revision": str(revision), "message": message},
        page=f"/officer/offers/{offer_id}",
    )
    assert response.status_code == expect  # 200: refused, the form shown again
    return response


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


@pytest.fixture
def complete_draft(app, client, member):
    def make() -> int:
        offer_id = start_offer(client)
        with app.app_context():
            choice = matrix_choice()
        answer_every_step(client, offer_id, choice)
        return offer_id

    return make


def delivered(app, smtp_server) -> list[EmailMessage]:
    with app.app_context():
        run_until_idle()
    return [m for m in smtp_server.messages if "social value offer" in m["Subject"].lower()]


def test_every_move_of_a_review_emails_the_other_side(
    app, client, officer_client, complete_draft, smtp_server
):
    offer_id = complete_draft()
    supplier_move(client, offer_id, "submit")
    officer_move(officer_client, offer_id, "pick_up")
    officer_move(officer_client, offer_id, "ask", QUESTION)
    supplier_move(client, offer_id, "resubmit", "Winsford Youth Club,\nDene Drive.")
    officer_move(officer_client, offer_id, "pick_up")
    officer_move(officer_client, offer_id, "decline", "It repeats last year's offer.")
    messages = delivered(app, smtp_server)
    assert [(m["X-Envelope-To"], m["Subject"]) for m in messages] == [
        (INBOX, "Social value offer submitted: Winsford Widgets"),
        (MEMBER, "Your social value offer: being reviewed"),
        (MEMBER, "Your social value offer: a question from the procurement unit"),
        (INBOX, "Social value offer resubmitted: Winsford Widgets"),
        (MEMBER, "Your social value offer: being reviewed"),
        (MEMBER, "Your social value offer: declined"),
    ]
    submitted, picked_up, asked, resubmitted, _, declined = messages
    officer_link = f"http://portal.test/officer/offers/{offer_id}"
    supplier_link = f"http://portal.test/social-value/offers/{offer_id}"

    assert "Winsford Widgets has submitted a social value offer (Social: Staff time volunteered" in plain(
        submitted
    )
    assert f"Review it: {officer_link}" in plain(submitted)
    assert f'href="{officer_link}"' in html(submitted)

    assert picked_up["To"] == f"Mo Member <{MEMBER}>"
    assert "Dear Winsford Widgets," in plain(picked_up)
    assert "The procurement unit is reviewing your social value offer." in plain(picked_up)
    assert f"See your offer: {supplier_link}" in plain(picked_up)

    assert f"The question:\n{QUESTION}\n" in plain(asked)
    assert f"Answer the question: {supplier_link}" in plain(asked)
    assert "&lt;b&gt;Dene Drive&lt;/b&gt; &amp; “the other one”, ŵ 🎉" in html(asked)
    assert "<b>Dene Drive</b>" not in html(asked)

    assert "Winsford Widgets has answered your question and resubmitted its social value offer." in plain(
        resubmitted
    )
    assert "Their answer:\nWinsford Youth Club,\nDene Drive." in plain(resubmitted)
    assert f"Review it: {officer_link}" in plain(resubmitted)

    assert "The procurement unit has declined your social value offer." in plain(declined)
    assert "The reason:\nIt repeats last year's offer." in plain(declined)
    assert "It repeats last year&#39;s offer." in html(declined) or "It repeats last year's offer." in html(
        declined
    )


def test_accepting_and_withdrawing_email_the_other_side_with_or_without_words(
    app, client, officer_client, complete_draft, smtp_server
):
    accepted, withdrawn, quietly = complete_draft(), complete_draft(), complete_draft()
    for offer_id in (accepted, withdrawn, quietly):
        supplier_move(client, offer_id, "submit")
    officer_move(officer_client, accepted, "pick_up")
    officer_move(officer_client, accepted, "accept", "Thank you.")
    supplier_move(client, withdrawn, "withdraw", "The club has closed.")
    supplier_move(client, quietly, "withdraw")
    messages = delivered(app, smtp_server)[3:]  # after the three submissions
    assert [(m["X-Envelope-To"], m["Subject"]) for m in messages] == [
        (MEMBER, "Your social value offer: being reviewed"),
        (MEMBER, "Your social value offer: accepted"),
        (INBOX, "Social value offer withdrawn: Winsford Widgets"),
        (INBOX, "Social value offer withdrawn: Winsford Widgets"),
    ]
    _, accept, withdraw, quiet = messages
    assert "It is now a commitment: report what you deliver on the portal." in plain(accept)
    assert "Their note:\nThank you." in plain(accept)
    assert f"See your commitment: http://portal.test/social-value/offers/{accepted}" in plain(accept)
    assert "Winsford Widgets has withdrawn its social value offer." in plain(withdraw)
    assert "Their reason:\nThe club has closed." in plain(withdraw)
    assert f"See the offer: http://portal.test/officer/offers/{withdrawn}" in plain(withdraw)
    assert "Their reason" not in plain(quiet) and "Their reason" not in html(quiet)


def test_a_refused_move_emails_no_one(app, client, officer_client, complete_draft, smtp_server):
    offer_id = complete_draft()
    supplier_move(client, offer_id, "submit")
    officer_move(officer_client, offer_id, "pick_up")
    officer_move(officer_client, offer_id, "decline", "", expect=200)  # no reason: refused
    supplier_move(client, offer_id, "resubmit", "Not asked anything")  # not in this state: refused
    assert [m.template for m in social_value_emails(app)] == [
        "social_value/offer_submit",
        "social_value/offer_pick_up",
    ]
    assert len(delivered(app, smtp_server)) == 2


def test_without_a_procurement_inbox_the_suppliers_moves_email_no_one(
    app, client, officer_client, complete_draft, smtp_server
):
    saved = app.config["PROCUREMENT_INBOX"]
    app.config["PROCUREMENT_INBOX"] = ""
    try:
        offer_id = complete_draft()
        supplier_move(client, offer_id, "submit")
        officer_move(officer_client, offer_id, "pick_up")
    finally:
        app.config["PROCUREMENT_INBOX"] = saved
    assert [m.template for m in social_value_emails(app)] == ["social_value/offer_pick_up"]
