"""A signed-in supplier while the database goes down and comes back: the portal's own 503 page,
signed-out header and all, then their session carries on without a restart; the 404 and 400
pages on the way, every page scanned by axe."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import event

from portal.extensions import db
from tests.browser.helpers import header_nav, heading, sign_in
from tests.factories import make_supplier

pytestmark = pytest.mark.browser


def test_a_supplier_meets_an_outage_and_carries_on_after_it(live_server, fresh_app, checked_page):
    page = checked_page.page
    with fresh_app.app_context():
        make_supplier("fern@weaver-valley.example")
        db.session.commit()
    sign_in(checked_page, live_server, "fern@weaver-valley.example", "/account")

    # The database stops answering: every new connection is refused.
    down = threading.Event()
    with fresh_app.app_context():
        refused = db.engine.dialect.loaded_dbapi.OperationalError

        @event.listens_for(db.engine, "do_connect")
        def _refuse(*args):
            if down.is_set():
                raise refused("connection refused: could not connect to the database server")

        down.set()
        db.engine.dispose()
    response = page.goto(live_server + "/opportunities")
    assert response.status == 503
    assert response.headers["x-request-id"]
    expect(heading(page)).to_have_text("Sorry, the service is unavailable")
    expect(header_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    checked_page.axe()

    # A page that does not exist, and a search sent in another encoding, need no database.
    assert page.goto(live_server + "/no-such-page").status == 404
    expect(heading(page)).to_have_text("Page not found")
    checked_page.axe()
    assert page.goto(live_server + "/opportunities?q=caf%e9").status == 400
    checked_page.axe()

    # The database is back: the same session carries on, no restart.
    down.clear()
    assert page.goto(live_server + "/account").status == 200
    expect(heading(page)).to_have_text("Your account")
    expect(header_nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    checked_page.axe()
