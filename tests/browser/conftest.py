"""Playwright on Debian's Chromium, with an axe scan that every visited page must pass."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# The page's width, the window's, and the first few elements reaching past the window's edge.
REFLOW = """() => {
    const root = document.documentElement;
    const wide = [...document.querySelectorAll("body *")]
        .filter(element => element.getBoundingClientRect().right > root.clientWidth + 0.5)
        .slice(0, 5)
        .map(element => `${element.tagName.toLowerCase()}.${element.className} "${element.textContent.trim().slice(0, 40)}"`);
    return [root.scrollWidth, root.clientWidth, wide];
}"""
AXE = Axe.from_file(Path(__file__).with_name("axe.min.js"))  # axe-core 4.14.1, from npm


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail("REQUIRE_BROWSER", f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class CheckedPage:
    """Records every page the browser loads, its console errors, and which were scanned by axe."""

    def __init__(self, page) -> None:
        self.page = page
        self.loaded: list[str] = []
        self.scanned: set[str] = set()
        self.console_errors: list[tuple[str, str]] = []
        page.on("load", lambda p: self.loaded.append(self._key(p.url)))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append((str(error), "")))

    @staticmethod
    def _key(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def real_console_errors(self) -> list[tuple[str, str]]:
        """Console errors, less the status an error page the test opened on purpose logs
        (a failed stylesheet, script or image still counts)."""
        return [
            (text, url)
            for text, url in self.console_errors
            if not (text.startswith("Failed to load resource") and self._key(url) in self.loaded)
        ]

    def axe(self) -> None:
        """Scan the page as it is now; fail on any violation, or if at 320 CSS pixels wide it
        needs scrolling sideways (WCAG 1.4.10), a check no axe rule makes."""
        self.scan()
        self.assert_reflows()

    def scan(self) -> None:
        # A click's navigation can change the URL before the new document has loaded: scan the
        # page once it has, not the half-parsed one.
        self.page.wait_for_load_state("load")
        results = AXE.run(self.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        self.scanned.add(self._key(self.page.url))
        assert results.violations_count == 0, f"axe on {self.page.url}:\n{results.generate_report()}"

    def assert_reflows(self, *, scan: bool = False) -> None:
        """At 320 CSS pixels wide the page is no wider than the window; names what sticks out
        if anything does. `scan`: run axe at that width too."""
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": 320, "height": 720})
        try:
            width, client, wide = self.page.evaluate(REFLOW)
            assert width <= client, f"{self.page.url} is {width}px wide at 320px; sticking out: {wide}"
            if scan:
                self.scan()
        finally:
            self.page.set_viewport_size(size)

    def unscanned(self) -> list[str]:
        return sorted(set(self.loaded) - self.scanned)


@contextmanager
def checked_context(browser) -> Iterator[CheckedPage]:
    """A fresh browser context; at the end every loaded page must have passed axe, with no
    console errors (a CSP violation shows up there)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    checked = CheckedPage(page)
    yield checked
    context.close()
    assert not checked.real_console_errors(), f"console errors: {checked.real_console_errors()}"
    assert not checked.unscanned(), f"pages loaded but never scanned by axe: {checked.unscanned()}"


@pytest.fixture
def checked_page(browser) -> Iterator[CheckedPage]:
    with checked_context(browser) as checked:
        yield checked


@pytest.fixture
def other_browsers(browser) -> Iterator[Callable[[], CheckedPage]]:
    """More people's browsers (an officer's, a partner's), each held to the checks of
    `checked_page`: call it for each."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(checked_context(browser))


@pytest.fixture
def officer_browser(other_browsers) -> CheckedPage:
    """The officer's own browser, held to the checks of `checked_page`."""
    return other_browsers()


@pytest.fixture
def page(checked_page: CheckedPage):
    return checked_page.page


@pytest.fixture
def axe(checked_page: CheckedPage):
    return checked_page.axe
