"""A supplier's offer in steps, over HTTP: each step's question, drafts kept without a pledge,
check your answers, bad input refused with a clear message and nothing stored, answers changed
while a question is open, and every offer URL closed to another organisation."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import escape

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.social_value import services, steps
from portal.social_value.models import DeliveryReport, Offer, OfferEvent, OfferState, Outcome, offer_outcomes
from portal.time import london_today, utcnow
from portal.voluntary.models import DirectoryEntry, NeedState
from portal.workflow import Refused
from tests.conftest import count_queries, post_form, session_csrf_token
from tests.factories import make_supplier, sign_in
from tests.social_value.conftest import (
    PDF,
    add_offer,
    answer_every_step,
    count_of,
    due_date_parts,
    error_summary,
    html_of,
    indicator_id,
    make_move,
    matrix_choice,
    measure_id,
    offer_of,
    outcome_id,
    registered,
    report,
    start_offer,
    text_of,
)
from tests.voluntary.conftest import add_need

STEP_QUESTIONS = {
    "theme": "Which theme is your offer for?",
    "outcomes": "Which outcomes will it help?",
    "indicator": "What will your organisation offer?",
    "description": "Describe what you will do",
    "quantity": "How much will you offer?",
    "where": "Where in Cheshire?",
    "when": "By when will it be delivered?",
    "partner": "Voluntary-sector partner (optional)",
}
UNICODE = "Cymraeg: ŵ ŷ; 中文; עברית; emoji 🎉; <b>bold</b> & 'quotes' \"double\"; ﬁ ligature"


def move(client, offer_id: int, name: str, message: str = ""):
    revision = offer_of(client.application, offer_id).revision
    return post_form(
        client,
        f"/social-value/offers/{offer_id}/{name}",
        {"revision": str(revision), "message": message},
        page=f"/social-value/offers/{offer_id}",
    )


def officer_move(client, offer_id: int, name: str, message: str = "", revision: int | None = None):
    if revision is None:
        revision = offer_of(client.application, offer_id).revision
    return post_form(
        client,
        f"/officer/offers/{offer_id}/{name}",
        {"revision": str(revision), "message": message},
        page=f"/officer/offers/{offer_id}",
    )


def post_step(client, offer_id: int, slug: str, data: dict, **kwargs):
    return post_form(client, f"/social-value/offers/{offer_id}/{slug}", data, **kwargs)


# --- the steps ---------------------------------------------------------------------------------


def test_each_step_asks_one_question_and_leads_to_the_next_then_to_check_your_answers(app, client, member):
    assert "Make a social value offer" in html_of(client, "/social-value/offers/new")
    offer_id = start_offer(client)
    with app.app_context():
        choice = matrix_choice()
    answers = {
        "theme": {"theme_id": "social"},
        "outcomes": {"outcomes": [str(choice["outcome"])]},
        "indicator": {"indicator_id": str(choice["indicator"])},
        "description": {"description": "Staff mentor young people."},
        "quantity": {"measure_id": str(choice["measure"]), "quantity": "40"},
        "where": {"authority": "E06000050"},
        "when": {"due_on": due_date_parts()},
        "partner": {"partner_entry_id": ""},
    }
    slugs = [step.slug for step in steps.STEPS]
    assert slugs == list(STEP_QUESTIONS)
    for number, slug in enumerate(slugs, start=1):
        html = html_of(client, f"/social-value/offers/{offer_id}/{slug}")
        assert f"Social value offer: step {number} of 8" in text_of(html)
        # The question is the page's one heading (a legend's, or one of its own for a label's).
        headings = [text_of(h) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)]
        expected = "How much will you offer?" if slug == "quantity" else STEP_QUESTIONS[slug]
        assert headings == [expected], headings
        response = post_step(client, offer_id, slug, answers[slug])
        following = slugs[number] if number < len(slugs) else "check"
        assert response.headers["Location"] == f"/social-value/offers/{offer_id}/{following}"
    check = text_of(html_of(client, f"/social-value/offers/{offer_id}/check"))
    assert "Check your offer" in check
    for expected in (
        "Theme Social",
        "An effective and resilient VCS sector.",
        "Build capacity by supporting community organisations",
        "Staff mentor young people.",
        "40 hours: Staff time volunteered with community organisations and projects in Cheshire",
        "Where Cheshire West and Chester",
        "Voluntary-sector partner None",
        "Submit the offer",
    ):
        assert expected in check, expected
    assert "Not answered yet" not in check


def test_a_step_that_needs_an_earlier_answer_waits_for_it(client, member):
    offer_id = start_offer(client)
    for slug in ("outcomes", "indicator", "quantity"):
        response = client.get(f"/social-value/offers/{offer_id}/{slug}")
        assert response.headers["Location"] == f"/social-value/offers/{offer_id}/theme"
    check = text_of(html_of(client, f"/social-value/offers/{offer_id}/check"))
    assert check.count("Not answered yet") == 8 + 1  # each answer, and the words telling of them
    assert "Submit the offer" not in check


def test_a_draft_is_kept_at_any_time_and_listed_with_its_state(app, client, member):
    offer_id = start_offer(client)
    post_step(client, offer_id, "theme", {"theme_id": "economic"})
    offers = text_of(html_of(client, "/social-value/offers"))
    assert "Economic: Draft offer" in offers and "Draft" in offers
    assert "Continue the draft" in html_of(client, f"/social-value/offers/{offer_id}")
    assert offer_of(app, offer_id).theme_id == "economic"


def test_changing_the_theme_of_a_draft_clears_what_belonged_to_the_old_one(app, client, member):
    offer_id = start_offer(client)
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, offer_id, choice)
    response = post_step(
        client, offer_id, "theme", {"theme_id": "environmental"}, query_string={"from": "check"}
    )
    assert response.headers["Location"] == f"/social-value/offers/{offer_id}/outcomes"
    offer = offer_of(app, offer_id)
    assert (offer.theme_id, offer.indicator_id, offer.measure_id) == ("environmental", None, None)
    with app.app_context():
        assert db.session.get(Offer, offer_id).outcomes == []
    # A change that leaves the answers complete goes back to check your answers.
    answer_every_step(
        client,
        offer_id,
        choice,
        theme={"theme_id": "social"},
    )
    response = post_step(
        client, offer_id, "description", {"description": "Changed."}, query_string={"from": "check"}
    )
    assert response.headers["Location"] == f"/social-value/offers/{offer_id}/check"


def test_a_draft_needs_no_pledge_but_submitting_does(app, transaction):
    client = app.test_client()
    with app.app_context():
        organisation = registered("Unpledged Ltd")
        user = make_supplier("una@unpledged.example", name="Una Unpledged", organisation=organisation)
        choice = matrix_choice()
    sign_in(client, user.email)
    offer_id = start_offer(client)
    answer_every_step(client, offer_id, choice)
    response = move(client, offer_id, "submit")
    assert response.headers["Location"] == f"/social-value/offers/{offer_id}"
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Sign the Supplier Code of Ethics for your organisation first." in page
    offer = offer_of(app, offer_id)
    assert offer.state == OfferState.DRAFT and offer.queued_at is None
    assert count_of(app, OfferEvent) == 0


def test_a_submitted_offer_can_no_longer_be_changed(app, client, member):
    offer_id = start_offer(client)
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, offer_id, choice)
    move(client, offer_id, "submit")
    assert offer_of(app, offer_id).state == OfferState.SUBMITTED
    for slug in STEP_QUESTIONS:
        response = post_step(client, offer_id, slug, {"description": "Sneaky change"}, page="/account")
        assert response.headers["Location"] == f"/social-value/offers/{offer_id}"
    assert "This offer can no longer be changed." in text_of(
        html_of(client, f"/social-value/offers/{offer_id}")
    )
    assert offer_of(app, offer_id).description == "Staff mentor young people at a Winsford youth club."


# --- deleting a draft --------------------------------------------------------------------------


def offer_outcome_rows(app, offer_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(offer_outcomes)
            .where(offer_outcomes.c.offer_id == offer_id)
        )


def offer_exists(app, offer_id: int) -> bool:
    with app.app_context():
        return db.session.get(Offer, offer_id) is not None


def test_a_draft_empty_or_answered_is_deleted_once_confirmed_and_audited(app, client, member):
    empty = start_offer(client)
    answered = start_offer(client)
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, answered, choice)
    assert offer_outcome_rows(app, answered) >= 1
    check = html_of(client, f"/social-value/offers/{answered}/check")
    assert f'href="/social-value/offers/{answered}/delete"' in check
    for offer_id in (empty, answered):
        page = html_of(client, f"/social-value/offers/{offer_id}/delete")
        assert "Delete this draft offer?" in page
        assert offer_exists(app, offer_id)  # the page alone deletes nothing
        response = post_form(client, f"/social-value/offers/{offer_id}/delete", {})
        assert response.status_code == 302
        assert response.headers["Location"] == "/social-value/offers"
        assert not offer_exists(app, offer_id)
    assert offer_outcome_rows(app, answered) == 0
    assert "Your draft offer has been deleted." in html_of(client, "/social-value/offers")
    with app.app_context():
        deleted = db.session.scalars(
            sa.select(AuditRecord.record_id).where(AuditRecord.action == "offer.draft_deleted")
        ).all()
    assert sorted(deleted) == sorted([str(empty), str(answered)])


def test_a_submitted_offer_is_withdrawn_not_deleted(app, client, member):
    offer_id = start_offer(client)
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, offer_id, choice)
    move(client, offer_id, "submit")
    for method in ("GET", "POST"):
        response = client.open(
            f"/social-value/offers/{offer_id}/delete",
            method=method,
            data={"csrf_token": session_csrf_token(client)} if method == "POST" else None,
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/social-value/offers/{offer_id}"
    assert "a submitted offer can be withdrawn instead" in html_of(client, f"/social-value/offers/{offer_id}")
    assert offer_of(app, offer_id).state == OfferState.SUBMITTED
    with app.app_context(), pytest.raises(Refused):
        services.delete_draft(db.session.get(Offer, offer_id), user=db.session.get(User, member.id))


def test_deleting_a_draft_needs_the_form_token_and_the_organisations_own_draft(
    app, client, member, rival_client
):
    offer_id = start_offer(client)
    refused = client.post(f"/social-value/offers/{offer_id}/delete", data={})
    assert refused.status_code == 400
    rival = rival_client.post(
        f"/social-value/offers/{offer_id}/delete", data={"csrf_token": session_csrf_token(rival_client)}
    )
    assert rival.status_code == 404
    assert offer_exists(app, offer_id)


# --- bad input ---------------------------------------------------------------------------------


@pytest.fixture
def draft(app, client, member):
    """A complete draft, every step answered; returns (offer id, matrix choice)."""
    offer_id = start_offer(client)
    with app.app_context():
        choice = matrix_choice()
    answer_every_step(client, offer_id, choice)
    return offer_id, choice


def assert_refused(app, client, offer_id, slug, data, message):
    before = offer_of(app, offer_id)
    with app.app_context():
        outcomes_before = [o.id for o in db.session.get(Offer, offer_id).outcomes]
    response = post_step(client, offer_id, slug, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, response.headers.get("Location")
    assert message in error_summary(html), error_summary(html)
    assert "<title>Error: " in html
    after = offer_of(app, offer_id)
    for column in (
        "theme_id",
        "indicator_id",
        "measure_id",
        "quantity",
        "authority",
        "due_on",
        "description",
    ):
        assert getattr(after, column) == getattr(before, column), column
    assert after.partner_entry_id == before.partner_entry_id
    with app.app_context():
        assert [o.id for o in db.session.get(Offer, offer_id).outcomes] == outcomes_before


@pytest.mark.parametrize(
    ("measure", "quantity", "message"),
    [
        ("volunteering_hours", "0", "The quantity must be more than 0"),
        ("volunteering_hours", "0.00", "The quantity must be more than 0"),
        ("volunteering_hours", "-3", "Enter the quantity as a number, like 40 or 12.5"),
        ("volunteering_hours", "forty", "Enter the quantity as a number, like 40 or 12.5"),
        ("volunteering_hours", "1.234", "Enter the quantity as a number, like 40 or 12.5"),
        ("volunteering_hours", "1e3", "Enter the quantity as a number, like 40 or 12.5"),
        ("volunteering_hours", "NaN", "Enter the quantity as a number, like 40 or 12.5"),
        ("volunteering_hours", "1234567890", "Enter the quantity as a number, like 40 or 12.5"),
        # Digits of other scripts are digits to Python's \d and Decimal: refused, not stored.
        ("volunteering_hours", "\u0664\u0660", "Enter the quantity as a number, like 40 or 12.5"),
        ("volunteering_hours", "\uff14\uff10", "Enter the quantity as a number, like 40 or 12.5"),
        ("volunteering_hours", "", "Enter how much you offer, in the measure's unit"),
        ("people_into_work", "2.5", "This measure counts whole numbers: enter a whole number, like 3"),
        ("local_people_employed", "0.5", "This measure counts whole numbers: enter a whole number, like 3"),
    ],
)
def test_a_quantity_that_is_not_positive_or_not_whole_for_people_is_refused(
    app, client, draft, measure, quantity, message
):
    offer_id, _ = draft
    with app.app_context():
        if measure != "volunteering_hours":
            offer = db.session.get(Offer, offer_id)
            offer.indicator_id = indicator_id("social", 5)  # people into work and employment
            db.session.commit()
        chosen = measure_id(measure)
    assert_refused(
        app, client, offer_id, "quantity", {"measure_id": str(chosen), "quantity": quantity}, message
    )


def test_placements_are_whole_numbers_too(app, client, draft):
    offer_id, _ = draft
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        offer.indicator_id = indicator_id("social", 4)
        db.session.commit()
        placements = measure_id("work_experience_placements")
    assert_refused(
        app,
        client,
        offer_id,
        "quantity",
        {"measure_id": str(placements), "quantity": "1.5"},
        "This measure counts whole numbers",
    )
    post_step(client, offer_id, "quantity", {"measure_id": str(placements), "quantity": "6"})
    assert offer_of(app, offer_id).quantity == 6


@pytest.mark.parametrize(
    ("typed", "stored"), [("12.5", "12.5"), ("1,000", "1000"), ("0.25", "0.25"), ("7.10", "7.1")]
)
def test_decimals_are_fine_for_other_units(app, client, draft, typed, stored):
    offer_id, choice = draft
    response = post_step(
        client, offer_id, "quantity", {"measure_id": str(choice["measure"]), "quantity": typed}
    )
    assert response.status_code == 302
    assert offer_of(app, offer_id).quantity == Decimal(stored)
    page = html_of(client, f"/social-value/offers/{offer_id}/quantity")
    assert f'value="{stored}"' in page


def test_a_measure_that_does_not_evidence_the_indicator_is_refused(app, client, draft):
    offer_id, _ = draft
    with app.app_context():
        waste = measure_id("waste_diverted")
    page = html_of(client, f"/social-value/offers/{offer_id}/quantity")
    assert "Waste kept out of landfill" not in page  # not offered
    assert_refused(
        app,
        client,
        offer_id,
        "quantity",
        {"measure_id": str(waste), "quantity": "5"},
        "Select one of the measures shown: they are the ones that evidence what you offer",
    )


def test_an_outcome_or_indicator_of_another_theme_is_refused(app, client, draft):
    offer_id, choice = draft
    with app.app_context():
        economic_outcome = outcome_id("economic", 1)
        economic_indicator = indicator_id("economic", 1)
    assert "Responsible businesses" not in html_of(client, f"/social-value/offers/{offer_id}/outcomes")
    assert_refused(
        app,
        client,
        offer_id,
        "outcomes",
        {"outcomes": [str(choice["outcome"]), str(economic_outcome)]},
        "Select outcomes of the theme you chose, from those shown",
    )
    assert_refused(
        app,
        client,
        offer_id,
        "indicator",
        {"indicator_id": str(economic_indicator)},
        "Select one of the theme's indicators shown",
    )
    assert_refused(app, client, offer_id, "theme", {"theme_id": "cultural"}, "Select one of the themes shown")


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "The date it will be delivered by must be in the future"),
        (0, "The date it will be delivered by must be in the future"),
        (366 * 5 + 1, "The date it will be delivered by must be within 5 years"),
    ],
)
def test_a_date_in_the_past_is_refused(app, client, draft, days, message):
    offer_id, _ = draft
    assert_refused(app, client, offer_id, "when", {"due_on": due_date_parts(days)}, message)


@pytest.mark.parametrize(
    ("parts", "message"),
    [(["31", "2", "2030"], "must be a real date"), (["", "", ""], "Enter the date it will be delivered by")],
)
def test_a_date_that_is_not_a_date_is_refused(app, client, draft, parts, message):
    offer_id, _ = draft
    assert_refused(app, client, offer_id, "when", {"due_on": parts}, message)


def test_a_place_outside_the_force_area_is_refused(app, client, draft):
    offer_id, _ = draft
    assert_refused(
        app,
        client,
        offer_id,
        "where",
        {"authority": "E09000033"},  # Westminster
        "Select where in Cheshire the social value will be delivered",
    )


def test_a_retired_partner_is_refused_and_not_offered(app, client, draft):
    offer_id, _ = draft
    with app.app_context():
        entry = db.session.scalar(sa.select(DirectoryEntry).where(DirectoryEntry.name == "Cheshire East CVS"))
        entry.retired_at = utcnow()
        db.session.commit()
        retired = entry.id
        current = db.session.scalar(
            sa.select(DirectoryEntry.id).where(DirectoryEntry.name == "Cheshire West Voluntary Action")
        )
    page = html_of(client, f"/social-value/offers/{offer_id}/partner")
    assert "Cheshire East CVS" not in page and "Cheshire West Voluntary Action" in page
    message = "Select a body from the directory, or no partner: that one is no longer in it"
    assert_refused(app, client, offer_id, "partner", {"partner_entry_id": str(retired)}, message)
    assert_refused(app, client, offer_id, "partner", {"partner_entry_id": "999999"}, message)
    post_step(client, offer_id, "partner", {"partner_entry_id": str(current)})
    assert offer_of(app, offer_id).partner_entry_id == current
    post_step(client, offer_id, "partner", {"partner_entry_id": " "})  # blank text: no partner
    assert offer_of(app, offer_id).partner_entry_id is None


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("", "Describe what your organisation will do, in plain English"),
        ("   ", "Describe what your organisation will do, in plain English"),
        ("a" * 4001, "Describe what you will do must be 4,000 characters or fewer"),
        ("bell\x07", "must not contain special characters"),
        ("nul\x00", "must not contain special characters"),
    ],
)
def test_a_description_that_is_empty_too_long_or_has_control_characters_is_refused(
    app, client, draft, description, message
):
    offer_id, _ = draft
    assert_refused(app, client, offer_id, "description", {"description": description}, message)


def test_any_unicode_is_kept_and_shown_escaped(app, client, draft, officer_client):
    offer_id, _ = draft
    text = f"{UNICODE}\nA second line <script>alert(1)</script>"
    post_step(client, offer_id, "description", {"description": text})
    assert offer_of(app, offer_id).description == text
    move(client, offer_id, "submit")
    for page in (
        html_of(client, f"/social-value/offers/{offer_id}/check"),
        html_of(client, f"/social-value/offers/{offer_id}"),
        html_of(client, "/social-value/offers"),
        html_of(officer_client, f"/officer/offers/{offer_id}"),
    ):
        assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
        assert escape(UNICODE[:40], quote=False) in page or escape(UNICODE[:40]) in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_of(client, f"/social-value/offers/{offer_id}")


# --- answers changed while a question is open --------------------------------------------------


def test_while_answering_a_question_the_supplier_may_change_the_answers_then_resubmit(
    app, client, member, draft, officer_client
):
    offer_id, choice = draft
    move(client, offer_id, "submit")
    with app.app_context():
        make_move(offer_id, "pick_up", officer_client.officer.id)
        make_move(offer_id, "ask", officer_client.officer.id, "Which youth club, and how many hours?")
    page = text_of(html_of(client, f"/social-value/offers/{offer_id}"))
    assert "The procurement unit asks: Which youth club, and how many hours?" in page
    post_step(client, offer_id, "description", {"description": "Winsford Youth Club, Dene Drive."})
    post_step(client, offer_id, "quantity", {"measure_id": str(choice["measure"]), "quantity": "60"})
    response = move(client, offer_id, "resubmit", "Winsford Youth Club; 60 hours now.")
    assert response.status_code == 302
    offer = offer_of(app, offer_id)
    assert offer.state == OfferState.RESUBMITTED
    assert (offer.description, offer.quantity) == ("Winsford Youth Club, Dene Drive.", 60)
    timeline = text_of(html_of(client, f"/social-value/offers/{offer_id}"))
    assert "Answered and resubmitted by Mo Member Winsford Youth Club; 60 hours now." in timeline


def test_changing_the_theme_while_answering_a_question_keeps_the_offer_whole_until_the_answers_fit(
    app, client, member, draft, officer_client
):
    """Changing the theme (or what is offered) of a submitted offer must not clear answers the
    database requires of it: the old ones stay, shown as problems, and resubmitting waits."""
    offer_id, _ = draft
    move(client, offer_id, "submit")
    with app.app_context():
        make_move(offer_id, "pick_up", officer_client.officer.id)
        make_move(offer_id, "ask", officer_client.officer.id, "Is this really social?")
        economic = {
            "outcome": outcome_id("economic", 1),
            "indicator": indicator_id("economic", 1),
            "measure": measure_id("local_supplier_spend"),
        }
    response = post_step(client, offer_id, "theme", {"theme_id": "economic"}, query_string={"from": "check"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/social-value/offers/{offer_id}/outcomes"
    check = text_of(html_of(client, f"/social-value/offers/{offer_id}/check"))
    assert "An outcome you chose is not one of the theme's: choose the outcomes again." in check
    assert "The indicator you chose is not one of the theme's: choose it again." in check
    response = move(client, offer_id, "resubmit", "Moved to economic.")
    assert "Answer every question before you submit" in text_of(
        client.get(response.headers["Location"]).get_data(as_text=True)
    )
    assert offer_of(app, offer_id).state == OfferState.CLARIFICATION
    post_step(client, offer_id, "outcomes", {"outcomes": [str(economic["outcome"])]})
    post_step(client, offer_id, "indicator", {"indicator_id": str(economic["indicator"])})
    check = text_of(html_of(client, f"/social-value/offers/{offer_id}/check"))
    assert "The measure you chose does not evidence the indicator: choose the quantity again." in check
    post_step(client, offer_id, "quantity", {"measure_id": str(economic["measure"]), "quantity": "25000"})
    assert "choose" not in text_of(html_of(client, f"/social-value/offers/{offer_id}/check")).lower()
    move(client, offer_id, "resubmit", "Moved to economic: spend with local suppliers.")
    offer = offer_of(app, offer_id)
    assert offer.state == OfferState.RESUBMITTED
    assert (offer.theme_id, offer.measure_id) == ("economic", economic["measure"])


# --- starting from a need -------------------------------------------------------------------------


def test_an_offer_that_answers_a_need_starts_with_its_partner_and_outcome(app, client, member):
    with app.app_context():
        entry = db.session.scalar(
            sa.select(DirectoryEntry).where(DirectoryEntry.name == "Cheshire West Voluntary Action")
        )
        outcome = outcome_id("social", 4)
        need_id = add_need(member.id, entry_id=entry.id, outcome_id=outcome, title="Mentors for care leavers")
        pending = add_need(member.id, title="Not yet published", state=NeedState.PENDING)
        entry_id = entry.id
    page = text_of(html_of(client, f"/social-value/offers/new?need={need_id}"))
    assert (
        "This offer answers the need “Mentors for care leavers” from Cheshire West Voluntary Action." in page
    )
    response = post_form(client, f"/social-value/offers/new?need={need_id}", {"need": str(need_id)})
    offer_id = int(response.headers["Location"].split("/")[3])
    offer = offer_of(app, offer_id)
    assert (offer.need_id, offer.partner_entry_id, offer.theme_id) == (need_id, entry_id, "social")
    with app.app_context():
        assert [o.id for o in db.session.get(Offer, offer_id).outcomes] == [outcome]
    check = text_of(html_of(client, f"/social-value/offers/{offer_id}/check"))
    assert "Answers the need “Mentors for care leavers”" in check
    # A need that is not published is ignored.
    assert "answers the need" not in html_of(client, f"/social-value/offers/new?need={pending}")


# --- the organisation's list ------------------------------------------------------------------------


def test_the_list_shows_the_organisations_offers_only_with_their_state(app, client, member, rival_client):
    with app.app_context():
        for state in (OfferState.SUBMITTED, OfferState.ACCEPTED):
            add_offer(member.organisation_id, member.id, state=state, description=f"Ours {state.value}")
        add_offer(rival_client.user.organisation_id, rival_client.user.id, description="Theirs")
    page = text_of(html_of(client, "/social-value/offers"))
    assert "Social: Ours submitted" in page and "Social: Ours accepted" in page
    assert "Submitted" in page and "Accepted" in page
    assert "Theirs" not in page
    assert "Theirs" in html_of(rival_client, "/social-value/offers")


def test_staff_make_no_offers_of_their_own(app, client, member, officer_client):
    for url in ("/social-value/offers", "/social-value/offers/new", "/social-value/totals"):
        assert officer_client.get(url).status_code == 403, url


def test_an_officer_cannot_submit_an_offer_for_a_supplier_over_http(app, client, draft, officer_client):
    offer_id, _ = draft
    revision = offer_of(app, offer_id).revision
    token = session_csrf_token(officer_client)
    data = {"csrf_token": token, "revision": str(revision)}
    assert officer_client.post(f"/social-value/offers/{offer_id}/submit", data=data).status_code == 403
    assert officer_client.post(f"/officer/offers/{offer_id}/submit", data=data).status_code == 404
    assert officer_client.get(f"/officer/offers/{offer_id}").status_code == 404  # a draft is theirs
    assert offer_of(app, offer_id).state == OfferState.DRAFT


@pytest.mark.parametrize("rows", [1, 30])
def test_the_list_runs_the_same_statements_whatever_its_length(app, client, member, rows):
    """One page of the list costs a fixed number of statements, its rows read with their theme and
    measure."""
    with app.app_context():
        for n in range(rows):
            add_offer(member.organisation_id, member.id, outcomes=(1, 2, 3), description=f"Offer {n}")
    client.get("/social-value/offers")  # warm up the session's own reads
    with count_queries(app) as statements:
        response = client.get("/social-value/offers")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<tr class="govuk-table__row">') == min(rows, 25) + 1
    assert len(statements) == EXPECTED_LIST_STATEMENTS, statements


EXPECTED_LIST_STATEMENTS = 2  # the signed-in user, the page of offers (with theme and measure)


# --- another organisation ---------------------------------------------------------------------------


def test_another_organisation_gets_not_found_on_every_offer_url(
    app, client, member, rival_client, officer_client, evidence_folder
):
    with app.app_context():
        offer_id = add_offer(member.organisation_id, member.id, state=OfferState.SUBMITTED)
        make_move(offer_id, "pick_up", officer_client.officer.id)
        make_move(offer_id, "accept", officer_client.officer.id, "")
    assert report(client, offer_id, PDF).status_code == 302
    with app.app_context():
        report_id = db.session.scalar(sa.select(DeliveryReport.id))
    adapter = app.url_map.bind("portal.test")
    token = session_csrf_token(rival_client)
    tried = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "social_value" or not rule.arguments & {"offer_id", "report_id"}:
            continue
        choices = {
            "slug": list(steps.BY_SLUG),
            "move": ["submit", "resubmit", "withdraw"],
        }
        variants = [{}]
        for argument, values in choices.items():
            if argument in rule.arguments:
                variants = [{**v, argument: value} for v in variants for value in values]
        for variant in variants:
            url = adapter.build(rule.endpoint, {"offer_id": offer_id, "report_id": report_id, **variant})
            for method in sorted(rule.methods & {"GET", "POST"}):
                data = (
                    {
                        "csrf_token": token,
                        "revision": "3",
                        "message": "x",
                        "description": "Theirs now",
                        **report_data_for_post(),
                    }
                    if method == "POST"
                    else None
                )
                response = rival_client.open(url, method=method, data=data)
                assert response.status_code == 404, (method, url, response.status_code)
                assert "Winsford Widgets" not in response.get_data(as_text=True)
                tried += 1
    assert tried >= 16
    offer = offer_of(app, offer_id)
    assert offer.state == OfferState.ACCEPTED
    assert offer.description == "Staff mentor young people at a Winsford youth club."
    assert count_of(app, DeliveryReport) == 1
    with app.app_context():
        stored = db.session.get(DeliveryReport, report_id)
        assert stored.confirmed_at is None


def report_data_for_post() -> dict:
    day = london_today() - timedelta(days=1)
    return {"quantity": "5", "delivered_on": [str(day.day), str(day.month), str(day.year)]}


def test_retiring_an_outcome_hides_it_from_new_offers_but_an_offer_that_used_it_shows_it(
    app, client, member, officer_client
):
    with app.app_context():
        used = add_offer(member.organisation_id, member.id, state=OfferState.SUBMITTED, outcomes=(3, 4))
        outcome = db.session.get(
            Outcome, outcome_id("social", 3)
        )  # "victims of domestic abuse": social's only
        outcome.retired_at = utcnow()
        db.session.commit()
        text = outcome.text
    for page in (
        html_of(client, f"/social-value/offers/{used}"),
        html_of(officer_client, f"/officer/offers/{used}"),
    ):
        assert text in page
    offer_id = start_offer(client)
    post_step(client, offer_id, "theme", {"theme_id": "social"})
    assert text not in html_of(client, f"/social-value/offers/{offer_id}/outcomes")
    assert text not in html_of(client, "/social-value/matrix")
