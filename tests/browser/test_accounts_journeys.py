"""A supplier registers, confirms their address, signs in and out (by mouse and by keyboard),
is warned before the session ends, and resets a forgotten password.

Links in emails are built from BASE_URL ("http://portal.test" in tests). The journeys swap
that prefix for the live server's address, as a person pastes a link into the address bar. The
other way (pointing BASE_URL, SERVER_NAME and PREFERRED_URL_SCHEME at the live server) would
also work, but it changes the app's settings under a running server and hides whether the
email's link really is built from BASE_URL; the swap keeps the emails as they are and checks that.
"""

from __future__ import annotations

import re
import time

from flask import Flask
from playwright.sync_api import Locator, Page, expect

from portal.outbox.worker import run_until_idle
from tests.browser.helpers import header_nav, heading, tab_to
from tests.factories import PASSWORD, make_supplier

BASE_URL = "http://portal.test"
NEW_PASSWORD = "violet kettle harbour lantern"
SIGNED_IN_FOR = "You were signed out because you had been signed in for"
IDLE_FOR = "You were signed out because you had not done anything for"


# --- helpers ---------------------------------------------------------------------------------


def emailed_link(app: Flask, smtp_server, address: str, path: str, live_server: str) -> str:
    """Deliver the outbox, then take the newest `path` link mailed to `address`, on the live server."""
    with app.app_context():
        run_until_idle()
    pattern = re.compile(re.escape(BASE_URL) + rf"(/{path}/\S+)")
    links = [
        match.group(1)
        for message in smtp_server.to(address)
        if (match := pattern.search(message.get_body(("plain",)).get_content()))
    ]
    assert links, f"no {path} link was mailed to {address}: {[m['Subject'] for m in smtp_server.messages]}"
    return live_server + links[-1]


def sign_in(page: Page, live_server: str, email: str, axe) -> None:
    page.goto(live_server + "/login")
    axe()
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(heading(page)).to_have_text("Your account")


# --- 1. register, confirm, sign in and out -----------------------------------------------------


def test_supplier_registers_confirms_signs_in_and_out(live_server, fresh_app, smtp_server, page, axe):
    email = "ruth.jones@weaver-valley.example"
    page.goto(live_server + "/")
    axe()
    header_nav(page).get_by_role("link", name="Create an account").click()
    expect(heading(page)).to_have_text("Create an account")
    axe()

    # A first try with only the name: the error summary takes focus and leads to each field.
    page.get_by_label("Full name", exact=True).fill("Ruth Jones")
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: Create an account"))
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Ruth Jones")
    for message, field in [
        ("Enter your email address", "#email"),
        ("Enter a password", "#password"),
        ("Enter your organisation's name", "#organisation_name"),
    ]:
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", field)
        expect(page.locator(f"{field}-error")).to_contain_text(message)
    axe()
    summary.get_by_role("link", name="Enter your email address").click()
    email_field = page.get_by_label("Email address", exact=True)
    expect(email_field).to_be_focused()

    email_field.fill(email)
    page.get_by_label("Create a password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Organisation name", exact=True).fill("Weaver Valley Joinery")
    page.get_by_role("button", name="Create account").click()
    expect(heading(page)).to_have_text("Check your email")
    expect(page.get_by_text(email)).to_be_visible()
    axe()

    page.goto(emailed_link(fresh_app, smtp_server, email, "verify-email", live_server))
    expect(heading(page)).to_have_text("Confirm your email address")
    axe()
    page.get_by_role("button", name="Confirm email address").click()
    expect(heading(page)).to_have_text("Sign in")
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    axe()

    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(live_server + "/account")
    expect(heading(page)).to_have_text("Your account")
    expect(page.get_by_role("button", name="Complete your organisation's profile")).to_be_visible()
    axe()

    header_nav(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server + "/login")
    expect(heading(page)).to_have_text("Sign in")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    axe()
    page.goto(live_server + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    expect(heading(page)).to_have_text("Sign in")
    axe()


# --- 2. the same by keyboard alone ------------------------------------------------------------


def test_supplier_registers_confirms_signs_in_and_out_by_keyboard(
    live_server, fresh_app, smtp_server, page, axe
):
    email = "dev.patel@dee-side.example"
    page.goto(live_server + "/")
    axe()
    tab_to(page, header_nav(page).get_by_role("link", name="Create an account"))
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Create an account")
    axe()

    name = page.get_by_label("Full name", exact=True)
    tab_to(page, name)
    page.keyboard.type("Dev Patel")
    page.keyboard.press("Enter")  # submits the form with the other fields empty
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    axe()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Enter your email address")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Email address", exact=True)).to_be_focused()
    expect(name).to_have_value("Dev Patel")

    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Create a password", exact=True)).to_be_focused()
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, page.get_by_label("Organisation name", exact=True))  # past "Show password"
    page.keyboard.type("Dee Side Cleaning CIC")
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Check your email")
    axe()

    page.goto(emailed_link(fresh_app, smtp_server, email, "verify-email", live_server))
    expect(heading(page)).to_have_text("Confirm your email address")
    axe()
    tab_to(page, page.get_by_role("button", name="Confirm email address"))
    page.keyboard.press("Space")
    expect(heading(page)).to_have_text("Sign in")
    # GOV.UK Frontend moves focus to a success banner; the next Tab reaches the form.
    banner = page.get_by_role("alert").filter(has_text="Your email address is confirmed.")
    expect(banner).to_be_focused()
    axe()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address", exact=True)).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Your account")
    axe()

    tab_to(page, header_nav(page).get_by_role("button", name="Sign out"))
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Sign in")
    expect(page.get_by_role("alert").filter(has_text="You have signed out.")).to_be_focused()
    axe()


