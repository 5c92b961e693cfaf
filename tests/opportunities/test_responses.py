"""Social value responses to an opportunity: sealed until it closes (unreadable to officers, out
of every officer list, total and email body), scored only after a conflict declaration, awarded,
and each organisation's feedback its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.opportunities.models import Opportunity, ResponseScore
from portal.outbox.models import OutboxMessage
from portal.social_value.models import Commitment, Offer, OfferState
from portal.time import utcnow
from tests.conftest import post_form
from tests.factories import make_opportunity, make_supplier, sign_in
from tests.social_value.conftest import answer_every_step, matrix_choice, pledge, registered

DESCRIPTION = "Apprenticeships for Winsford school leavers on the cleaning contract."


@pytest.fixture
def opportunity_id(app, transaction):
    with app.app_context():
        opportunity = make_opportunity(title="Cleaning of Winsford police station", reference="CC-2026-041")
        db.session.commit()
        return opportunity.id


def respond(app, client, opportunity_id: int, description: str = DESCRIPTION) -> int:
    """A complete offer for the opportunity, through the pages, sealed."""
    started = post_form(
        client,
        "/social-value/offers/new",
        {"opportunity": str(opportunity_id)},
        page=f"/opportunities/{opportunity_id}",
    )
    assert started.status_code == 302, started.get_data(as_text=True)[-1500:]
    offer_id = int(started.headers["Location"].split("/offers/")[1].split("/")[0])
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, offer_id, choice, description={"description": description})
    check = client.get(f"/social-value/offers/{offer_id}/check").get_data(as_text=True)
    assert "It is sealed until the opportunity closes" in check
    sealed = post_form(
        client,
        f"/social-value/offers/{offer_id}/seal",
        {"revision": revision_of(app, offer_id)},
        page=f"/social-value/offers/{offer_id}/check",
    )
    assert sealed.status_code == 302
    return offer_id


def revision_of(app, offer_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Offer, offer_id).revision)


def state_of(app, offer_id: int) -> OfferState:
    with app.app_context():
        return db.session.get(Offer, offer_id).state


def close_now(app, opportunity_id: int) -> None:
    """The closing time passes."""
    with app.app_context():
        db.session.get(Opportunity, opportunity_id).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


@pytest.fixture
def rival(app, transaction):
    """A second organisation's member, signed in on a client of their own."""
    with app.app_context():
        organisation = registered("Crewe Cleaners")
        user = make_supplier("rival@example.com", name="Ria Rival", organisation=organisation)
        pledge(organisation.id, user.id)
        organisation_id = organisation.id
    client = app.test_client()
    sign_in(client, user.email)
    client.organisation_id = organisation_id
    return client


def test_a_response_is_sealed_from_officers_until_the_closing_time(
    app, client, member, officer_client, opportunity_id
):
    offer_id = respond(app, client, opportunity_id)
    assert state_of(app, offer_id) is OfferState.SEALED
    # The email to the procurement unit says only that a response arrived.
    with app.app_context():
        [email] = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == "opportunities/response_arrived")
        ).all()
        assert "CC-2026-041" in email.subject
        for secret in ("Winsford Widgets", "Mo Member", DESCRIPTION, "Apprenticeships"):
            assert (
                secret not in email.body_text
                and secret not in email.body_html
                and secret not in email.subject
            )
    # No officer page, list or total shows it.
    assert officer_client.get(f"/officer/offers/{offer_id}").status_code == 404
    for page in ("/officer/offers", "/officer/offers?state=sealed", "/officer/social-value/totals"):
        response = officer_client.get(page)
        assert response.status_code == 200, page
        text = response.get_data(as_text=True)
        assert "Winsford Widgets" not in text and "Volunteering" not in text, page
    opportunity_page = officer_client.get(f"/officer/opportunities/{opportunity_id}").get_data(as_text=True)
    assert "sealed until the closing time" in opportunity_page
    assert "Winsford Widgets" not in opportunity_page
    assert officer_client.get(f"/officer/opportunities/{opportunity_id}/responses/1").status_code == 404
    # The supplier sees its own, sealed.
    own = client.get(f"/social-value/offers/{offer_id}").get_data(as_text=True)
    assert "Sealed response to an opportunity" in own and "Withdraw the offer" in own
    assert "Submitted, sealed until the closing time" in own  # its history


