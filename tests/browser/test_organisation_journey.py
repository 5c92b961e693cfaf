"""A new supplier registers, completes their organisation's profile step by step (one step by
keyboard alone) and registers it; the procurement inbox is emailed; an officer, in a browser of
their own, verifies the organisation's local status and the supplier is emailed the decision.

As in the other journeys, links in emails are built from BASE_URL ("http://portal.test") and
the test swaps that prefix for the live server's address. Every page is scanned by axe, and the
task list and "check your answers" must reflow at 320 CSS pixels (WCAG 1.4.10) without a
horizontal scroll bar.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

import pyotp
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from portal.outbox.worker import run_until_idle
from tests.browser.helpers import (
    assert_reflows_at_320,
    body,
    error_summary,
    header_nav,
    heading,
    success_banner,
    summary_value,
    tab_to,
)
from tests.factories import APP_SECRET, PASSWORD, make_staff

BASE_URL = "http://portal.test"
# Long enough to run off a 320px screen unless the pages that show it let it break (WCAG 1.4.10).
EMAIL = "ffion.roberts.procurementandcontracts@danevalleyfabrication.example"
MEMBER_PASSWORD = "saddle lichen orchard beacon"
ORGANISATION = "Dane Valley Fabrication"
LEGAL_NAME = "Dane Valley Fabrication Ltd"
OFFICER_EMAIL = "olive.officer@example.com"
OFFICER_NAME = "Olive Officer"
DECISION_NOTE = "Visited the Warrington depot on 20 November: it is theirs and in use."
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- the officer's browser --------------------------------------------------------------------
#
# As in test_officer_journeys: a second context, wrapped in CheckedPage, with the same checks at
# the end (every loaded page scanned by axe, no console errors).


# --- helpers ---------------------------------------------------------------------------------


def delivered(app: Flask, smtp_server, address: str, subject: str) -> EmailMessage:
    """Deliver the outbox (in this thread), then the one message to `address` with `subject`."""
    with app.app_context():
        run_until_idle()
    found = [m for m in smtp_server.to(address) if m["Subject"] == subject]
    assert len(found) == 1, f"{subject!r} to {address}: {[m['Subject'] for m in smtp_server.messages]}"
    return found[0]


def link_in(message: EmailMessage, path: str, live_server: str) -> str:
    """The message's `path` link, on the live server."""
    match = re.search(re.escape(BASE_URL) + rf"({re.escape(path)}\S*)", body(message))
    assert match, f"no {path} link in {message['Subject']!r}:\n{body(message)}"
    return live_server + match.group(1)


def task_status(page: Page, title: str) -> Locator:
    return page.locator(".govuk-task-list__item").filter(has_text=title).locator(".govuk-task-list__status")


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


# --- the journey -----------------------------------------------------------------------------