# --- 3. session limits ------------------------------------------------------------------------
#
# The limits are cut to seconds. The server keeps whole seconds (the times in the cookie are
# ints), so each wait below leaves at least a second either side of the limit it is about.


def shorten_sessions(app: Flask, *, idle: int, warning: int, absolute: int) -> None:
    """Read on every request, so set before the first page loads."""
    app.config.update(
        SESSION_IDLE_SECONDS=idle, SESSION_WARNING_SECONDS=warning, SESSION_ABSOLUTE_SECONDS=absolute
    )


def timeout_dialog(page: Page) -> Locator:
    return page.get_by_role("dialog", name="You’re about to be signed out")


def is_renewal(response) -> bool:
    return response.url.endswith("/session/renew") and response.request.method == "POST"


def wait_until(page: Page, moment: float) -> None:
    """Let the page run (its timers, its requests) until `moment` (time.time())."""
    remaining = moment - time.time()
    if remaining > 0:
        page.wait_for_timeout(remaining * 1000)


def test_timeout_warning_renews_the_session_then_idleness_ends_it(live_server, fresh_app, page, axe):
    idle = 6
    shorten_sessions(fresh_app, idle=idle, warning=4, absolute=3600)
    with fresh_app.app_context():
        supplier = make_supplier()
    sign_in(page, live_server, supplier.email, axe)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # the favicon, fetched after the load event, renews it too
    last_request = time.time()  # the page makes no other request until "Stay signed in"

    # (a) The warning opens before the idle limit, with focus on "Stay signed in".
    dialog = timeout_dialog(page)
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused(timeout=idle * 1000)
    assert time.time() < last_request + idle - 1, "the warning came too late to be of use"
    expect(dialog).to_be_visible()
    expect(dialog.locator(".portal-timeout__countdown")).to_have_text(re.compile(r"^\d+ seconds?$"))
    expect(dialog.locator("[aria-live]")).to_have_text(
        re.compile(r"^For your security, we will sign you out in \d+ seconds?\.$")
    )
    axe()

    wait_until(page, last_request + 3.5)  # late enough that the renewed limit is clearly later
    with page.expect_response(is_renewal) as renewal:
        page.keyboard.press("Enter")
    renewed_at = time.time()
    assert renewal.value.status == 200
    assert renewal.value.json()["seconds_left"] >= idle - 1
    expect(dialog).to_be_hidden()

    # Past the first idle limit, and before the renewed one, the session is still alive.
    wait_until(page, last_request + idle + 1)
    assert time.time() < renewed_at + idle - 1
    page.reload()
    expect(heading(page)).to_have_text("Your account")
    axe()

    # (b) Doing nothing: the page goes to sign-in, where the server has already ended the session.
    expect(page).to_have_url(re.compile(r"/login$"), timeout=(idle + 4) * 1000)
    expect(heading(page)).to_have_text("Sign in")
    expect(page.locator(".govuk-inset-text")).to_contain_text(IDLE_FOR)
    axe()
    page.goto(live_server + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    axe()


def test_the_absolute_limit_cannot_be_renewed(live_server, fresh_app, page, axe):
    absolute = 8
    shorten_sessions(fresh_app, idle=6, warning=5, absolute=absolute)
    with fresh_app.app_context():
        supplier = make_supplier()
    # The page's clock runs as usual until it is paused below.
    page.clock.install()
    sign_in(page, live_server, supplier.email, axe)
    ends = time.time() + absolute  # the server counts from the sign-in just before, so earlier

    # "Stay signed in" renews the idle limit, each time for less: never past the absolute one.
    dialog = timeout_dialog(page)
    stay = dialog.get_by_role("button", name="Stay signed in")
    renewals = []
    while time.time() < ends - 2.5:
        expect(stay).to_be_focused()  # the warning has (re)opened
        if not renewals:
            axe()
        with page.expect_response(is_renewal) as renewal:
            page.keyboard.press("Enter")
        seconds_left = renewal.value.json()["seconds_left"]
        assert time.time() + seconds_left <= ends + 0.5, "a renewal went past the absolute limit"
        renewals.append(seconds_left)
        page.wait_for_timeout(500)
    assert len(renewals) >= 2 and renewals[-1] < renewals[0], renewals

    # The warning is open when the page's timers stop (a laptop put to sleep, a background tab
    # held back); the person comes back after the absolute limit and asks to stay signed in.
    expect(stay).to_be_focused()
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.001)
    wait_until(page, ends + 1)
    with page.expect_response(is_renewal) as renewal:
        page.keyboard.press("Enter")
    assert renewal.value.status == 302  # to sign-in: this session is over
    page.clock.resume()  # axe waits on timers
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(heading(page)).to_have_text("Sign in")
    expect(page.locator(".govuk-inset-text")).to_contain_text(SIGNED_IN_FOR)
    axe()
    page.goto(live_server + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    axe()


# --- 4. forgotten password --------------------------------------------------------------------


def test_supplier_resets_a_forgotten_password(live_server, fresh_app, smtp_server, page, axe):
    with fresh_app.app_context():
        supplier = make_supplier("mo.hughes@cheshire-print.example", name="Mo Hughes")
    page.goto(live_server + "/login")
    axe()
    page.get_by_role("link", name="I have forgotten my password").click()
    expect(heading(page)).to_have_text("Reset your password")
    axe()
    page.get_by_label("Email address", exact=True).fill(supplier.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(heading(page)).to_have_text("Check your email")
    axe()

    link = emailed_link(fresh_app, smtp_server, supplier.email, "reset-password", live_server)
    page.goto(link)
    expect(heading(page)).to_have_text("Set a new password")
    axe()
    new_password = page.get_by_label("New password", exact=True)
    new_password.fill("too short")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator("#password-error")).to_contain_text("Password must be 12 characters or more")
    axe()
    new_password.fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(heading(page)).to_have_text("Sign in")
    expect(
        page.get_by_text("Your password has been changed. Sign in with your new password.")
    ).to_be_visible()
    axe()

    # The old password no longer works; the new one does.
    page.get_by_label("Email address", exact=True).fill(supplier.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#email-error")).to_contain_text("Enter a correct email address and password")
    axe()
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(heading(page)).to_have_text("Your account")
    axe()

    # The link worked once.
    page.goto(link)
    expect(heading(page)).to_have_text("This link does not work")
    axe()
