"""The voluntary-sector directory and needs board, end to end: a visitor finds the body for their
postcode and opens its page; a member of a registered charity signs in and asks for help (first
with the end date before the start date); an officer, in a browser of their own, approves the
need; a supplier, in a third browser, finds it on the board and offers help by keyboard alone,
sees the offer under "Your answers", offers more and is asked to confirm sending another answer
before it is sent; the outbox worker then delivers the emails, read back from the SMTP server: the
procurement inbox's "awaits approval", and the poster's "approved" and both "answered".

Every page each browser loads is scanned by axe, and none logs a console error. Screenshots of the
directory with a postcode result, an entry's page, the needs board, a need's page with the offer
form, the same page with the supplier's answers and the confirmation asked, and the officer's
approval page are saved as /tmp/voluntary-*.png for a person to look at.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from portal.extensions import db
from portal.organisations.rules import LegalForm
from portal.time import london_today, utcnow
from tests.browser.helpers import (
    body,
    deliver,
    fill_date,
    heading,
    screenshot,
    sign_in,
    success_banner,
    summary_value,
    tab_to,
)
from tests.factories import make_organisation, make_staff, make_supplier

BASE_URL = "http://portal.test"
PROCUREMENT_INBOX = "procurement@example.org"
CHARITY = "Winsford Youth Trust"
POSTER_EMAIL = "vera.volunteer@winsford-youth.example"
POSTER = "Vera Volunteer"
OFFICER_EMAIL = "olive.officer@example.com"
SECOND_OFFICER_EMAIL = "owen.officer@example.com"
SUPPLIER = "Bollin Valley Joinery"
SUPPLIER_EMAIL = "sam.supplier@bollin-valley.example"
BODY = "Cheshire West Voluntary Action"
TITLE = "Mentors for a youth project in Winsford"
DESCRIPTION = "Two mentors, an hour a week, for young people leaving care."
OFFER = "We can offer 40 volunteer hours in March, and two mentors from our workshop."
SECOND_OFFER = "We can also lend our minibus for the trips in April."
CONFIRM = "Confirm you want to send another answer to this need"


# --- the officer's and the supplier's browsers -----------------------------------------------


# --- helpers ---------------------------------------------------------------------------------


# --- the journey -----------------------------------------------------------------------------


def test_visitor_finds_a_body_member_asks_officer_approves_supplier_offers_and_emails_go_out(
    live_server, fresh_app, smtp_server, checked_page, page, axe, other_browsers
):
    with fresh_app.app_context():
        charity = make_organisation(CHARITY)
        charity.legal_form = LegalForm.CHARITY
        charity.charity_number = "1123456"
        charity.registered_at = utcnow()
        company = make_organisation(SUPPLIER)
        company.legal_form = LegalForm.PRIVATE_LIMITED
        company.vcse_declared = False
        company.registered_at = utcnow()
        db.session.commit()
        make_supplier(POSTER_EMAIL, name=POSTER, organisation=charity)
        make_supplier(SUPPLIER_EMAIL, name="Sam Supplier", organisation=company)
        make_staff(OFFICER_EMAIL, name="Olive Officer")
        make_staff(SECOND_OFFICER_EMAIL, name="Owen Officer")
        db.session.remove()
    today = london_today()
    starts, ends = today + timedelta(days=7), today + timedelta(days=60)

    # 1. A visitor finds the body for their postcode, from the start page.
    page.goto(live_server + "/")
    axe()
    page.get_by_role("link", name="voluntary-sector partners").click()
    expect(heading(page)).to_have_text("Voluntary-sector directory")
    expect(page.locator(".portal-result")).to_have_count(4)
    axe()
    page.get_by_label("Postcode", exact=True).fill("cw7 2ua")
    page.get_by_role("button", name="Find").click()
    result = page.locator("#postcode-result")
    expect(result).to_contain_text("CW7 2UA is in Cheshire West and Chester")
    expect(result.get_by_role("link")).to_have_count(1)
    expect(result.get_by_role("link", name=BODY)).to_be_visible()
    expect(page.get_by_label("Postcode", exact=True)).to_have_value("cw7 2ua")
    axe()
    screenshot(page, "voluntary-directory-postcode")

    # A postcode that could be in two authorities shows both bodies; one outside says so.
    page.get_by_label("Postcode", exact=True).fill("CW4 7AA")
    page.get_by_role("button", name="Find").click()
    expect(result).to_contain_text("It could be in Cheshire East or Cheshire West and Chester")
    expect(result.get_by_role("link")).to_have_count(2)
    axe()
    page.get_by_label("Postcode", exact=True).fill("M1 1AA")
    page.get_by_role("button", name="Find").click()
    expect(result).to_contain_text("That postcode is outside the force area")
    expect(result.get_by_role("link")).to_have_count(0)
    axe()
    page.get_by_label("Postcode", exact=True).fill("CW7 2UA")
    page.get_by_role("button", name="Find").click()
    expect(result).to_contain_text("CW7 2UA is in Cheshire West and Chester")
    axe()
    result.get_by_role("link", name=BODY).click()
    expect(heading(page)).to_have_text(BODY)
    expect(summary_value(page, "Areas served")).to_have_text("Cheshire West and Chester")
    expect(summary_value(page, "Phone").get_by_role("link", name="01244 401 272")).to_have_attribute(
        "href", "tel:+441244401272"
    )
    expect(summary_value(page, "Email").get_by_role("link")).to_have_attribute(
        "href", "mailto:info@volunteerwestcheshire.org.uk"
    )
    expect(page.get_by_text("not yet checked by the procurement unit", exact=False)).to_be_visible()
    axe()
    screenshot(page, "voluntary-entry")

    # 2. The charity's member signs in and asks for help.
    sign_in(checked_page, live_server, POSTER_EMAIL, "/account")
    page.goto(live_server + "/voluntary-sector/needs")
    expect(heading(page)).to_have_text("Needs board")
    expect(page.get_by_text("No open needs match your search.")).to_be_visible()
    axe()
    page.get_by_role("button", name="Ask for help").click()  # a link styled as a button
    expect(heading(page)).to_have_text("Ask for help")
    expect(page.locator(".govuk-caption-l")).to_have_text(CHARITY)
    expect(page.get_by_label("Contact name", exact=True)).to_have_value(POSTER)
    expect(page.get_by_label("Contact email address", exact=True)).to_have_value(POSTER_EMAIL)
    axe()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("What help you need", exact=True).fill(DESCRIPTION)
    page.get_by_label("Mentoring", exact=True).check()
    page.get_by_label("Area", exact=True).select_option(label="Cheshire West and Chester")
    fill_date(page, "From", starts)
    fill_date(page, "Until", starts - timedelta(days=1))  # before the start: refused
    page.get_by_label("Contact phone number (optional)", exact=True).fill("01606 123 456")
    page.get_by_role("button", name="Send for approval").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Ask for help"))
    expect(
        summary.get_by_role("link", name="The end date must be the same as or after the start date")
    ).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)  # the rest is kept
    expect(page.get_by_label("Mentoring", exact=True)).to_be_checked()
    axe()
    fill_date(page, "Until", ends)
    page.get_by_role("button", name="Send for approval").click()
    expect(heading(page)).to_have_text("Your organisation's needs")
    expect(
        success_banner(page, "Your need has been sent to the procurement unit to approve.")
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Waiting for approval")
    axe()

    # 3. An officer, in a browser of their own, approves it.
    officer = other_browsers()
    sign_in(officer, live_server, OFFICER_EMAIL, "/officer/")
    officer.page.get_by_role("link", name="Needs board").click()
    expect(heading(officer.page)).to_have_text("Needs board: approvals")
    officer.axe()
    officer.page.get_by_role("link", name=TITLE).click()
    expect(heading(officer.page)).to_have_text(TITLE)
    expect(summary_value(officer.page, "From")).to_have_text(CHARITY)
    expect(officer.page.get_by_text(f"Posted by {POSTER} ({POSTER_EMAIL})")).to_be_visible()
    officer.axe()
    screenshot(officer.page, "voluntary-officer-approval")
    officer.page.get_by_role("button", name="Save decision").click()  # nothing chosen yet
    expect(officer.page.locator(".govuk-error-summary")).to_be_focused()
    expect(officer.page.locator(".govuk-error-summary")).to_contain_text(
        "Select whether to approve or decline the need"
    )
    officer.axe()
    # A second officer opens the same need before the first decides.
    second = other_browsers()
    sign_in(second, live_server, SECOND_OFFICER_EMAIL, "/officer/")
    second.page.goto(officer.page.url)
    second.axe()
    officer.page.get_by_label("Approve and publish it", exact=True).check()
    officer.page.get_by_role("button", name="Save decision").click()
    expect(heading(officer.page)).to_have_text("Needs board: approvals")
    expect(
        success_banner(officer.page, f"“{TITLE}” is published; {POSTER} has been emailed.")
    ).to_be_visible()
    expect(officer.page.get_by_text("No needs are in this state.")).to_be_visible()
    officer.axe()
    # The second officer's decision, made on the page read before, is refused on the form, with
    # the reason they typed kept.
    second.page.get_by_label("Decline it", exact=True).check()
    second.page.get_by_label("Reason", exact=False).first.fill("Please say which project it is for.")
    second.page.get_by_role("button", name="Save decision").click()
    expect(second.page.locator(".govuk-error-summary")).to_be_focused()
    expect(second.page.locator(".govuk-error-summary")).to_contain_text(
        "This need has changed since you opened the page: see where it is now"
    )
    expect(second.page.get_by_label("Reason", exact=False).first).to_have_value(
        "Please say which project it is for."
    )
    second.axe()

    # 4. A supplier, in a third browser, finds it on the board and offers help by keyboard alone.
    supplier = other_browsers()
    sign_in(supplier, live_server, SUPPLIER_EMAIL, "/account")
    supplier.page.goto(live_server + "/voluntary-sector/needs")
    expect(heading(supplier.page)).to_have_text("Needs board")
    expect(supplier.page.get_by_role("button", name="Ask for help")).to_have_count(0)  # not a VCSE
    supplier.axe()
    supplier.page.get_by_label("Kind of help", exact=True).select_option(label="Mentoring")
    supplier.page.get_by_label("Area", exact=True).select_option(label="Cheshire West and Chester")
    supplier.page.get_by_label("Keyword", exact=True).fill("youth")
    supplier.page.get_by_role("button", name="Search").click()
    expect(supplier.page.get_by_role("link", name=TITLE)).to_be_visible()
    expect(supplier.page.get_by_text(f"From {CHARITY}")).to_be_visible()
    supplier.axe()
    screenshot(supplier.page, "voluntary-needs-board")
    supplier.page.get_by_role("link", name=TITLE).click()
    expect(heading(supplier.page)).to_have_text(TITLE)
    expect(supplier.page.get_by_text(DESCRIPTION)).to_be_visible()
    expect(summary_value(supplier.page, "Kind of help")).to_have_text("Mentoring")
    expect(
        summary_value(supplier.page, "Contact").get_by_role("link", name="01606 123 456")
    ).to_have_attribute("href", "tel:+441606123456")
    offer_box = supplier.page.get_by_label("What your organisation can offer", exact=True)
    expect(offer_box).to_be_visible()
    supplier.axe()
    screenshot(supplier.page, "voluntary-need-response-form")

    tab_to(supplier.page, offer_box)
    supplier.page.keyboard.type(OFFER)
    supplier.page.keyboard.press("Tab")
    send = supplier.page.get_by_role("button", name="Send your offer")
    expect(send).to_be_focused()
    supplier.page.keyboard.press("Enter")
    expect(
        success_banner(supplier.page, f"Your offer has been sent to {POSTER}, who will contact you.")
    ).to_be_visible()
    expect(heading(supplier.page)).to_have_text(TITLE)
    your_answers = supplier.page.locator("#your-answers").get_by_role("listitem")
    expect(supplier.page.get_by_role("heading", name="Your answers")).to_be_visible()
    expect(your_answers).to_have_count(1)
    expect(your_answers.first).to_contain_text("Sent by Sam Supplier on ")
    expect(your_answers.first).to_contain_text(OFFER)
    expect(offer_box).to_have_value("")
    supplier.axe()

    # A second answer is sent only once the supplier confirms it, with what they typed kept.
    offer_box.fill(SECOND_OFFER)
    supplier.page.get_by_role("button", name="Send your offer").click()
    summary = supplier.page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(supplier.page).to_have_title(re.compile(rf"^Error: {re.escape(TITLE)}"))
    expect(offer_box).to_have_value(SECOND_OFFER)
    expect(your_answers).to_have_count(1)
    supplier.axe()
    screenshot(supplier.page, "voluntary-need-your-answers")
    summary.get_by_role("link", name=CONFIRM).click()
    confirm = supplier.page.get_by_label("Send another answer as well as the one above", exact=True)
    expect(confirm).to_be_focused()
    supplier.page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    supplier.page.get_by_role("button", name="Send your offer").click()
    expect(
        success_banner(supplier.page, f"Your offer has been sent to {POSTER}, who will contact you.")
    ).to_be_visible()
    expect(your_answers).to_have_count(2)
    expect(your_answers.first).to_contain_text(SECOND_OFFER)
    expect(your_answers.last).to_contain_text(OFFER)
    expect(
        supplier.page.get_by_label("Send another answer as well as the ones above", exact=True)
    ).not_to_be_checked()
    supplier.axe()

    # The poster sees the offers kept with the need.
    page.goto(live_server + "/voluntary-sector/needs/mine")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Published")
    axe()
    row.get_by_role("link", name=TITLE).click()
    offers = page.get_by_role("table", name="Offers from suppliers")
    expect(offers).to_contain_text(SUPPLIER)
    expect(offers).to_contain_text(OFFER)
    expect(offers).to_contain_text(SECOND_OFFER)
    expect(offers.get_by_role("row").filter(has_text=SUPPLIER)).to_have_count(2)
    for link in offers.get_by_role("link", name=SUPPLIER_EMAIL).all():
        expect(link).to_have_attribute("href", f"mailto:{SUPPLIER_EMAIL}")
    axe()

    # 5. The emails, delivered by the outbox worker and read from the SMTP server.
    deliver(fresh_app)
    [awaiting] = smtp_server.to(PROCUREMENT_INBOX)
    assert awaiting["Subject"] == f"A need awaits approval: {TITLE}"
    assert f"From: {CHARITY}" in body(awaiting)
    assert re.search(rf"Approve or decline it: {re.escape(BASE_URL)}/officer/needs/\d+", body(awaiting))
    to_poster = smtp_server.to(POSTER_EMAIL)
    [approved] = [m for m in to_poster if m["Subject"] == f"Your need has been approved: {TITLE}"]
    assert f"until {ends.day} {ends:%B %Y}" in body(approved)
    answered = [m for m in to_poster if m["Subject"] == f"{SUPPLIER} answered your need: {TITLE}"]
    assert len(to_poster) == 3 and len(answered) == 2, [m["Subject"] for m in to_poster]
    for offer in (OFFER, SECOND_OFFER):
        [message] = [m for m in answered if offer in body(m)]
        assert offer in message.get_body(("html",)).get_content()
        assert f"Contact Sam Supplier at {SUPPLIER_EMAIL}." in body(message)
    assert not smtp_server.to(SUPPLIER_EMAIL) and not smtp_server.to(OFFICER_EMAIL)

    for checked in (checked_page, officer, supplier):
        assert not checked.real_console_errors(), f"console errors: {checked.real_console_errors()}"
        assert not checked.unscanned(), f"pages loaded but never scanned by axe: {checked.unscanned()}"
