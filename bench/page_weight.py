"""What a visitor's browser downloads: the bytes over the network (headers and bodies, as
Chromium counts them) of the start page's first view, of the next page with a session, and of a
repeat view of the start page with that session.

    .venv/bin/python bench/page_weight.py [--chromium /usr/bin/chromium]

The portal runs under gunicorn with production settings on a SQLite database made for the run
(the benchmark's set-up: bench/run.py), with its static files as production serves them. Each
view is a navigation in one browser context, whose cache starts empty: the first view fetches
the page and its stylesheet, scripts and icon; later ones find the hashed files in the cache and
fetch only the page. Prints each response and each view's total. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.run import fresh_database, gunicorn, prepare_database, server_environment  # noqa: E402

FIRST_VIEW_LIMIT = 45_000
LATER_VIEW_LIMIT = 10_000
# The views, in order: (label, path, its limit in bytes).
VIEWS = (
    ("/ first view", "/", FIRST_VIEW_LIMIT),
    # The start page's "Start now": its form's token starts the session.
    ("/register next, with a session", "/register", LATER_VIEW_LIMIT),
    ("/ repeat view, with a session", "/", LATER_VIEW_LIMIT),
    ("/opportunities next, with a session", "/opportunities", None),
    ("/accessibility next, with a session", "/accessibility", None),
)


@dataclass
class View:
    label: str
    limit: int | None
    # Each request's URL, the bytes it took over the network, and whether the cache answered it.
    responses: dict[str, list] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(size for _url, size, _cached in self.responses.values())


def measure(base: str, chromium: str) -> list[View]:
    views: list[View] = []

    def sent(event: dict) -> None:
        views[-1].responses[event["requestId"]] = [event["request"]["url"], 0, False]

    def cached(event: dict) -> None:
        views[-1].responses[event["requestId"]][2] = True

    def finished(event: dict) -> None:
        views[-1].responses[event["requestId"]][1] = int(event["encodedDataLength"])

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_context().new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.requestServedFromCache", cached)
        cdp.on("Network.loadingFinished", finished)
        for label, path, limit in VIEWS:
            views.append(View(label, limit))
            page.goto(base + path, wait_until="networkidle")
        browser.close()
    return views


def report(views: list[View], base: str) -> bool:
    """Print each view and say whether each held to its limit."""
    met = True
    for view in views:
        verdict = ""
        if view.limit is not None:
            verdict = f" (limit {view.limit / 1000:.0f} kB: {'ok' if view.total <= view.limit else 'OVER'})"
            met = met and view.total <= view.limit
        print(f"{view.label}: {view.total / 1000:.1f} kB{verdict}")
        for url, size, cached in view.responses.values():
            print(
                f"    {size / 1000:7.1f} kB  {url.removeprefix(base)}{'  (from the cache)' if cached else ''}"
            )
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="portal-weight-"))
    with fresh_database("sqlite", workdir) as url:
        prepare_database(url, demo_rows=200, bench_rows=100, seed=0)
        with gunicorn(server_environment(url), 2, workdir) as port:
            base = f"http://127.0.0.1:{port}"
            return 0 if report(measure(base, args.chromium), base) else 1


if __name__ == "__main__":
    sys.exit(main())
