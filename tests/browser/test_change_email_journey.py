"""A supplier changes their email address: they open the page (the account page will link to it),
send the form empty and are shown what is missing, give the new address and their password,
follow the link emailed to the new address, confirm, and sign in with the new address from then
on. Every page is scanned by axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    body,
    deliver,
    error_summary,
    header_nav,
    heading,
    screenshot,
    success_banner,
)
from tests.browser.test_accounts_journeys import emailed_link, sign_in
from tests.factories import PASSWORD, make_supplier

EMAIL, NEW_EMAIL = "gwen.davies@nantwich-signs.example", "gwen@nantwich-signs.example"


def test_supplier_changes_their_email_address(live_server, fresh_app, smtp_server, page, axe):
    with fresh_app.app_context():
        make_supplier(EMAIL, name="Gwen Davies")
    sign_in(page, live_server, EMAIL, axe)
    axe()

    page.goto(live_server + "/account")
    page.get_by_role("link", name="Change email address").click()
    expect(heading(page)).to_have_text("Change your email address")
    axe()

    # Sent empty: the error summary takes focus and leads to each field.
    page.get_by_role("button", name="Send a confirmation link").click()
    summary = error_summary(page)
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Change your email address"))
    for message, field in [("Enter your new email address", "#email"), ("Enter your password", "#password")]:
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", field)
        expect(page.locator(f"{field}-error")).to_contain_text(message)
    screenshot(page, "change-email-refused")
    axe()

    page.get_by_label("New email address", exact=True).fill(NEW_EMAIL)
    page.get_by_label("Your password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Send a confirmation link").click()
    expect(heading(page)).to_have_text("Check your email")
    expect(page.get_by_text(NEW_EMAIL)).to_be_visible()
    expect(page.get_by_text("The link works once, for 24 hours.")).to_be_visible()
    screenshot(page, "change-email-sent")
    axe()

    page.goto(emailed_link(fresh_app, smtp_server, NEW_EMAIL, "account/email/confirm", live_server))
    expect(heading(page)).to_have_text("Confirm your new email address")
    screenshot(page, "change-email-confirm")
    axe()
    page.get_by_role("button", name="Change email address").click()
    expect(heading(page)).to_have_text("Your account")
    expect(success_banner(page, f"Your email address is now {NEW_EMAIL}.")).to_be_visible()
    axe()

    # The old address is told, with where to report a change its owner did not make.
    deliver(fresh_app)
    notice = smtp_server.to(EMAIL)[-1]
    assert notice["Subject"] == "Your email address has been changed"
    assert "gw***@nantwich-signs.example" in body(notice) and "http://portal.test/feedback" in body(notice)

    # From now on the new address signs in.
    header_nav(page).get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("Sign in")
    axe()
    sign_in(page, live_server, NEW_EMAIL, axe)
    axe()
