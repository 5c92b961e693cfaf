"""The supplier's home (`/account`): where its organisation stands at each stage of its life, what
waits for it, nothing of another organisation's, in a fixed number of statements; and the full
lists of its interests and awards it links to."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.home.queries import EXPIRY_WARNING
from portal.organisations.models import Accreditation, AccreditationKind, Classification, Organisation
from portal.organisations.rules import LegalForm
from portal.organisations.services import decide_classification
from portal.social_value.models import OfferState
from portal.time import london_today
from portal.voluntary.models import NeedResponse
from tests.conftest import count_queries
from tests.factories import add_award, add_interest, make_opportunity, make_staff, make_supplier, sign_in
from tests.social_value.conftest import accepted_offer, add_offer, make_move, pledge, registered
from tests.voluntary.conftest import add_need

HOME = "/account"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, heading_id: str) -> str:
    """The text from a section's heading to the next heading."""
    start = html.index(f'id="{heading_id}"')
    following = re.search(r"<h[23] ", html[start:])
    return text_of(html[start : start + following.start()] if following else html[start:])


def home_of(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def officer(app, transaction):
    with app.app_context():
        return make_staff("olive@example.com")


def new_member(app, client, *, organisation=None, email="sam@example.com"):
    with app.app_context():
        user = make_supplier(email, organisation=organisation)
    sign_in(client, user.email)
    return user


@pytest.fixture
def member(app, client):
    """A verified member of a registered organisation with a current pledge, signed in."""
    with app.app_context():
        organisation = registered("Winsford Widgets")
        user = make_supplier("mo@example.com", name="Mo Member", organisation=organisation)
        pledge(organisation.id, user.id)
    sign_in(client, user.email)
    return user


def test_a_new_organisation_sees_its_profile_to_do_and_nothing_known_yet(app, client):
    new_member(app, client)
    html = home_of(client)
    profile = section(html, "profile")
    assert re.search(r"0 of \d+ sections done", profile)
    assert "About the organisation Incomplete" in profile and "Cannot start yet" in profile
    classification = section(html, "classification")
    assert "Local supplier Not known" in classification and "(SME) Not known" in classification
    assert "Declared, to be verified" not in classification  # nothing declared yet
    assert "Not signed" in section(html, "pledge") and "once it is registered" in section(html, "pledge")
    for heading in ("questions", "commitments", "interests", "awards", "answers", "accreditations"):
        assert "(0)" in section(html, heading), heading


def test_part_of_the_profile_answered_counts_its_sections_and_says_what_is_declared(app, client):
    user = new_member(app, client)
    with app.app_context():
        organisation = db.session.get(Organisation, user.organisation_id)
        organisation.legal_name, organisation.legal_form = "Widgets Ltd", LegalForm.PRIVATE_LIMITED
        organisation.vcse_declared = False
        db.session.commit()
    html = home_of(client)
    assert re.search(r"\b1 of \d+ sections done", section(html, "profile"))
    assert "About the organisation Completed" in section(html, "profile")
    vcse = section(html, "classification")
    assert "Not a VCSE Declared, to be verified by the procurement unit" in vcse


def test_a_registered_organisation_is_asked_to_sign_the_code(app, client):
    with app.app_context():
        organisation = registered("Crewe Cleaners")
    new_member(app, client, organisation=organisation)
    html = home_of(client)
    assert "Registered on" in section(html, "profile")
    assert "Not signed. Sign the Code of Ethics" in section(html, "pledge")
    assert 'href="/code-of-ethics"' in html


def test_a_pledged_organisation_sees_its_pledge_and_a_verified_classification(app, client, member, officer):
    with app.app_context():
        organisation = db.session.get(Organisation, member.organisation_id)
        decide_classification(
            organisation,
            Classification.VCSE,
            False,
            "Checked the register",
            officer=db.session.merge(officer),
        )
        db.session.commit()
    html = home_of(client)
    assert "Current: version 1, signed on" in section(html, "pledge")
    assert 'href="/code-of-ethics/certificate"' in html
    classification = section(html, "classification")
    assert re.search(r"Not a VCSE Verified by the procurement unit on \d+ \w+ \d{4}", classification)
    assert "(SME) Not known" in classification  # the other two still as the rules say


def test_offers_waiting_and_commitments_due_are_listed_with_where_to_act(app, client, member, officer):
    with app.app_context():
        asked = add_offer(member.organisation_id, member.id, state=OfferState.SUBMITTED)
        make_move(asked, "pick_up", officer.id)
        make_move(asked, "ask", officer.id, "Which youth club?")
        add_offer(member.organisation_id, member.id, state=OfferState.SUBMITTED)  # waits on officers
        overdue = accepted_offer(
            member.organisation_id, member.id, officer.id, due_on=london_today() - timedelta(days=3)
        )
        later = accepted_offer(member.organisation_id, member.id, officer.id, quantity="12.5")
    html = home_of(client)
    questions = section(html, "questions")
    assert "Questions to answer (1)" in questions and "Winsford youth club" in questions
    assert f'href="/social-value/offers/{asked}"' in html
    commitments = section(html, "commitments")
    assert "Commitments to deliver (2)" in commitments
    assert commitments.index("Overdue") < commitments.index("12.5 hours")  # the soonest due first
    assert f'href="/social-value/offers/{overdue}"' in html and f'href="/social-value/offers/{later}"' in html


def test_interests_and_awards_show_a_count_the_newest_few_and_a_link_to_all(app, client, member, officer):
    with app.app_context():
        titles = []
        for n in range(5):
            opportunity = make_opportunity(officer=officer, title=f"Cleaning contract {n}")
            add_interest(opportunity.id, member.organisation_id, member.id)
            titles.append(opportunity.title)
        closed = make_opportunity(officer=officer, title="Grounds maintenance", closes_in=timedelta(days=-2))
        add_award(closed.id, member.organisation_id, officer.id)
        db.session.commit()
    html = home_of(client)
    interests = section(html, "interests")
    assert "Registered interest (5)" in interests
    assert [title in interests for title in titles] == [False, False, True, True, True]  # newest 3
    assert "See every opportunity you registered interest in (5)" in interests
    awards = section(html, "awards")
    assert "Awarded to Winsford Widgets (1)" in awards and "Grounds maintenance" in awards
    assert "See every award" not in awards  # all of them are shown already


def test_accreditations_expiring_within_60_days_and_answers_to_needs(app, client, member):
    today = london_today()
    with app.app_context():
        for days, number in ((-1, "GONE-1"), (30, "SOON-2"), (EXPIRY_WARNING.days + 1, "LATER-3")):
            db.session.add(
                Accreditation(
                    organisation_id=member.organisation_id,
                    kind=AccreditationKind.ISO_14001,
                    certificate_number=number,
                    expires_on=today + timedelta(days=days),
                )
            )
        need = add_need(member.id, title="Volunteers for the Northwich food bank")
        db.session.add(
            NeedResponse(
                need_id=need, organisation_id=member.organisation_id, user_id=member.id, message="Yes"
            )
        )
        db.session.commit()
    html = home_of(client)
    accreditations = section(html, "accreditations")
    assert "Accreditations expiring within 60 days (2)" in accreditations
    assert "expired on" in accreditations and "expires on" in accreditations
    answers = section(html, "answers")
    assert (
        "(1)" in answers
        and "Northwich food bank" in answers
        and f'href="/voluntary-sector/needs/{need}"' in html
    )


def test_nothing_of_another_organisation_shows(app, client, member, officer):
    with app.app_context():
        other = registered("Bunbury Bolts")
        rival = make_supplier("rival@example.com", organisation=other)
        add_offer(other.id, rival.id, state=OfferState.SUBMITTED, description="Bunbury secret offer")
        accepted_offer(other.id, rival.id, officer.id, description="Bunbury commitment")
        opportunity = make_opportunity(officer=officer, title="Bunbury's interest")
        add_interest(opportunity.id, other.id, rival.id)
        add_award(opportunity.id, other.id, officer.id)
        db.session.commit()
    html = home_of(client)
    assert "Bunbury" not in html
    for heading in ("questions", "commitments", "interests", "awards"):
        assert "(0)" in section(html, heading)
    for url in ("/opportunities/interests", "/opportunities/awards"):
        assert "Bunbury" not in client.get(url).get_data(as_text=True)


def fill(app, member, officer, count: int) -> None:
    """`count` of every kind of record the home shows."""
    with app.app_context():
        for n in range(count):
            offer = add_offer(member.organisation_id, member.id, state=OfferState.SUBMITTED)
            make_move(offer, "pick_up", officer.id)
            make_move(offer, "ask", officer.id, "Which club?")
            accepted_offer(member.organisation_id, member.id, officer.id)
            opportunity = make_opportunity(officer=officer)
            add_interest(opportunity.id, member.organisation_id, member.id)
            add_award(opportunity.id, member.organisation_id, officer.id)
            need = add_need(member.id, title=f"Need {n}")
            db.session.add(
                NeedResponse(
                    need_id=need, organisation_id=member.organisation_id, user_id=member.id, message="Yes"
                )
            )
            db.session.add(
                Accreditation(
                    organisation_id=member.organisation_id,
                    kind=AccreditationKind.EMAS,
                    certificate_number=f"EMAS-{n}",
                    expires_on=london_today() + timedelta(days=n),
                )
            )
        db.session.commit()


# The account with its organisation; then the profile's collections with the classification
# decisions, the Code's versions and the pledge, and the sections' lists, together.
HOME_STATEMENTS = 2


def test_the_home_runs_the_same_few_statements_for_1_or_8_of_everything(app, client, member, officer):
    fill(app, member, officer, 1)
    home_of(client)
    with count_queries(app) as one:
        home_of(client)
    fill(app, member, officer, 7)
    with count_queries(app) as eight:
        html = home_of(client)
    assert "Questions to answer (8)" in html and "Registered interest (8)" in html
    assert len(eight) == len(one) == HOME_STATEMENTS, eight


def test_the_lists_of_interests_and_awards_are_paginated_newest_first(app, client, member, officer):
    with app.app_context():
        for n in range(27):
            opportunity = make_opportunity(
                officer=officer, title=f"Contract {n:02d}", closes_in=timedelta(days=n - 5)
            )
            add_interest(opportunity.id, member.organisation_id, member.id)
            add_award(opportunity.id, member.organisation_id, officer.id)
        db.session.commit()
    for url in ("/opportunities/interests", "/opportunities/awards"):
        first = client.get(url).get_data(as_text=True)
        assert "Contract 26" in first and "Contract 02" in first and "Contract 01" not in first
        older = re.search(r'href="([^"]+before=\d+)" rel="next"', first).group(1).replace("&amp;", "&")
        second = client.get(older).get_data(as_text=True)
        assert "Contract 01" in second and "Contract 00" in second and "Contract 26" not in second
    interests = text_of(client.get("/opportunities/interests").get_data(as_text=True))
    assert "Closed" in text_of(second) or "Closed" in interests


def test_the_lists_say_so_when_empty_and_refuse_staff(app, client, member, officer):
    assert "has not registered interest" in client.get("/opportunities/interests").get_data(as_text=True)
    assert "Nothing has been awarded" in client.get("/opportunities/awards").get_data(as_text=True)
    staff = app.test_client()
    sign_in(staff, officer.email)
    assert staff.get("/opportunities/interests").status_code == 403


def test_staff_and_unverified_accounts_get_their_own_page(app, client, officer):
    with app.app_context():
        unverified = make_supplier("new@example.com", verified=False)
    sign_in(client, unverified.email)
    html = home_of(client)
    assert "Confirm your email address" in html and 'id="classification"' not in html
    staff = app.test_client()
    sign_in(staff, officer.email)
    staff_html = home_of(staff)
    assert "Go to the officer workspace" in staff_html and 'id="classification"' not in staff_html
