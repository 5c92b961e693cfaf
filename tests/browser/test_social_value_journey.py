"""Social value, end to end: a visitor reads the outcome matrix; a supplier signs the Code of
Ethics, then makes an offer in steps (the theme by keyboard alone) with a voluntary-sector partner,
checks the answers and submits; an officer, in a browser of their own, picks it up and asks a
question; the supplier answers and resubmits; the officer accepts; the supplier reports delivery
with an evidence file; a member of the partner body's organisation, in a third browser, confirms
it; the officer verifies it, and the commitment reads "Delivered". The outbox worker then
delivers the emails, read back from the SMTP server.

Every page each browser loads is scanned by axe, and none logs a console error. Screenshots of
the matrix, a step, check your answers, the offer with its timeline, the officer's offer page and
the totals are saved as /tmp/social-value-*.png for a person to look at.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from portal.extensions import db
from portal.organisations.rules import LegalForm
from portal.social_value.models import Measure
from portal.time import london_today, utcnow
from tests.browser.conftest import CheckedPage
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
from tests.factories import make_directory_entry, make_organisation, make_staff, make_supplier

BASE_URL = "http://portal.test"
PROCUREMENT_INBOX = "procurement@example.org"
SUPPLIER = "Bollin Valley Joinery"
SUPPLIER_EMAIL = "rhiannon.jones@bollin-valley.example"
REPRESENTATIVE = "Rhiannon Jones"
OFFICER_EMAIL = "olive.officer@example.com"
CHARITY = "Winsford Youth Trust"
PARTNER_EMAIL = "vera.volunteer@winsford-youth.example"
BODY = "Winsford Youth Volunteers"
HOURS = "Staff time volunteered with community organisations and projects in Cheshire"
DESCRIPTION = "Our joiners mentor young people at the Winsford youth club: one evening a week."
QUESTION = "Which youth club, and who will the mentors be?"
ANSWER = "Winsford Youth Club on Dene Drive; four of our time-served joiners."
DELIVERED = "40 hours of mentoring between March and June, signed off by the club's leader."
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- helpers ---------------------------------------------------------------------------------


def state_tag(page: Page) -> Locator:
    return page.get_by_role("main").locator(".govuk-tag").first


def continue_step(checked: CheckedPage, next_heading: str | re.Pattern) -> None:
    checked.page.get_by_role("button", name="Save and continue").click()
    expect(heading(checked.page)).to_have_text(next_heading)
    checked.axe()


# --- the journey -----------------------------------------------------------------------------


def test_supplier_offers_with_a_partner_officer_asks_and_accepts_delivery_is_confirmed_and_verified(
    live_server, fresh_app, smtp_server, checked_page, page, axe, other_browsers, tmp_path
):
    fresh_app.config["EVIDENCE_FOLDER"] = str(tmp_path / "evidence")
    with fresh_app.app_context():
        company = make_organisation(SUPPLIER)
        company.legal_form = LegalForm.PRIVATE_LIMITED
        company.registered_at = utcnow()
        charity = make_organisation(CHARITY)
        charity.legal_form = LegalForm.CHARITY
        charity.charity_number = "1123456"
        charity.registered_at = utcnow()
        db.session.commit()
        make_directory_entry(
            BODY,
            brokers="Mentoring and volunteering for young people in Winsford.",
            organisation_id=charity.id,
        )
        db.session.commit()
        make_supplier(SUPPLIER_EMAIL, name=REPRESENTATIVE, organisation=company)
        make_supplier(PARTNER_EMAIL, name="Vera Volunteer", organisation=charity)
        make_staff(OFFICER_EMAIL, name="Olive Officer")
        hours = db.session.scalar(sa.select(Measure).where(Measure.key == "volunteering_hours"))
        hours.proxy_gbp, hours.proxy_source, hours.proxy_dated = (
            Decimal("17.50"),
            "An example study",
            date(2025, 4, 1),
        )
        db.session.commit()
        db.session.remove()
    due = london_today() + timedelta(days=120)
    delivered_on = london_today() - timedelta(days=2)

    # 1. A visitor reads the outcome matrix.
    page.goto(live_server + "/social-value/matrix")
    expect(heading(page)).to_have_text("Social value outcome matrix")
    for theme in ("Social: Build resilient communities", "Economic: Reduced demand on public services"):
        expect(page.get_by_role("heading", level=2, name=theme)).to_be_visible()
    social_table = page.get_by_role("table", name=re.compile(r"could offer \(social\)"))
    expect(social_table).to_contain_text(
        f"{HOURS} (hours): proxy £17.50 a unit (An example study, April 2025)"
    )
    axe()
    screenshot(page, "social-value-matrix")

    # 2. The supplier signs the Code of Ethics for their organisation.
    sign_in(checked_page, live_server, SUPPLIER_EMAIL, "/account")
    page.get_by_role("button", name="Sign the Code of Ethics").click()  # a link styled as a button
    expect(page).to_have_url(live_server + "/code-of-ethics")
    axe()
    for box in page.get_by_role("checkbox", name=re.compile(r"^We commit to area")).all():
        box.check()
    page.get_by_label("Full name of the representative signing", exact=True).fill(REPRESENTATIVE)
    page.get_by_label("Their position in the organisation", exact=True).fill("Managing Director")
    page.get_by_label("Signature: type the representative's full name", exact=True).fill(REPRESENTATIVE)
    page.get_by_label("I confirm I have the authority to sign this pledge for the organisation").check()
    page.get_by_role("button", name="Sign the Code of Ethics").click()
    expect(page).to_have_url(live_server + "/code-of-ethics/certificate")
    axe()

    # 3. The offer, in steps: the theme by keyboard alone.
    page.goto(live_server + "/account")
    axe()
    page.get_by_role("link", name=f"{SUPPLIER}'s social value offers").click()
    expect(heading(page)).to_have_text("Social value offers")
    expect(page.get_by_text("Your organisation has not made an offer yet.")).to_be_visible()
    axe()
    page.get_by_role("button", name="Make an offer").click()
    expect(heading(page)).to_have_text("Make a social value offer")
    axe()
    page.get_by_role("button", name="Start").click()
    expect(heading(page)).to_have_text("Which theme is your offer for?")
    expect(page.locator(".govuk-caption-l")).to_have_text("Social value offer: step 1 of 8")
    axe()
    screenshot(page, "social-value-step")
    social = page.get_by_role("radio", name="Social: build resilient communities")
    tab_to(page, social)
    page.keyboard.press("Space")
    expect(social).to_be_checked()
    page.keyboard.press("Tab")
    save = page.get_by_role("button", name="Save and continue")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Which outcomes will it help?")
    axe()

    page.get_by_label("More young people in work.", exact=True).check()
    page.get_by_label("Increased skills levels.", exact=True).check()
    continue_step(checked_page, "What will your organisation offer?")
    page.get_by_role(
        "radio", name=re.compile(r"^Build capacity by supporting community organisations")
    ).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-caption-l")).to_have_text("Social value offer: step 4 of 8")
    axe()
    page.get_by_label("Describe what you will do", exact=True).fill(DESCRIPTION)
    continue_step(checked_page, "How much will you offer?")
    page.get_by_role("radio", name=f"{HOURS} (hours)").check()
    page.get_by_label("How much?", exact=True).fill("0")  # refused: not more than 0
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The quantity must be more than 0")
    expect(page).to_have_title(re.compile(r"^Error: How much"))
    axe()
    page.get_by_label("How much?", exact=True).fill("40")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-caption-l")).to_have_text("Social value offer: step 6 of 8")
    axe()
    page.get_by_label("Where in Cheshire?", exact=True).select_option(label="Cheshire West and Chester")
    continue_step(checked_page, "By when will it be delivered?")
    fill_date(page, "By when will it be delivered?", due)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-caption-l")).to_have_text("Social value offer: step 8 of 8")
    axe()
    page.get_by_label("Voluntary-sector partner (optional)", exact=True).select_option(label=BODY)
    continue_step(checked_page, "Check your offer")
    for key, value in (
        ("Theme", "Social"),
        ("Description", DESCRIPTION),
        ("How much", f"40 hours: {HOURS}"),
        ("Where", "Cheshire West and Chester"),
        ("By when", due.strftime("%-d %B %Y")),
        ("Voluntary-sector partner", BODY),
    ):
        expect(summary_value(page, key)).to_contain_text(value)
    expect(summary_value(page, "Outcomes").get_by_role("listitem")).to_have_count(2)
    screenshot(page, "social-value-check")
    page.get_by_role("button", name="Submit the offer").click()
    expect(success_banner(page, "Your offer has been sent to the procurement unit.")).to_be_visible()
    expect(heading(page)).to_have_text("Social value offer")
    expect(state_tag(page)).to_have_text("Submitted")
    offer_url = page.url
    axe()

    # 4. An officer picks it up and asks a question.
    officer = other_browsers()
    sign_in(officer, live_server, OFFICER_EMAIL, "/officer/")
    officer.page.get_by_role("link", name="Social value offers").click()
    expect(heading(officer.page)).to_have_text("Social value offers to review")
    officer.axe()
    officer.page.get_by_label("Theme", exact=True).select_option(label="Social")
    officer.page.get_by_role("button", name="Filter").click()
    expect(officer.page).to_have_url(re.compile(r"[?&]theme=social"))
    expect(officer.page.get_by_role("link", name=SUPPLIER)).to_be_visible()
    officer.axe()
    screenshot(officer.page, "social-value-queue")
    officer.page.get_by_role("link", name=SUPPLIER).click()
    expect(heading(officer.page)).to_have_text("Social value offer")
    expect(summary_value(officer.page, "Voluntary-sector partner")).to_have_text(BODY)
    officer.axe()
    officer.page.get_by_role("button", name="Review it").click()
    expect(success_banner(officer.page, "Done: the offer is under review.")).to_be_visible()
    officer.axe()
    # Asked with no question: the page again, its error summary linked to the question's box.
    officer.page.get_by_role("button", name="Ask a question").click()
    summary = officer.page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your question to the supplier")
    officer.axe()
    screenshot(officer.page, "offer-question-refused")
    summary.get_by_role("link", name="Enter your question to the supplier").click()
    question = officer.page.get_by_label("Your question to the supplier", exact=True)
    expect(question).to_be_focused()
    question.fill(QUESTION)
    officer.page.get_by_role("button", name="Ask a question").click()
    expect(success_banner(officer.page, "Done: your question has been sent to the supplier.")).to_be_visible()
    officer.axe()

    # 5. The supplier answers and resubmits.
    page.goto(offer_url)
    expect(state_tag(page)).to_have_text("Question from the procurement unit")
    expect(page.get_by_text(QUESTION).first).to_be_visible()
    axe()
    page.get_by_label("Your answer", exact=True).fill(ANSWER)
    page.get_by_role("button", name="Answer and resubmit").click()
    expect(success_banner(page, "Your answer has been sent and the offer resubmitted.")).to_be_visible()
    axe()

    # 6. The officer accepts it: a commitment.
    officer.page.reload()
    expect(officer.page.get_by_text(ANSWER)).to_be_visible()
    officer.axe()
    officer.page.get_by_role("button", name="Review it").click()
    expect(success_banner(officer.page, "Done: the offer is under review.")).to_be_visible()
    officer.axe()
    officer.page.get_by_label("Reason (optional; sent to the supplier)", exact=True).fill(
        "Thank you: a fine offer."
    )
    officer.page.get_by_role("button", name="Accept it").click()
    expect(success_banner(officer.page, "Done: the offer is accepted.")).to_be_visible()
    expect(officer.page.get_by_text("On track")).to_be_visible()
    officer.axe()

    # 7. The supplier reports delivery with evidence.
    page.goto(offer_url)
    expect(state_tag(page)).to_have_text("Accepted")
    axe()
    page.get_by_role("button", name="Report delivery").click()
    expect(heading(page)).to_have_text("Report delivery")
    axe()
    page.get_by_label("How much was delivered?", exact=True).fill("40")
    fill_date(page, "When was it delivered?", delivered_on)
    page.get_by_label("What was delivered", exact=True).fill(DELIVERED)
    page.get_by_label("Evidence (optional)", exact=True).set_input_files(
        {"name": "sign-off.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    screenshot(page, "social-value-report")
    page.get_by_role("button", name="Send the report").click()
    expect(
        success_banner(page, "Your delivery report has been sent for the procurement unit to verify.")
    ).to_be_visible()
    reports = page.get_by_role("table", name="Delivery reports")
    expect(reports).to_contain_text(DELIVERED)
    expect(reports).to_contain_text("Waiting for the procurement unit")
    axe()

    # 8. A member of the partner body's organisation confirms it.
    partner = other_browsers()
    sign_in(partner, live_server, PARTNER_EMAIL, "/account")
    partner.page.goto(live_server + "/social-value/partner-reports")
    expect(heading(partner.page)).to_have_text("Deliveries to confirm")
    row = partner.page.get_by_role("row").filter(has_text=SUPPLIER)
    expect(row).to_contain_text(DELIVERED)
    partner.axe()
    screenshot(partner.page, "social-value-partner-reports")
    row.get_by_role("button", name=re.compile(r"^Confirm")).click()
    expect(success_banner(partner.page, "Thank you: the delivery is confirmed.")).to_be_visible()
    expect(partner.page.get_by_role("row").filter(has_text=SUPPLIER)).to_contain_text("Confirmed")
    partner.axe()

    # 9. The officer verifies it: delivered.
    officer.page.goto(live_server + "/officer/offers")
    officer.axe()
    officer.page.get_by_role("link", name="Delivery reports to verify").click()
    expect(heading(officer.page)).to_have_text("Delivery reports to verify")
    expect(officer.page.get_by_text("(confirmed by the partner)")).to_be_visible()
    officer.axe()
    officer.page.get_by_role("button", name=re.compile(r"^Verify")).click()
    expect(
        success_banner(officer.page, "The report is verified: it counts towards the commitment.")
    ).to_be_visible()
    expect(officer.page.get_by_text("No delivery reports are waiting.")).to_be_visible()
    officer.axe()
    officer.page.goto(offer_url.replace("/social-value/offers/", "/officer/offers/"))
    expect(
        officer.page.get_by_role("main").locator(".govuk-tag").filter(has_text="Delivered")
    ).to_be_visible()
    officer.axe()
    screenshot(officer.page, "social-value-officer-offer")
    officer.page.goto(live_server + "/officer/social-value/totals")
    expect(heading(officer.page)).to_have_text("Social value totals")
    totals_row = officer.page.get_by_role("row").filter(has_text=HOURS)
    expect(totals_row.get_by_role("cell")).to_have_text(
        ["Social", f"{HOURS} (hours)", "40£700", "40£700", "40£700"]  # the pounds on a line of their own
    )
    officer.axe()
    screenshot(officer.page, "social-value-totals")

    page.goto(offer_url)
    expect(page.get_by_role("main").locator(".govuk-tag").filter(has_text="Delivered")).to_be_visible()
    expect(summary_value(page, "Delivered (verified)")).to_have_text("40 hours")
    expect(page.get_by_role("button", name="Report delivery")).to_have_count(0)
    history = page.locator(".portal-timeline")
    expect(history).to_contain_text(f"Question asked by the procurement unit {QUESTION}")
    expect(history).to_contain_text(ANSWER)
    expect(history).to_contain_text("Accepted by the procurement unit")
    axe()
    screenshot(page, "social-value-offer")
    page.goto(live_server + "/social-value/totals")
    expect(heading(page)).to_have_text("Social value totals")
    axe()

    # 10. The emails, delivered by the outbox worker and read from the SMTP server.
    deliver(fresh_app)
    to_inbox = [
        m["Subject"] for m in smtp_server.to(PROCUREMENT_INBOX) if "social value" in m["Subject"].lower()
    ]
    assert to_inbox == [
        f"Social value offer submitted: {SUPPLIER}",
        f"Social value offer resubmitted: {SUPPLIER}",
    ]
    to_supplier = {
        m["Subject"]: m for m in smtp_server.to(SUPPLIER_EMAIL) if "social value" in m["Subject"].lower()
    }
    assert set(to_supplier) == {
        "Your social value offer: being reviewed",
        "Your social value offer: a question from the procurement unit",
        "Your social value offer: accepted",
    }
    assert QUESTION in body(to_supplier["Your social value offer: a question from the procurement unit"])
    assert f"See your commitment: {BASE_URL}/social-value/offers/" in body(
        to_supplier["Your social value offer: accepted"]
    )
    assert not smtp_server.to(OFFICER_EMAIL)

    for checked in (checked_page,):
        assert not checked.real_console_errors(), f"console errors: {checked.real_console_errors()}"
        assert not checked.unscanned(), f"pages loaded but never scanned by axe: {checked.unscanned()}"


def test_a_supplier_deletes_a_draft_it_no_longer_wants(live_server, fresh_app, checked_page, page, axe):
    """Started by mistake: the draft is deleted from its page after a confirmation that keeps it
    on "Keep it"; the list is then empty again."""
    with fresh_app.app_context():
        company = make_organisation(SUPPLIER)
        company.registered_at = utcnow()
        db.session.commit()
        make_supplier(SUPPLIER_EMAIL, name=REPRESENTATIVE, organisation=company)
        db.session.remove()
    sign_in(checked_page, live_server, SUPPLIER_EMAIL, "/account")
    axe()
    page.goto(live_server + "/social-value/offers/new")
    axe()
    page.get_by_role("button", name="Start").click()
    expect(heading(page)).to_have_text("Which theme is your offer for?")
    axe()
    page.goto(live_server + "/social-value/offers")
    axe()
    page.get_by_role("link", name="Draft offer").click()
    expect(state_tag(page)).to_have_text("Draft")
    axe()
    page.get_by_role("link", name="delete it").click()
    expect(heading(page)).to_have_text("Delete this draft offer?")
    axe()
    screenshot(page, "social-value-delete-draft")
    page.get_by_role("link", name="Keep it").click()
    expect(heading(page)).to_have_text("Check your offer")
    axe()
    page.get_by_role("link", name="Delete this draft").click()
    page.get_by_role("button", name="Delete the draft").click()
    expect(heading(page)).to_have_text("Social value offers")
    expect(success_banner(page, "Your draft offer has been deleted.")).to_be_visible()
    expect(page.get_by_text("Your organisation has not made an offer yet.")).to_be_visible()
    axe()