def test_a_sealed_response_can_be_withdrawn_before_closing_but_not_after(app, client, member, opportunity_id):
    first = respond(app, client, opportunity_id)
    withdrawn = post_form(
        client,
        f"/social-value/offers/{first}/withdraw_response",
        {"revision": revision_of(app, first)},
        page=f"/social-value/offers/{first}",
    )
    assert withdrawn.status_code == 302
    assert state_of(app, first) is OfferState.WITHDRAWN
    second = respond(app, client, opportunity_id)
    close_now(app, opportunity_id)
    refused = post_form(
        client,
        f"/social-value/offers/{second}/withdraw_response",
        {"revision": revision_of(app, second)},
        page=f"/social-value/offers/{second}",
        follow_redirects=True,
    )
    assert "The opportunity has closed: its responses can no longer change" in refused.get_data(as_text=True)
    assert state_of(app, second) is OfferState.SEALED


def test_after_closing_a_draft_cannot_be_sealed(app, client, member, opportunity_id):
    started = post_form(
        client,
        "/social-value/offers/new",
        {"opportunity": str(opportunity_id)},
        page=f"/opportunities/{opportunity_id}",
    )
    offer_id = int(started.headers["Location"].split("/offers/")[1].split("/")[0])
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, offer_id, choice)
    close_now(app, opportunity_id)
    refused = post_form(
        client,
        f"/social-value/offers/{offer_id}/seal",
        {"revision": revision_of(app, offer_id)},
        page=f"/social-value/offers/{offer_id}/check",
        follow_redirects=True,
    )
    assert "The opportunity has closed" in refused.get_data(as_text=True)
    assert state_of(app, offer_id) is OfferState.DRAFT


def test_general_moves_never_apply_to_a_response(app, client, member, opportunity_id):
    offer_id = respond(app, client, opportunity_id)
    refused = post_form(
        client,
        f"/social-value/offers/{offer_id}/withdraw",
        {"revision": revision_of(app, offer_id)},
        page=f"/social-value/offers/{offer_id}",
        follow_redirects=True,
    )
    assert "This offer is a response to an opportunity" in refused.get_data(as_text=True)
    assert state_of(app, offer_id) is OfferState.SEALED


def test_scoring_is_refused_without_the_conflict_declaration(
    app, client, member, officer_client, opportunity_id
):
    respond(app, client, opportunity_id)
    close_now(app, opportunity_id)
    with app.app_context():
        organisation_id = db.session.scalar(sa.select(Offer.organisation_id))
    url = f"/officer/opportunities/{opportunity_id}/responses/{organisation_id}"
    page = officer_client.get(url).get_data(as_text=True)
    assert "declare that you have no conflict of interest" in page
    assert DESCRIPTION not in page  # not readable before the declaration
    refused = post_form(officer_client, url, {"score": "80", "comment": "Strong."}, follow_redirects=True)
    assert "Declare that you have no conflict of interest with Winsford Widgets first" in refused.get_data(
        as_text=True
    )
    unticked = post_form(officer_client, url, {"declare-submit": "Record my declaration"})
    assert "Confirm you have no conflict of interest" in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseScore)) == 0
    declared = post_form(
        officer_client, url, {"declare-no_conflict": "y", "declare-submit": "Record my declaration"}
    )
    assert declared.status_code == 302
    page = officer_client.get(url).get_data(as_text=True)
    assert DESCRIPTION in page
    for bad in ("101", "-1", "eighty", ""):
        response = post_form(officer_client, url, {"score": bad, "comment": "Strong."})
        assert "govuk-error-summary" in response.get_data(as_text=True), bad
    scored = post_form(officer_client, url, {"score": "80", "comment": "Strong local apprenticeships."})
    assert scored.status_code == 302
    with app.app_context():
        score = db.session.scalar(sa.select(ResponseScore))
        assert (score.score, score.comment) == (80, "Strong local apprenticeships.")
        actions = db.session.scalars(
            sa.select(AuditRecord.action)
            .where(AuditRecord.record_type == "opportunities")
            .order_by(AuditRecord.id)
        ).all()
        assert actions[-2:] == ["opportunity.no_conflict_declared", "opportunity.response_scored"]
        record = db.session.scalar(
            sa.select(AuditRecord).where(AuditRecord.action == "opportunity.response_scored")
        )
        assert record.details["weighted"] == "8"  # 80 x 10%
    listing = officer_client.get(f"/officer/opportunities/{opportunity_id}").get_data(as_text=True)
    assert "Winsford Widgets" in listing and ">80<" in listing


