"""Modern slavery due diligence, end to end: a supplier of a registered organisation opens the
questionnaire, sends it empty and is told what to answer, answers it ("none" clearing the other
audits, "another" revealing its name), and sees a high rating with the
answers that raised it and what would lower it; the procurement inbox is emailed; an officer,
in a browser of their own, finds the organisation at the top of the list, filters by rating,
opens it and records a follow-up (first empty, then with a note).

Every page each browser loads is scanned by axe, with no console errors; the result page must
reflow at 320 CSS pixels. Screenshots of each page are saved as /tmp/due-diligence-*.png for a
person to look at.
"""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Locator, Page, expect

from portal.extensions import db
from portal.outbox.worker import run_until_idle
from portal.time import utcnow
from tests.browser.helpers import assert_reflows_at_320, error_summary, heading, screenshot, sign_in
from tests.factories import make_organisation, make_staff, make_supplier

BASE_URL = "http://portal.test"
ORGANISATION = "Weaver Workwear"
SUPPLIER_EMAIL = "amrit.sandhu@weaver-workwear.example"
OFFICER_EMAIL = "olive.officer@example.com"
FOLLOW_UP = "Asked for the SMETA report on the Dhaka factory and the agency's GLAA licence."


def group(page: Page, legend: str) -> Locator:
    return page.get_by_role("group", name=re.compile("^" + re.escape(legend)))


def main_tag(page: Page) -> Locator:
    """The rating's tag on the page (the phase banner in the header has a tag too)."""
    return page.get_by_role("main").locator(".govuk-body-l .govuk-tag")


