"""A supplier's home at each stage of its organisation's life: new, part-registered, registered,
pledged, with offers (a question to answer, a commitment due) and with interests and awards. Each
stage's page is scanned by axe (wide, and reflowed at 320 px at the last), screenshotted as
/tmp/home-<stage>.png for a person to look at, and the supplier reaches the offer the procurement
unit asked about by keyboard from it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.organisations.models import Organisation
from portal.organisations.rules import LegalForm
from portal.social_value.models import OfferState
from portal.time import utcnow
from tests.browser.helpers import assert_reflows_at_320, heading, screenshot, sign_in, tab_to
from tests.factories import (
    add_award,
    add_interest,
    make_opportunity,
    make_organisation,
    make_staff,
    make_supplier,
)
from tests.social_value.conftest import accepted_offer, add_offer, make_move, pledge

ORGANISATION = "Crewe Window Cleaning"
EMAIL = "wyn@crewe-windows.example"

pytestmark = pytest.mark.browser


def test_the_home_at_each_stage_of_an_organisation_s_life(live_server, fresh_app, checked_page):
    page = checked_page.page
    with fresh_app.app_context():
        organisation_id = make_organisation(ORGANISATION).id
        supplier = make_supplier(
            EMAIL, name="Wyn Window", organisation=db.session.get(Organisation, organisation_id)
        )
        officer = make_staff("olive@example.com")

    def stage(name: str, change=None) -> None:
        if change is not None:
            with fresh_app.app_context():
                change(db.session.get(Organisation, organisation_id))
                db.session.commit()
        page.goto(live_server + "/account")
        expect(heading(page)).to_have_text("Your account")
        checked_page.axe()
        screenshot(page, f"home-{name}")

    sign_in(checked_page, live_server, EMAIL, "/account")
    stage("new")
    expect(page.get_by_text(re.compile(r"^0 of \d+ sections done"))).to_be_visible()

    def part_registered(organisation: Organisation) -> None:
        organisation.legal_name, organisation.legal_form = ORGANISATION, LegalForm.SOLE_TRADER

    stage("part-registered", part_registered)
    expect(page.get_by_text(re.compile(r"^1 of \d+ sections done"))).to_be_visible()

    def registered(organisation: Organisation) -> None:
        organisation.registered_at = utcnow()

    stage("registered", registered)
    expect(page.get_by_role("link", name="Sign the Code of Ethics", exact=True)).to_be_visible()

    stage("pledged", lambda organisation: pledge(organisation.id, supplier.id))
    expect(page.get_by_text("Current: version 1")).to_be_visible()

    def with_offers(organisation: Organisation) -> None:
        asked = add_offer(organisation.id, supplier.id, state=OfferState.SUBMITTED)
        make_move(asked, "pick_up", officer.id)
        make_move(asked, "ask", officer.id, "Which youth club?")
        accepted_offer(organisation.id, supplier.id, officer.id, quantity="12")

    stage("with-offers", with_offers)
    expect(page.get_by_role("heading", name="Questions to answer (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Commitments to deliver (1)")).to_be_visible()

    def with_awards(organisation: Organisation) -> None:
        for n in range(4):
            opportunity = make_opportunity(officer=officer, title=f"Window cleaning, Crewe station {n}")
            add_interest(opportunity.id, organisation.id, supplier.id)
        add_award(opportunity.id, organisation.id, officer.id)

    stage("with-awards", with_awards)
    expect(page.get_by_role("heading", name="Registered interest (4)")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Awarded to {ORGANISATION} (1)")).to_be_visible()
    assert_reflows_at_320(checked_page)
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "home-with-awards-320")
    page.set_viewport_size({"width": 1280, "height": 800})

    everything = page.get_by_role("link", name="See every opportunity you registered interest in (4)")
    everything.click()
    expect(heading(page)).to_have_text("Opportunities you registered interest in")
    checked_page.axe()
    page.go_back()

    question = page.locator("#questions-list").get_by_role("link")
    tab_to(page, question)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Which youth club?").first).to_be_visible()
    checked_page.axe()
