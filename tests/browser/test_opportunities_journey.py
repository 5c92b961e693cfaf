"""Opportunities, end to end: an SME's member chooses the categories their organisation is
alerted about; an officer, in a browser of their own, creates an opportunity through the form,
adds a lot and publishes it; the outbox worker delivers the alert, read back from the SMTP server;
the member finds the opportunity on /opportunities by a keyword and two filters, opens it and
registers interest by keyboard alone; the officer sees the interest with the SME's local, SME and
VCSE status.

Every page each browser loads is scanned by axe, and none logs a console error. Screenshots of
the list with its filters, the opportunity's page and the officer's page with the interest are
saved as /tmp/opportunities-*.png for a person to look at.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect

from portal.extensions import db
from portal.organisations.models import LocalStatus
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
from tests.factories import make_opportunity, make_organisation, make_staff, make_supplier
from tests.social_value.conftest import pledge

BASE_URL = "http://portal.test"
OFFICER_EMAIL = "olive.officer@example.com"
SME = "Bollin Valley Cleaning"
MEMBER_EMAIL = "rhiannon.jones@bollin-valley.example"
MEMBER = "Rhiannon Jones"
CLEANING = "Sewage, refuse, cleaning and environmental services (90000000-7)"
TITLE = "Cleaning of Winsford police station"
REFERENCE = "CC-2026-141"
SUMMARY = "Daily cleaning of the offices, cells and yard at Winsford police station."
LOT = "Deep cleaning of the custody suite"


def test_officer_publishes_an_sme_is_alerted_finds_it_by_filters_and_registers_interest(
    live_server, fresh_app, smtp_server, checked_page, page, axe, other_browsers
):
    with fresh_app.app_context():
        company = make_organisation(SME)
        company.legal_form = LegalForm.PRIVATE_LIMITED
        company.vcse_declared = False
        company.staff_headcount = 14
        company.turnover = Decimal("1200000")
        company.balance_sheet_total = Decimal("400000")
        company.financial_year_end = london_today() - timedelta(days=90)
        company.local_status = LocalStatus.LOCAL
        company.local_explanation = "Local: the registered address is in the force area."
        company.registered_at = utcnow()
        db.session.commit()
        member = make_supplier(MEMBER_EMAIL, name=MEMBER, organisation=company)
        pledge(company.id, member.id)
        officer = make_staff(OFFICER_EMAIL, name="Olive Officer")
        # Two more opportunities about cleaning that the filters leave out: one not marked as
        # suited to SMEs, one in another category.
        make_opportunity(officer=officer, title="Cleaning of vehicle workshops", suitable_sme=False)
        make_opportunity(
            officer=officer, title="Canteen cleaning and catering", cpv_division="55", suitable_sme=True
        )
        db.session.commit()
        db.session.remove()
    closes = london_today() + timedelta(days=21)

    # 1. The SME's member chooses the categories their organisation is alerted about.
    sign_in(checked_page, live_server, MEMBER_EMAIL, "/account")
    page.goto(live_server + "/opportunities")
    expect(heading(page)).to_have_text("Opportunities")
    axe()
    page.get_by_role("link", name="Choose the categories your organisation is emailed about").click()
    expect(heading(page)).to_have_text("Opportunity alerts")
    axe()
    page.get_by_label(CLEANING, exact=True).check()
    page.get_by_role("button", name="Save alert categories").click()
    expect(success_banner(page, "Alert categories saved")).to_be_visible()
    expect(page.get_by_label(CLEANING, exact=True)).to_be_checked()
    axe()

    # 2. An officer, in a browser of their own, creates the opportunity with a lot and publishes it.
    officer = other_browsers()
    sign_in(officer, live_server, OFFICER_EMAIL, "/officer/")
    officer.page.get_by_role("link", name="Opportunities", exact=True).click()
    expect(heading(officer.page)).to_have_text("Opportunities")
    officer.axe()
    officer.page.get_by_role("link", name="Create an opportunity").click()
    expect(heading(officer.page)).to_have_text("Create an opportunity")
    officer.axe()
    form = officer.page
    form.get_by_label("Title", exact=True).fill(TITLE)
    form.get_by_label("Reference", exact=True).fill(REFERENCE)
    form.get_by_label("Summary", exact=True).fill(SUMMARY)
    form.get_by_label("Category", exact=True).select_option(label=CLEANING)
    form.get_by_label("Estimated value, excluding VAT", exact=True).fill("180000")
    form.get_by_label("20% (standard rate)", exact=True).check()
    form.get_by_label("Tender (advertised)", exact=True).check()
    fill_date(form, "Closing date", closes)
    form.get_by_label("Closing time (UK time)", exact=True).fill("12:00")
    form.get_by_label("Notice where bids are made (optional)", exact=True).fill(
        "https://www.find-tender.service.gov.uk/Notice/041141-2026"
    )
    form.get_by_label("Small and medium-sized enterprises (SMEs)", exact=True).check()
    form.get_by_label("On this portal, as a social value offer for this opportunity", exact=True).check()
    form.get_by_role("button", name="Save").click()
    expect(heading(officer.page)).to_have_text(TITLE)
    expect(success_banner(officer.page, f"“{TITLE}” is saved.")).to_be_visible()
    expect(officer.page.get_by_text("Only officers can see it.")).to_be_visible()
    officer.axe()

    officer.page.get_by_role("link", name="Add a lot").click()
    expect(heading(officer.page)).to_have_text("Add a lot")
    officer.axe()
    officer.page.get_by_label("Lot title", exact=True).fill(LOT)
    officer.page.get_by_label("Lot value, excluding VAT", exact=True).fill("30000")
    officer.page.get_by_role("button", name="Add lot").click()
    expect(success_banner(officer.page, f"Lot 1, “{LOT}”, is added.")).to_be_visible()
    expect(officer.page.get_by_role("table", name="Lots")).to_contain_text(LOT)
    officer.axe()

    officer.page.get_by_role("button", name="Publish").click()
    expect(success_banner(officer.page, f"“{TITLE}” is published")).to_be_visible()
    expect(officer.page.get_by_text("No organisation has registered interest yet.")).to_be_visible()
    officer.axe()
    opportunity_path = path_of(officer.page.get_by_role("link", name="The opportunity as the public sees it"))

    # 3. The alert, delivered by the outbox worker and read from the SMTP server.
    deliver(fresh_app)
    [alert] = [m for m in smtp_server.to(MEMBER_EMAIL) if m["Subject"].startswith("New opportunity")]
    assert alert["Subject"] == f"New opportunity: {TITLE}"
    text = body(alert)
    assert f"Dear {MEMBER}," in text
    assert f"{TITLE} ({REFERENCE})" in text
    assert "Estimated value: GBP 180,000 excluding VAT" in text
    assert f"Read it and register your interest: {BASE_URL}{opportunity_path}\n" in text
    assert re.search(
        rf"Stop these emails to you: {re.escape(BASE_URL)}/opportunities/alerts/unsubscribe/\S+", text
    )
    assert not [m for m in smtp_server.to(OFFICER_EMAIL) if m["Subject"].startswith("New opportunity")]

    # 4. The member finds it by a keyword and two filters, and opens it.
    page.goto(live_server + "/opportunities")
    expect(page.locator(".portal-result")).to_have_count(3)  # all three are about cleaning
    axe()
    page.get_by_label("Keywords", exact=True).fill("cleaning")
    page.get_by_label("Category", exact=True).select_option(label=CLEANING)
    page.get_by_label("Suitable for", exact=True).select_option(label="SMEs")
    page.get_by_role("button", name="Filter").click()
    results = page.locator(".portal-result")
    expect(results).to_have_count(1)
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    expect(results).to_contain_text("Suitable for SMEs")
    expect(page.get_by_label("Keywords", exact=True)).to_have_value("cleaning")
    axe()
    screenshot(page, "opportunities-list-filtered")
    results.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(live_server + opportunity_path)
    expect(heading(page)).to_have_text(TITLE)
    expect(summary_value(page, "Reference")).to_have_text(REFERENCE)
    expect(page.get_by_role("table", name="Lots")).to_contain_text(LOT)
    expect(page.get_by_text("Social value applies: an advertised tender worth GBP 180,000")).to_be_visible()
    axe()
    screenshot(page, "opportunities-opportunity")

    # 5. ... and registers interest by keyboard alone.
    register = page.get_by_role("button", name="Register interest")
    tab_to(page, register)
    page.keyboard.press("Enter")
    expect(
        success_banner(page, "Your organisation's interest is registered: the procurement unit can see it.")
    ).to_be_visible()
    expect(page.get_by_text("Your organisation registered its interest on")).to_be_visible()
    expect(page.get_by_role("button", name="Register interest")).to_have_count(0)
    axe()

    # 6. The officer sees the interest with the SME's status.
    officer.page.reload()
    interested = officer.page.get_by_role("table", name="Organisations interested, newest first")
    row = interested.get_by_role("row").filter(has_text=SME)
    expect(row).to_contain_text("Local; SME; Not a VCSE")
    expect(row).to_contain_text(f"by {MEMBER}")
    officer.axe()
    screenshot(officer.page, "opportunities-officer-interest")

    for checked in (checked_page, officer):
        assert not checked.real_console_errors(), f"console errors: {checked.real_console_errors()}"
        assert not checked.unscanned(), f"pages loaded but never scanned by axe: {checked.unscanned()}"


def path_of(link) -> str:
    """The path a link points at."""
    href = link.get_attribute("href")
    assert href and href.startswith("/opportunities/"), href
    return href