def test_the_award_makes_the_winner_s_offers_commitments_and_gives_each_its_own_feedback(
    app, client, member, rival, officer_client, opportunity_id
):
    winner_offer = respond(app, client, opportunity_id)
    rival_offer = respond(app, rival, opportunity_id, description="Litter picks in Crewe parks.")
    close_now(app, opportunity_id)
    with app.app_context():
        winner_id = db.session.get(Offer, winner_offer).organisation_id
    for organisation_id, value, comment in (
        (winner_id, "80", "Strong apprenticeships."),
        (rival.organisation_id, "55", "Vague on numbers."),
    ):
        url = f"/officer/opportunities/{opportunity_id}/responses/{organisation_id}"
        post_form(
            officer_client, url, {"declare-no_conflict": "y", "declare-submit": "Record my declaration"}
        )
        assert post_form(officer_client, url, {"score": value, "comment": comment}).status_code == 302
    # Before the award, neither supplier sees a score.
    assert "Strong apprenticeships." not in client.get(f"/social-value/offers/{winner_offer}").get_data(
        as_text=True
    )
    award_url = f"/officer/opportunities/{opportunity_id}/award"
    empty = post_form(officer_client, award_url, {})
    assert "Choose who is awarded the whole opportunity" in empty.get_data(as_text=True)
    response = post_form(officer_client, award_url, {"whole": str(winner_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert state_of(app, winner_offer) is OfferState.ACCEPTED
    assert state_of(app, rival_offer) is OfferState.DECLINED
    with app.app_context():
        [commitment] = db.session.scalars(sa.select(Commitment)).all()
        assert commitment.offer_id == winner_offer
        emails = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.template == "opportunities/awarded")
            .order_by(OutboxMessage.id)
        ).all()
        by_recipient = {email.recipients[0]: email.body_text for email in emails}
    assert len(emails) == 2  # one a member, however many offers
    [winner_mail] = [body for to, body in by_recipient.items() if "member@example.com" in to]
    [rival_mail] = [body for to, body in by_recipient.items() if "rival@example.com" in to]
    assert (
        "has been awarded" in winner_mail
        and "80 out of 100" in winner_mail
        and "Strong apprenticeships." in winner_mail
    )
    assert "Vague on numbers." not in winner_mail
    assert "awarded to another organisation" in rival_mail and "55 out of 100" in rival_mail
    assert "Strong apprenticeships." not in rival_mail
    own = client.get(f"/social-value/offers/{winner_offer}").get_data(as_text=True)
    assert "Score: 80 out of 100, weighted 8 of the 10 points" in own and "Vague on numbers." not in own
    assert "Awarded: now a commitment" in own
    theirs = rival.get(f"/social-value/offers/{rival_offer}").get_data(as_text=True)
    assert "Vague on numbers." in theirs and "Strong apprenticeships." not in theirs
    assert "Not awarded" in theirs
    # Neither reads the other's offer; the award is final.
    assert rival.get(f"/social-value/offers/{winner_offer}").status_code == 404
    again = post_form(
        officer_client,
        award_url,
        {"whole": str(winner_id)},
        page=f"/officer/opportunities/{opportunity_id}",
        follow_redirects=True,
    )
    assert "can be awarded once" in again.get_data(as_text=True)


def test_an_award_before_closing_or_to_a_stranger_is_refused(
    app, client, member, officer_client, opportunity_id
):
    respond(app, client, opportunity_id)
    early = officer_client.get(f"/officer/opportunities/{opportunity_id}/award", follow_redirects=True)
    assert "after its closing time" in early.get_data(as_text=True)
    close_now(app, opportunity_id)
    with app.app_context():
        stranger = registered("Stranger Ltd").id
    response = post_form(
        officer_client, f"/officer/opportunities/{opportunity_id}/award", {"whole": str(stranger)}
    )
    assert "govuk-error-summary" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Opportunity, opportunity_id).awarded_at is None


def test_suppliers_cannot_evaluate_or_award(app, client, member, opportunity_id):
    respond(app, client, opportunity_id)
    close_now(app, opportunity_id)
    for url in (
        f"/officer/opportunities/{opportunity_id}/responses/1",
        f"/officer/opportunities/{opportunity_id}/award",
    ):
        assert client.get(url).status_code == 403
