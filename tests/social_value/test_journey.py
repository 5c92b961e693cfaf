"""An offer from draft to delivered, over HTTP: every page, move and email on the way."""

import sqlalchemy as sa

from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.social_value.models import Commitment, DeliveryReport, OfferState
from tests.conftest import post_form
from tests.social_value.conftest import answer_every_step, matrix_choice, offer_of, start_offer


def move(client, url: str, revision: int, message: str = ""):
    return post_form(client, url, {"revision": str(revision), "message": message}, page="/account")


def templates_sent(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxMessage.template).order_by(OutboxMessage.id)))


def test_an_offer_goes_from_draft_to_a_verified_delivery(app, client, member, officer_client):
    assert client.get("/social-value/matrix").status_code == 200
    assert client.get("/social-value/offers").status_code == 200
    offer_id = start_offer(client)
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, offer_id, choice)
    check = client.get(f"/social-value/offers/{offer_id}/check").get_data(as_text=True)
    assert "Submit the offer" in check and "Staff mentor young people" in check
    offer = offer_of(app, offer_id)
    assert move(client, f"/social-value/offers/{offer_id}/submit", offer.revision).status_code == 302
    assert offer_of(app, offer_id).state == OfferState.SUBMITTED

    queue = officer_client.get("/officer/offers").get_data(as_text=True)
    assert "Winsford Widgets" in queue
    revision = offer_of(app, offer_id).revision
    move(officer_client, f"/officer/offers/{offer_id}/pick_up", revision)
    revision = offer_of(app, offer_id).revision
    move(officer_client, f"/officer/offers/{offer_id}/ask", revision, "Which youth club?")
    assert offer_of(app, offer_id).state == OfferState.CLARIFICATION
    page = client.get(f"/social-value/offers/{offer_id}").get_data(as_text=True)
    assert "Which youth club?" in page
    revision = offer_of(app, offer_id).revision
    move(client, f"/social-value/offers/{offer_id}/resubmit", revision, "Winsford Youth Club, Dene Drive.")
    assert offer_of(app, offer_id).state == OfferState.RESUBMITTED
    revision = offer_of(app, offer_id).revision
    move(officer_client, f"/officer/offers/{offer_id}/pick_up", revision)
    revision = offer_of(app, offer_id).revision
    move(officer_client, f"/officer/offers/{offer_id}/accept", revision, "Thank you.")
    assert offer_of(app, offer_id).state == OfferState.ACCEPTED

    report = post_form(
        client,
        f"/social-value/offers/{offer_id}/report",
        {"quantity": "40", "delivered_on": ["1", "11", "2026"], "description": "40 hours of mentoring."},
    )
    assert report.status_code == 302, report.get_data(as_text=True)[-2000:]
    with app.app_context():
        report_id = db.session.scalar(sa.select(DeliveryReport.id))
    reports_page = officer_client.get("/officer/social-value/reports").get_data(as_text=True)
    assert "40 hours of mentoring." in reports_page
    post_form(
        officer_client,
        f"/officer/social-value/reports/{report_id}/verify",
        {},
        page="/officer/social-value/reports",
    )
    with app.app_context():
        commitment = db.session.scalar(sa.select(Commitment))
        assert commitment.delivered_at is not None
    assert "Delivered" in client.get(f"/social-value/offers/{offer_id}").get_data(as_text=True)
    totals = client.get("/social-value/totals").get_data(as_text=True)
    assert "Staff time volunteered" in totals
    assert officer_client.get("/officer/social-value/totals").status_code == 200
    assert templates_sent(app)[-6:] == [
        "social_value/offer_submit",
        "social_value/offer_pick_up",
        "social_value/offer_ask",
        "social_value/offer_resubmit",
        "social_value/offer_pick_up",
        "social_value/offer_accept",
    ]
