"""Opportunities, end to end: an SME's member chooses the categories their organisation is
alerted about; an officer, in a browser of their own, creates an opportunity through the form,
adds a lot and publishes it; the outbox worker delivers the alert, read back from the SMTP server;
the member finds the opportunity on /opportunities by a keyword and two filters, opens it and
registers interest by keyboard alone; the officer sees the interest with the SME's local, SME and
VCSE status.

The member then responds with a social value offer for the opportunity, from its page, through the
offer's steps to "Submit the offer", which seals it: the officer's page says only that responses
are sealed, the response's page is not found, and the procurement inbox's email names neither the
SME nor its offer. The closing time passes (the opportunity's closing time is moved into the past
in the live server's database, as the responses' own tests do). The officer is refused the score
form until they declare no conflict of interest, reads the offer, scores the response 85 out of
100 with a comment (weighted 8.5 at the default 10%) and records the award of the lot to the SME.
The award email, read from the SMTP server, carries the feedback and a link to the offer, whose
page shows the score and comment and the commitment, with "Report delivery".

Every page each browser loads is scanned by axe, and none logs a console error. Screenshots of
the list with its filters, the opportunity's page, the officer's page with the interest, the
response being scored, the award and the SME's offer with its feedback are saved as
/tmp/opportunities-*.png for a person to look at.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import Locator, Page, expect

from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.organisations.models import LocalStatus
from portal.organisations.rules import LegalForm
from portal.time import london_today, utcnow
from tests.browser.conftest import CheckedPage
from tests.browser.helpers import (
    body,
    deliver,
    error_summary,
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
HOURS = "Staff time volunteered with community organisations and projects in Cheshire"
DESCRIPTION = "Two of our cleaners mentor young people at the Winsford youth club: one evening a week."
COMMENT = "A clear, local offer; it would be stronger with a named youth club and dates."
NO_CONFLICT = "I have no conflict of interest with this organisation"


def test_officer_publishes_an_sme_finds_it_registers_interest_responds_and_is_awarded_with_feedback(
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
        company_id = company.id
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
    due = london_today() + timedelta(days=120)

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
    officer.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
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
    assert "Estimated value: £180,000 excluding VAT" in text
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
    expect(page.get_by_text("Social value applies: an advertised tender worth £180,000")).to_be_visible()
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

    # 7. The member responds with a social value offer for the opportunity, from its page; the
    # offer is sealed when submitted.
    offer_path = respond_with_an_offer(checked_page, due)
    expect(page.get_by_role("button", name="Withdraw the offer")).to_be_visible()  # until closing

    # 8. Sealed: the officer's page says so and lists no response, the response's page is not
    # found, and the procurement inbox is told only that a response arrived.
    officer.page.reload()
    expect(
        officer.page.get_by_text("Responses made on the portal are sealed until the closing time")
    ).to_be_visible()
    expect(officer.page.get_by_role("table", name="Social value responses")).to_have_count(0)
    expect(officer.page.get_by_role("link", name="Record the award")).to_have_count(0)
    expect(officer.page.get_by_role("link", name="Change the opportunity")).to_be_visible()  # while open
    expect(officer.page.get_by_role("button", name=f"Remove lot 1, {LOT}")).to_be_visible()
    officer.axe()
    opportunity_id = int(opportunity_path.rsplit("/", 1)[1])
    response_path = f"/officer/opportunities/{opportunity_id}/responses/{company_id}"
    sealed = officer.page.goto(live_server + response_path)
    assert sealed is not None and sealed.status == 404
    expect(heading(officer.page)).to_have_text("Page not found")
    officer.axe()
    deliver(fresh_app)
    inbox = fresh_app.config["PROCUREMENT_INBOX"]
    [arrived] = [
        m for m in smtp_server.to(inbox) if m["Subject"].startswith("A sealed social value response")
    ]
    assert arrived["Subject"] == f"A sealed social value response arrived: {REFERENCE}"
    text = body(arrived)
    assert f"{TITLE} ({REFERENCE})" in text
    assert SME not in text and MEMBER not in text and "mentor" not in text

    # 9. The closing time passes.
    pass_the_closing_time(fresh_app, opportunity_id)

    # 10. The officer declares no conflict of interest (refused the score form until then), reads
    # the offer and scores the response.
    officer.page.goto(live_server + f"/officer/opportunities/{opportunity_id}")
    expect(officer.page.get_by_role("main").locator(".govuk-tag").first).to_have_text("Closed")
    # Past its closing time it can no longer be changed (a new closing date would reopen it to
    # responses after the sealed ones have been read), nor its lots.
    expect(officer.page.get_by_role("link", name="Change the opportunity")).to_have_count(0)
    expect(officer.page.get_by_role("link", name="Add a lot")).to_have_count(0)
    expect(officer.page.get_by_role("button", name=f"Remove lot 1, {LOT}")).to_have_count(0)
    row = (
        officer.page.get_by_role("table", name="Social value responses")
        .get_by_role("row")
        .filter(has_text=SME)
    )
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")  # one offer
    expect(row.get_by_role("cell").nth(2)).to_have_text("Not scored")
    officer.axe()
    # Chromium names the link with a space before the visually hidden words.
    row.get_by_role("link", name=re.compile(rf"^{re.escape(SME)} ?: score the response$")).click()
    expect(officer.page).to_have_url(live_server + response_path)
    expect(heading(officer.page)).to_have_text(f"{SME}'s social value response")
    expect(officer.page.get_by_text(DESCRIPTION)).to_have_count(0)  # unread until the declaration
    expect(officer.page.get_by_label("Score, out of 100", exact=True)).to_have_count(0)
    officer.axe()
    officer.page.get_by_role("button", name="Record my declaration").click()  # the box unticked
    expect(error_summary(officer.page)).to_contain_text(
        "Confirm you have no conflict of interest with the organisation"
    )
    expect(officer.page.get_by_text(DESCRIPTION)).to_have_count(0)
    expect(officer.page.get_by_label("Score, out of 100", exact=True)).to_have_count(0)
    officer.axe()
    officer.page.get_by_label(NO_CONFLICT, exact=True).check()
    officer.page.get_by_role("button", name="Record my declaration").click()
    expect(
        success_banner(officer.page, f"Your declaration is recorded: you can score {SME}'s response.")
    ).to_be_visible()
    expect(
        officer.page.get_by_text("1 offer, scored together. Social value carries 10% of the total score.")
    ).to_be_visible()
    expect(summary_value(officer.page, "Description")).to_have_text(DESCRIPTION)
    expect(summary_value(officer.page, "How much")).to_have_text(f"40 hours: {HOURS}")
    officer.axe()
    officer.page.get_by_label("Score, out of 100", exact=True).fill("85")
    officer.page.get_by_label("Comment (the organisation sees it as feedback)", exact=True).fill(COMMENT)
    screenshot(officer.page, "opportunities-officer-score")
    officer.page.get_by_role("button", name="Save the score").click()
    expect(success_banner(officer.page, f"{SME}'s response is scored.")).to_be_visible()
    expect(heading(officer.page)).to_have_text(TITLE)
    row = (
        officer.page.get_by_role("table", name="Social value responses")
        .get_by_role("row")
        .filter(has_text=SME)
    )
    expect(row.get_by_role("cell").nth(2)).to_have_text("85")
    expect(row.get_by_role("cell").nth(3)).to_have_text("8.5")  # 85 x 10%
    officer.axe()

    # 11. The officer records the award of the lot to the SME.
    officer.page.get_by_role("link", name="Record the award").click()
    expect(heading(officer.page)).to_have_text("Record the award")
    officer.axe()
    lot = officer.page.get_by_role("group", name=f"Lot 1: {LOT}", exact=True)
    expect(lot.get_by_role("checkbox")).to_have_count(1)  # the one organisation that responded
    lot.get_by_label(SME, exact=True).check()
    officer.page.get_by_role("button", name="Record the award").click()
    expect(
        success_banner(
            officer.page, "The award is recorded; each responding organisation has been emailed its feedback."
        )
    ).to_be_visible()
    expect(officer.page.get_by_role("main").get_by_role("listitem").filter(has_text=LOT)).to_have_text(
        f"Lot 1, {LOT}: {SME}"
    )
    expect(officer.page.get_by_role("link", name="Record the award")).to_have_count(0)
    officer.axe()
    screenshot(officer.page, "opportunities-officer-award")

    # 12. The award email, with the feedback and a link to the offer.
    deliver(fresh_app)
    [awarded] = [m for m in smtp_server.to(MEMBER_EMAIL) if m["Subject"].startswith(REFERENCE)]
    assert awarded["Subject"] == f"{REFERENCE}: your organisation has been awarded"
    text = body(awarded)
    assert f"Your organisation has been awarded {TITLE} ({REFERENCE})." in text
    assert (
        "Feedback on your organisation's social value response: 85 out of 100, "
        "which is 8.5 of the 10 points social value carries." in text
    )
    assert COMMENT in text
    assert re.search(rf"^Your offer: {re.escape(BASE_URL + offer_path)}$", text, re.MULTILINE)
    assert not [m for m in smtp_server.to(OFFICER_EMAIL) if m["Subject"].startswith(REFERENCE)]

    # 13. The member sees the feedback and the commitment on the offer's page.
    page.goto(live_server + offer_path)
    expect(state_tag(page)).to_have_text("Accepted")
    feedback = page.locator(".govuk-inset-text").filter(
        has=page.get_by_role("heading", name="Feedback on your organisation's social value response")
    )
    expect(feedback).to_contain_text(
        "Score: 85 out of 100, weighted 8.5 of the 10 points social value carries."
    )
    expect(feedback).to_contain_text(COMMENT)
    expect(page.get_by_role("heading", level=2, name="Commitment")).to_be_visible()
    expect(summary_value(page, "Committed")).to_have_text(f"40 hours by {due:%-d %B %Y}")
    expect(page.locator(".portal-timeline")).to_contain_text(
        "Awarded: now a commitment by the procurement unit"
    )
    expect(page.get_by_role("button", name="Withdraw the offer")).to_have_count(0)
    axe()
    screenshot(page, "opportunities-offer-feedback")
    page.get_by_role("button", name="Report delivery").click()  # a link styled as a button
    expect(heading(page)).to_have_text("Report delivery")
    axe()
    page.goto(live_server + opportunity_path)
    expect(page.get_by_role("main").locator(".govuk-tag").first).to_have_text("Closed")
    expect(page.get_by_role("button", name="Make a social value offer for this opportunity")).to_have_count(0)
    axe()

    for checked in (checked_page, officer):
        assert not checked.real_console_errors(), f"console errors: {checked.real_console_errors()}"
        assert not checked.unscanned(), f"pages loaded but never scanned by axe: {checked.unscanned()}"


def path_of(link) -> str:
    """The path a link points at."""
    href = link.get_attribute("href")
    assert href and href.startswith("/opportunities/"), href
    return href


def state_tag(page: Page) -> Locator:
    return page.get_by_role("main").locator(".govuk-tag").first


def save_and_continue(checked: CheckedPage, step: int) -> None:
    """Save the step's answer and land on step `step` of the offer's eight."""
    checked.page.get_by_role("button", name="Save and continue").click()
    expect(checked.page.locator(".govuk-caption-l")).to_have_text(f"Social value offer: step {step} of 8")
    checked.axe()


def respond_with_an_offer(checked: CheckedPage, due: date) -> str:
    """From the opportunity's page, an offer for it through its eight steps to "Submit the
    offer"; the path of the sealed offer's page."""
    page = checked.page
    page.get_by_role("button", name="Make a social value offer for this opportunity").click()
    expect(heading(page)).to_have_text("Which theme is your offer for?")
    expect(page.locator(".govuk-caption-l")).to_have_text("Social value offer: step 1 of 8")
    checked.axe()
    page.get_by_role("radio", name="Social: build resilient communities").check()
    save_and_continue(checked, 2)
    page.get_by_label("More young people in work.", exact=True).check()
    page.get_by_label("Increased skills levels.", exact=True).check()
    save_and_continue(checked, 3)
    page.get_by_role(
        "radio", name=re.compile(r"^Build capacity by supporting community organisations")
    ).check()
    save_and_continue(checked, 4)
    page.get_by_label("Describe what you will do", exact=True).fill(DESCRIPTION)
    save_and_continue(checked, 5)
    page.get_by_role("radio", name=f"{HOURS} (hours)").check()
    page.get_by_label("How much?", exact=True).fill("40")
    save_and_continue(checked, 6)
    page.get_by_label("Where in Cheshire?", exact=True).select_option(label="Cheshire West and Chester")
    save_and_continue(checked, 7)
    fill_date(page, "By when will it be delivered?", due)
    save_and_continue(checked, 8)
    expect(page.get_by_label("Voluntary-sector partner (optional)", exact=True)).to_have_value("")  # none
    page.get_by_role("button", name="Save and continue").click()
    expect(heading(page)).to_have_text("Check your offer")
    expect(page.get_by_text(f"For the opportunity {TITLE} ({REFERENCE}), closing")).to_be_visible()
    expect(page.get_by_text("It is sealed until the opportunity closes")).to_be_visible()
    for key, value in (
        ("Theme", "Social"),
        ("Description", DESCRIPTION),
        ("How much", f"40 hours: {HOURS}"),
        ("Where", "Cheshire West and Chester"),
        ("By when", f"{due:%-d %B %Y}"),
        ("Voluntary-sector partner", "None"),
    ):
        expect(summary_value(page, key)).to_contain_text(value)
    checked.axe()
    page.get_by_role("button", name="Submit the offer").click()
    expect(
        success_banner(
            page, "Your offer is sealed until the opportunity closes: no officer can read it before then."
        )
    ).to_be_visible()
    expect(heading(page)).to_have_text("Social value offer")
    expect(state_tag(page)).to_have_text("Sealed response to an opportunity")
    expect(page.get_by_text(f"For the opportunity {TITLE} ({REFERENCE}).")).to_be_visible()
    checked.axe()
    path = page.evaluate("location.pathname")
    assert re.fullmatch(r"/social-value/offers/\d+", path), path
    return path


def pass_the_closing_time(app, opportunity_id: int) -> None:
    """The closing time passes: it is moved a minute into the past in the live server's
    database, as the responses' own tests do (tests/opportunities/test_responses.py)."""
    with app.app_context():
        db.session.get(Opportunity, opportunity_id).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
