"""A member invites a colleague; the colleague registers from the emailed link and lands in the
organisation; the first member sees them on the colleagues page, and removes them. Every page
the browser loads passes axe (the `checked_page` fixture holds the journey to that)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.helpers import header_nav, heading
from tests.browser.test_accounts_journeys import emailed_link, sign_in
from tests.factories import make_organisation, make_supplier

MEMBER = "ruth.jones@weaver-valley.example"
COLLEAGUE = "dev.patel@weaver-valley.example"
COLLEAGUE_PASSWORD = "violet kettle harbour lantern"


def test_member_invites_a_colleague_who_registers_from_the_email_and_joins(
    live_server, fresh_app, smtp_server, page, axe
):
    with fresh_app.app_context():
        organisation = make_organisation("Weaver Valley Joinery")
        make_supplier(MEMBER, name="Ruth Jones", organisation=organisation)
        db.session.remove()

    # The member finds the colleagues page from their account and invites a colleague.
    sign_in(page, live_server, MEMBER, axe)
    axe()
    page.get_by_role("link", name="colleagues at Weaver Valley Joinery").click()
    expect(heading(page)).to_have_text("Colleagues")
    expect(page.get_by_role("table", name="Members")).to_contain_text("Ruth Jones")
    axe()
    page.get_by_role("button", name="Send invitation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Enter your colleague's email address")).to_have_attribute(
        "href", "#email"
    )
    expect(page).to_have_title(re.compile(r"^Error: Colleagues"))
    axe()
    page.get_by_label("Email address", exact=True).fill(COLLEAGUE)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text(f"We have sent an invitation to {COLLEAGUE}")
    expect(page.get_by_role("region", name="Invitations waiting")).to_contain_text(COLLEAGUE)
    axe()
    header_nav(page).get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("Sign in")
    axe()

    # The colleague opens the emailed link, creates an account and lands in the organisation.
    page.goto(emailed_link(fresh_app, smtp_server, COLLEAGUE, "organisation/join", live_server))
    expect(heading(page)).to_have_text("Join Weaver Valley Joinery")
    expect(page.get_by_text("Ruth Jones has invited")).to_be_visible()
    axe()
    page.get_by_role("button", name="Create an account").click()
    expect(heading(page)).to_have_text("Create an account")
    expect(page.get_by_label("Email address", exact=True)).to_have_value(COLLEAGUE)
    expect(page.get_by_label("Organisation name", exact=True)).to_have_count(0)
    axe()
    page.get_by_label("Full name", exact=True).fill("Dev Patel")
    page.get_by_label("Create a password", exact=True).fill(COLLEAGUE_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(heading(page)).to_have_text("Colleagues")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your account is ready and you have joined Weaver Valley Joinery"
    )
    members = page.get_by_role("table", name="Members")
    expect(members).to_contain_text("Ruth Jones")
    expect(members.get_by_role("row").filter(has_text="Dev Patel")).to_contain_text("You")
    axe()
    header_nav(page).get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("Sign in")
    axe()

    # The first member sees the colleague, and removes them after reading what that does.
    sign_in(page, live_server, MEMBER, axe)
    axe()
    page.goto(live_server + "/organisation/colleagues")
    members = page.get_by_role("table", name="Members")
    expect(members).to_contain_text("Dev Patel")
    expect(members).to_contain_text(COLLEAGUE)
    expect(page.get_by_text("No invitations are waiting.")).to_be_visible()
    axe()
    members.get_by_role("link", name="Remove Dev Patel").click()
    expect(heading(page)).to_have_text("Remove Dev Patel from Weaver Valley Joinery?")
    axe()
    page.get_by_role("button", name="Remove Dev Patel").click()
    expect(heading(page)).to_have_text("Colleagues")
    expect(page.get_by_role("alert")).to_contain_text("Dev Patel has been removed from Weaver Valley Joinery")
    expect(page.get_by_role("table", name="Members")).not_to_contain_text("Dev Patel")
    axe()
