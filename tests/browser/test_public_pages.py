"""A visitor reads the start page and the statements, by mouse and by keyboard."""

from playwright.sync_api import expect


def test_visitor_reads_the_start_page_and_each_statement(live_server, page, axe):
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Supply to Cheshire Constabulary")
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")
    axe()
    for link, heading in [
        ("Accessibility statement", "Accessibility statement"),
        ("Privacy", "Privacy notice"),
        ("Cookies", "Cookies"),
    ]:
        page.get_by_role("contentinfo").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        axe()
    page.goto(live_server + "/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe()


def test_visitor_skips_to_the_content_and_reaches_the_footer_by_keyboard(live_server, page, axe):
    page.goto(live_server + "/")
    axe()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    # Tab on to the footer's privacy link and follow it with Enter.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Privacy":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    axe()
