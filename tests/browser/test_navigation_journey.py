"""A visitor finds their way from the header and the start page, by keyboard: to the
opportunities through the menu, which marks the section, then from the start page to registration
with "Start now"; every page scanned by axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import heading, tab_to

pytestmark = pytest.mark.browser


def test_a_visitor_finds_the_opportunities_and_starts_registering_by_keyboard(live_server, checked_page):
    page = checked_page.page
    page.goto(live_server + "/")
    checked_page.axe()
    menu = page.get_by_role("navigation", name="Menu")
    opportunities = menu.get_by_role("link", name="Opportunities")
    tab_to(page, opportunities)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Opportunities")
    expect(menu.get_by_role("link", name="Opportunities")).to_have_attribute("aria-current", "page")
    checked_page.axe()

    page.goto(live_server + "/")
    start = page.get_by_role("button", name="Start now")
    tab_to(page, start)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/register")
    checked_page.axe()


def test_a_visitor_gives_feedback_from_the_phase_banner(live_server, checked_page):
    page = checked_page.page
    page.goto(live_server + "/opportunities")
    checked_page.axe()
    page.get_by_role("link", name="giving your feedback").click()
    expect(heading(page)).to_have_text("Give feedback on the Supplier Portal")
    checked_page.axe()
    page.get_by_role("button", name="Send feedback").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Say what you were trying to do", "Say what happened"])
    checked_page.axe()
    page.get_by_label("What were you trying to do?").fill("Find window cleaning contracts near Crewe")
    page.get_by_label("What happened?").fill("I could not tell which ones suit a sole trader")
    page.get_by_role("button", name="Send feedback").click()
    expect(heading(page)).to_have_text("Feedback sent")
    checked_page.axe()