def test_supplier_answers_and_sees_a_high_rating_then_an_officer_records_a_follow_up(
    live_server, fresh_app, smtp_server, checked_page, page, axe, officer_browser
):
    with fresh_app.app_context():
        organisation = make_organisation(ORGANISATION)
        organisation.turnover = Decimal("3100000")
        organisation.registered_at = utcnow()
        db.session.commit()
        make_supplier(SUPPLIER_EMAIL, name="Amrit Sandhu", organisation=organisation)
        make_staff(OFFICER_EMAIL, name="Olive Officer")
        db.session.remove()

    # 1. The supplier opens the questions: the profile's facts are shown, not asked.
    sign_in(checked_page, live_server, SUPPLIER_EMAIL, "/account")
    axe()
    page.goto(live_server + "/organisation/due-diligence")
    expect(heading(page)).to_have_text("Modern slavery due diligence")
    facts = page.locator(".govuk-summary-list").first
    expect(facts).to_contain_text("Not required at the organisation's turnover")
    expect(facts.get_by_role("link", name="Change accreditations")).to_have_attribute(
        "href", "/organisation/profile/accreditations"
    )
    axe()
    screenshot(page, "due-diligence-questions")

    # 2. Sent empty: an error summary, focused, linking to each question, and a message at each.
    page.get_by_role("button", name="Save and see your rating").click()
    summary = error_summary(page)
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Modern slavery due diligence"))
    for message, field in [
        ("Select the sector your organisation mainly works in", "#sector"),
        ("Select where your goods are made or sourced, or that you supply services only", "#sourcing"),
        ("Select yes if your organisation uses agency workers or subcontracted labour", "#agency_labour"),
        ("Select the social audits held, or none", "#social_audits"),
        ("Select yes if workers can raise concerns confidentially", "#grievance_route"),
        ("Select whether your staff have been trained on modern slavery", "#training"),
    ]:
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", field)
        expect(page.locator(f"{field}-error")).to_contain_text(message)
    axe()
    screenshot(page, "due-diligence-errors")

    # 3. The answers ("None" clears the other audits ticked; "Another" reveals its name).
    group(page, "Which sector").get_by_label("Textiles, clothing or uniforms", exact=True).check()
    sourcing = group(page, "Where are the goods")
    sourcing.get_by_label("The UK", exact=True).check()
    sourcing.get_by_label("South, South-East or East Asia (including China and India)", exact=True).check()
    page.get_by_label("Which countries outside the UK? (optional)", exact=True).fill("Bangladesh")
    group(page, "Does your organisation use agency").get_by_label("Yes", exact=True).check()
    checks = group(page, "If you do, which of these do you check")
    checks.get_by_label(
        "They pay workers directly and charge them no fee for finding work", exact=True
    ).check()
    audits = group(page, "Which social audits")
    other_name = page.get_by_label("Name of the other social audit", exact=True)
    expect(other_name).to_be_hidden()
    audits.get_by_label("Another social audit", exact=True).check()
    expect(other_name).to_be_visible()
    audits.get_by_label("SMETA (Sedex Members Ethical Trade Audit)", exact=True).check()
    audits.get_by_label("None", exact=True).check()
    expect(audits.get_by_label("SMETA (Sedex Members Ethical Trade Audit)", exact=True)).not_to_be_checked()
    expect(audits.get_by_label("Another social audit", exact=True)).not_to_be_checked()
    expect(other_name).to_be_hidden()
    group(page, "Can workers").get_by_label("No", exact=True).check()
    group(page, "Have your staff").get_by_label("Some of them", exact=True).check()
    axe()  # answered, before sending
    page.get_by_role("button", name="Save and see your rating").click()

    # 4. The rating, the answers that raised it, and what would lower it.
    expect(page).to_have_url(live_server + "/organisation/due-diligence/result")
    expect(heading(page)).to_have_text("Your modern slavery risk rating")
    expect(main_tag(page)).to_have_text("High")
    expect(page.get_by_text("9 points, from the answers Amrit Sandhu gave on")).to_be_visible()
    raised = page.get_by_role("main").locator("ul.govuk-list--spaced").first
    for title in (
        "Works in a sector with a higher risk of modern slavery: 2 points",
        "Goods made or sourced where the risk is higher, or where is not known: 2 points",
        "Uses agency workers or subcontracted labour: 1 point",
        "Agencies' GLAA licences not checked where the work needs one: 1 point",
        "Not checked that workers keep their own identity documents: 1 point",
        "No social audit, SEDEX membership or published statement to show the checks: 1 point",
        "No confidential grievance route for workers: 1 point",
    ):
        expect(raised).to_contain_text(title)
    expect(raised).not_to_contain_text("No modern slavery training")  # "some" raises nothing
    expect(page.get_by_text("5 points fewer would make the rating medium.")).to_be_visible()
    expect(page.get_by_text("Check each labour provider on the GLAA's public register")).to_be_visible()
    expect(page.get_by_role("link", name="Change sector")).to_have_attribute(
        "href", "/organisation/due-diligence#sector"
    )
    axe()
    screenshot(page, "due-diligence-result")
    page.get_by_text("How the rating is worked out").click()
    expect(page.get_by_role("cell", name="5 points or more")).to_be_visible()
    axe()  # with the rules open
    screenshot(page, "due-diligence-rules")
    assert_reflows_at_320(checked_page)

    # 5. The procurement inbox is told, with a link to the officers' page.
    with fresh_app.app_context():
        run_until_idle()
    inbox = fresh_app.config["PROCUREMENT_INBOX"]
    [email] = [
        m for m in smtp_server.to(inbox) if m["Subject"] == f"Modern slavery risk rated high: {ORGANISATION}"
    ]
    text = email.get_body(("plain",)).get_content()
    link = re.search(re.escape(BASE_URL) + r"(/officer/due-diligence/\d+)", text).group(1)

    # 6. An officer finds the organisation at the top of the list and filters by rating.
    officer, officer_axe = officer_browser.page, officer_browser.axe
    sign_in(officer_browser, live_server, OFFICER_EMAIL, "/officer/")
    officer_axe()
    officer.get_by_role("link", name="Modern slavery due diligence", exact=True).click()
    expect(heading(officer)).to_have_text("Modern slavery due diligence")
    first_row = officer.locator("tbody .govuk-table__row").first
    expect(first_row).to_contain_text(ORGANISATION)
    expect(first_row.locator(".govuk-tag")).to_have_text("High")
    officer_axe()
    screenshot(officer, "due-diligence-officer-list")
    officer.get_by_label("Rating", exact=True).select_option("low")
    officer.get_by_role("button", name="Filter").click()
    expect(officer.get_by_text("No organisation has answered with this rating yet.")).to_be_visible()
    officer_axe()
    officer.get_by_label("Rating", exact=True).select_option("high")
    officer.get_by_role("button", name="Filter").click()
    officer_axe()
    officer.get_by_role("link", name=ORGANISATION).click()
    expect(officer).to_have_url(live_server + link)  # the emailed link leads here
    expect(heading(officer)).to_have_text(ORGANISATION)
    expect(main_tag(officer)).to_have_text("High")
    expect(officer.get_by_text("Textiles, clothing or uniforms")).to_be_visible()
    expect(officer.get_by_text("None recorded yet.")).to_be_visible()
    officer_axe()

    # 7. A follow-up: first empty, then with a note; it is listed with the officer's name.
    officer.get_by_role("button", name="Record follow-up").click()
    expect(error_summary(officer)).to_be_focused()
    expect(
        error_summary(officer).get_by_role("link", name="Enter what you did or asked for")
    ).to_have_attribute("href", "#note")
    officer_axe()
    officer.get_by_label("Follow-up", exact=True).fill(FOLLOW_UP)
    officer.get_by_role("button", name="Record follow-up").click()
    expect(officer.get_by_role("alert").filter(has_text="Follow-up recorded.")).to_be_visible()
    expect(officer.get_by_text(FOLLOW_UP)).to_be_visible()
    expect(officer.get_by_text(re.compile(r"^Olive Officer, .*, rating then high$"))).to_be_visible()
    officer_axe()
    screenshot(officer, "due-diligence-officer-detail")