def test_supplier_completes_and_registers_its_profile_then_an_officer_verifies_it(
    live_server, fresh_app, smtp_server, checked_page, page, axe, officer_browser, tmp_path
):
    fresh_app.config["EVIDENCE_FOLDER"] = str(tmp_path / "evidence")
    inbox = fresh_app.config["PROCUREMENT_INBOX"]

    # 1. Register, confirm the address from the email, sign in, and go to the task list.
    page.goto(live_server + "/")
    axe()
    header_nav(page).get_by_role("link", name="Create an account").click()
    expect(heading(page)).to_have_text("Create an account")
    axe()
    page.get_by_label("Full name", exact=True).fill("Ffion Roberts")
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Create a password", exact=True).fill(MEMBER_PASSWORD)
    page.get_by_label("Organisation name", exact=True).fill(ORGANISATION)
    page.get_by_role("button", name="Create account").click()
    expect(heading(page)).to_have_text("Check your email")
    axe()

    with fresh_app.app_context():
        run_until_idle()
    verification = [m for m in smtp_server.to(EMAIL) if "/verify-email/" in body(m)]
    assert len(verification) == 1, [m["Subject"] for m in smtp_server.messages]
    page.goto(link_in(verification[0], "/verify-email/", live_server))
    expect(heading(page)).to_have_text("Confirm your email address")
    axe()
    page.get_by_role("button", name="Confirm email address").click()
    expect(heading(page)).to_have_text("Sign in")
    axe()
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(live_server + "/account")
    expect(heading(page)).to_have_text("Your account")
    axe()

    page.get_by_role("button", name="Complete your organisation's profile").click()
    expect(page).to_have_url(live_server + "/organisation/profile")
    expect(heading(page)).to_have_text("Your organisation's profile")
    expect(task_status(page, "About the organisation")).to_have_text("Incomplete")
    expect(task_status(page, "Check your answers and register")).to_have_text("Cannot start yet")
    expect(page.get_by_role("link", name="Modern slavery statement")).to_have_count(0)  # not asked yet
    axe()
    assert_reflows_at_320(checked_page)

    # 2. Every step in order. About: first sent empty, then answered.
    page.get_by_role("link", name="About the organisation").click()
    expect(heading(page)).to_have_text("About the organisation")
    axe()
    save_and_continue(page)
    summary = error_summary(page)
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: About the organisation"))
    for message, field in [
        ("Enter your organisation's legal name", "#legal_name"),
        ("Select your organisation's legal form", "#legal_form"),
    ]:
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", field)
        expect(page.locator(f"{field}-error")).to_contain_text(message)
    expect(summary.get_by_role("listitem")).to_have_count(2)
    axe()
    page.get_by_label("Legal name", exact=True).fill(LEGAL_NAME)
    page.get_by_label("Private limited company", exact=True).check()
    page.get_by_label("Companies House number", exact=True).fill("01234567")
    save_and_continue(page)

    # Registered address, in a postcode district that straddles the force area's boundary.
    expect(heading(page)).to_have_text("Registered address")
    expect(page.locator(".govuk-caption-l")).to_have_text(LEGAL_NAME)  # the legal name is its name now
    axe()
    page.get_by_label("Address line 1", exact=True).fill("Unit 4, Sealand Road")
    page.get_by_label("Town or city", exact=True).fill("Chester")
    page.get_by_label("Postcode", exact=True).fill("ch1 4aa")
    save_and_continue(page)
    expect(heading(page)).to_have_text("Which council area are the premises in?")
    expect(page.get_by_text("CH1 straddles the force area's boundary")).to_be_visible()
    axe()
    page.get_by_label("Cheshire West and Chester", exact=True).check()
    save_and_continue(page)

    # Other operating sites: one, in Warrington, then on.
    expect(heading(page)).to_have_text("Other operating sites")
    expect(page.get_by_text("No other sites added.")).to_be_visible()
    axe()
    page.get_by_label("Name of the site", exact=True).fill("Warrington depot")
    page.get_by_label("Address line 1", exact=True).fill("12 Winwick Street")
    page.get_by_label("Town or city", exact=True).fill("Warrington")
    page.get_by_label("Postcode", exact=True).fill("WA1 1AA")
    page.get_by_role("button", name="Add site").click()
    expect(success_banner(page, "Warrington depot added.")).to_be_visible()
    expect(summary_value(page, "Warrington depot")).to_have_text("12 Winwick Street, Warrington, WA1 1AA")
    axe()
    page.get_by_role("button", name="Continue").click()

    # 3. Size, by keyboard alone: Tab, typing and Enter.
    expect(heading(page)).to_have_text("Size")
    expect(page.get_by_text("fewer than 250 staff, and turnover up to")).to_be_visible()
    axe()
    staff = page.get_by_label("Number of staff", exact=True)
    tab_to(page, staff)
    page.keyboard.type("42")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Annual turnover, in pounds", exact=True)).to_be_focused()
    page.keyboard.type("3,100,000")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Balance sheet total, in pounds (optional)", exact=True)).to_be_focused()
    page.keyboard.type("900000")
    for box, value in (("Day", "31"), ("Month", "3"), ("Year", "2026")):
        page.keyboard.press("Tab")
        expect(page.get_by_label(box, exact=True)).to_be_focused()
        page.keyboard.type(value)
    page.keyboard.press("Enter")  # submits the form

    # What it supplies: two CPV divisions.
    expect(heading(page)).to_have_text("What it supplies")
    axe()
    page.get_by_label("Construction work (45000000-7)", exact=True).check()
    page.get_by_label("Business services: law, marketing", exact=False).check()
    save_and_continue(page)

    # Social enterprise and other status: no, no, no.
    expect(heading(page)).to_have_text("Social enterprise and other status")
    axe()
    for question in (
        "Is your organisation a social enterprise",
        "Is it a supported",
        "Is it a public service",
    ):
        group = page.get_by_role("group", name=re.compile("^" + re.escape(question)))
        group.get_by_label("No", exact=True).check()
    save_and_continue(page)

    # Accreditations: ISO 14001 with a PDF certificate, then on.
    expect(heading(page)).to_have_text("Accreditations")
    expect(page.get_by_role("button", name="We have none of these: continue")).to_be_visible()
    axe()
    page.get_by_label("ISO 14001 (environmental management)", exact=True).check()
    page.get_by_label("Certificate number", exact=True).fill("ISO-14001-2291")
    page.get_by_label("Day", exact=True).fill("30")
    page.get_by_label("Month", exact=True).fill("6")
    page.get_by_label("Year", exact=True).fill("2029")
    page.get_by_label("Certificate or other evidence (optional)", exact=True).set_input_files(
        {"name": "iso.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Add accreditation").click()
    expect(success_banner(page, "Accreditation added.")).to_be_visible()
    expect(summary_value(page, "ISO 14001 (environmental management)")).to_contain_text(
        "Certificate ISO-14001-2291, expires 30 June 2029"
    )
    expect(page.get_by_role("link", name="Download iso.pdf")).to_be_visible()
    axe()
    page.get_by_role("button", name="Continue", exact=True).click()

    # Real Living Wage; no modern slavery statement is asked at a turnover of £3.1m; tax.
    expect(heading(page)).to_have_text("Real Living Wage")
    axe()
    page.get_by_label("We have a written plan to work towards it", exact=True).check()
    save_and_continue(page)
    expect(heading(page)).to_have_text("Tax compliance")
    axe()
    page.get_by_label("I confirm the organisation has met its obligations", exact=False).check()
    save_and_continue(page)

    # Check your answers: the classifications with their reasons, and the answers.
    expect(page).to_have_url(live_server + "/organisation/profile/check")
    expect(heading(page)).to_have_text("Check your answers before you register")
    expect(summary_value(page, "Cheshire (local) supplier")).to_have_text(
        re.compile(r"^Local: .*depot is in the force area\. WA1 1AA is in Warrington", re.IGNORECASE)
    )
    expect(summary_value(page, "SME")).to_have_text(
        re.compile(r"^SME: 42 staff, turnover £3\.1m, balance sheet £900,000 \(Procurement Act 2023")
    )
    expect(summary_value(page, "Size band")).to_have_text(re.compile(r"^Small \(Companies Act 2006"))
    expect(summary_value(page, "VCSE")).to_have_text("Not a VCSE: private limited company, not declared one")
    expect(summary_value(page, "Modern slavery statement")).to_have_text(
        re.compile(r"^Modern slavery statement not required: turnover £3\.1m")
    )
    for key, value in [
        ("Legal name", LEGAL_NAME),
        ("Companies House number", "01234567"),
        ("Registered address", "Unit 4, Sealand Road, Chester, CH1 4AA"),
        ("Council area (as you told us)", "Cheshire West and Chester"),
        ("Warrington depot", "12 Winwick Street, WA1 1AA"),
        ("Number of staff", "42"),
        ("Annual turnover", "£3,100,000"),
        ("Balance sheet total", "£900,000"),
        ("Financial year end", "31 March 2026"),
        ("Goods, works and services", re.compile(r"^Construction work; Business services")),
        ("ISO 14001 (environmental management)", "ISO-14001-2291, expires 30 June 2029"),
        ("Real Living Wage", "A written plan to work towards it"),
    ]:
        expect(summary_value(page, key)).to_have_text(value)
    expect(page.get_by_role("heading", name="Modern slavery statement")).to_have_count(0)
    axe()
    assert_reflows_at_320(checked_page)

    page.get_by_role("button", name="Confirm and register").click()
    expect(page).to_have_url(live_server + "/account")
    banner = success_banner(page, "Your organisation is registered. The procurement team has been told.")
    expect(banner).to_be_focused()
    expect(page.get_by_text(f"{LEGAL_NAME} is registered.")).to_be_visible()
    expect(page.get_by_role("button", name="Complete your organisation's profile")).to_have_count(0)
    axe()

    # The procurement inbox is told, with a link to the officers' page for the organisation.
    registered = delivered(fresh_app, smtp_server, inbox, f"New registration: {LEGAL_NAME}")
    assert "42 staff, turnover £3.1m" in body(registered)
    review_link = link_in(registered, "/officer/organisations/", live_server)

    # 4. An officer, in a browser of their own, finds the organisation and verifies it is local.
    with fresh_app.app_context():
        make_staff(OFFICER_EMAIL, name=OFFICER_NAME)
    officer, officer_axe = officer_browser.page, officer_browser.axe
    officer.goto(live_server + "/login")
    officer_axe()
    officer.get_by_label("Email address", exact=True).fill(OFFICER_EMAIL)
    officer.get_by_label("Password", exact=True).fill(PASSWORD)
    officer.get_by_role("button", name="Sign in", exact=True).click()
    expect(heading(officer)).to_have_text("Enter the code from your authenticator app")
    officer_axe()
    officer.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(APP_SECRET).now())
    officer.get_by_role("button", name="Continue").click()
    expect(officer).to_have_url(live_server + "/officer/")
    expect(heading(officer)).to_have_text("Officer workspace")
    officer_axe()
    officer.get_by_role("navigation", name="Menu").get_by_role("link", name="Organisations").click()
    expect(heading(officer)).to_have_text("Organisations")
    row = officer.get_by_role("row").filter(has_text=LEGAL_NAME)
    expect(row).to_contain_text("Company 01234567")
    expect(row.get_by_role("cell").nth(1)).to_have_text("Local")
    officer_axe()
    row.get_by_role("link", name=LEGAL_NAME).click()
    expect(heading(officer)).to_have_text(LEGAL_NAME)
    expect(officer).to_have_url(review_link)  # the emailed link leads to this page
    officer_axe()

    def card(label: str) -> Locator:
        return officer.locator(".govuk-summary-card").filter(
            has=officer.get_by_role("heading", name=label, exact=True)
        )

    local = card("Cheshire (local) supplier")
    expect(local).to_contain_text("depot is in the force area")
    expect(card("SME")).to_contain_text("SME: 42 staff")
    expect(card("VCSE")).to_contain_text("Not a VCSE: private limited company")
    expect(officer.get_by_role("link", name="iso.pdf")).to_be_visible()
    local.locator(".govuk-details__summary").click()
    local.get_by_label("Yes", exact=True).check()
    local.get_by_label("Note", exact=True).fill(DECISION_NOTE)
    officer_axe()  # with the details open
    local.get_by_role("button", name="Record decision").click()
    expect(
        success_banner(
            officer,
            "Decision recorded: Cheshire (local) supplier. The organisation's members have been emailed.",
        )
    ).to_be_visible()
    expect(card("Cheshire (local) supplier").locator(".govuk-inset-text")).to_contain_text(
        f"{OFFICER_NAME} decided yes on"
    )
    expect(card("Cheshire (local) supplier").locator(".govuk-inset-text")).to_contain_text(DECISION_NOTE)
    officer_axe()

    # The member is emailed the decision, with a link to the profile.
    decided = delivered(
        fresh_app,
        smtp_server,
        EMAIL,
        "The procurement team has verified your organisation's Cheshire (local) supplier status",
    )
    assert f"has verified {LEGAL_NAME}'s Cheshire (local) supplier status: yes." in body(decided)
    assert f"Their note: {DECISION_NOTE}" in body(decided)
    page.goto(link_in(decided, "/organisation/profile", live_server))
    expect(heading(page)).to_have_text("Your organisation's profile")
    expect(task_status(page, "Check your answers")).to_have_text("Registered")
    axe()
