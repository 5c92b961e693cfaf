"""The Supplier Code of Ethics, end to end: a visitor reads the Code; a supplier signs it for
their registered organisation (first with an area left unticked) and sees the certificate; an
officer, in a browser of their own, finds the pledge by its reference; an admin, in a third
browser, publishes version 2; the supplier is emailed once, sees that the pledge is out of date
and signs version 2 by keyboard alone; the certificate then says "Version 2" and "Current".

Every page each browser loads is scanned by axe, and none logs a console error (the
`checked_page` fixture holds the supplier's browser to that, `other_browsers` the others).
Screenshots of the signing form, the certificate, the officer's record and the admin's preview
are saved as /tmp/ethics-*.png for a person to look at.
"""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Locator, Page, expect

from portal.extensions import db
from portal.time import london_today, utcnow
from tests.browser.helpers import (
    body,
    deliver,
    heading,
    screenshot,
    sign_in,
    success_banner,
    summary_value,
    tab_to,
)
from tests.factories import PASSWORD, make_organisation, make_staff, make_supplier

BASE_URL = "http://portal.test"
ORGANISATION = "Bollin Valley Joinery"
SUPPLIER_EMAIL = "rhiannon.jones@bollin-valley.example"
REPRESENTATIVE = "Rhiannon Jones"
POSITION = "Managing Director"
OFFICER_EMAIL = "olive.officer@example.com"
ADMIN_EMAIL = "hana.head@example.com"
REFERENCE = re.compile(r"\bCE-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
AREAS_V1 = [
    "Instil a culture of fairness, teamwork, engagement, accountability and enjoyment",
    "Have a written plan to work towards paying the Voluntary Living Wage.",  # the start of it
    "Commit to the delivery of excellent working conditions",  # the start of it
    "Acting with integrity and transparency",
]
OLD_TITLE = "## Acting with integrity and transparency"
NEW_TITLE = "## Acting with honesty and transparency"  # version 2 changes one word
CHANGE_SUMMARY = "Area 4 now speaks of honesty rather than integrity."


# --- the officer's and the admin's browsers ---------------------------------------------------
#
# As in test_officer_journeys: more contexts, each wrapped in CheckedPage, with the same checks at
# the end (every loaded page scanned by axe, no console errors).


# --- helpers ---------------------------------------------------------------------------------


def pledge_tag(page: Page) -> Locator:
    """The pledge's state tag (the phase banner in the header has a tag too)."""
    return page.get_by_role("main").locator(".govuk-tag")


def area_box(page: Page, number: int) -> Locator:
    return page.get_by_role("checkbox", name=re.compile(rf"^We commit to area {number}: "))


# --- the journey -----------------------------------------------------------------------------


def test_supplier_signs_officer_finds_it_admin_publishes_version_2_and_supplier_re_signs_by_keyboard(
    live_server, fresh_app, smtp_server, checked_page, page, axe, other_browsers
):
    with fresh_app.app_context():
        organisation = make_organisation(ORGANISATION)
        organisation.registered_at = utcnow()
        db.session.commit()
        make_supplier(SUPPLIER_EMAIL, name=REPRESENTATIVE, organisation=organisation)
        make_staff(OFFICER_EMAIL, name="Olive Officer")
        make_staff(ADMIN_EMAIL, name="Hana Head", admin=True)
        db.session.remove()

    # 1. A visitor reads the Code: all four areas, and no signing form.
    page.goto(live_server + "/code-of-ethics")
    expect(heading(page)).to_have_text("Supplier Code of Ethics")
    expect(page.get_by_text("Version 1, in effect from 1 April 2022.")).to_be_visible()
    for number, title in enumerate(AREAS_V1, start=1):
        expect(page.get_by_role("heading", level=2, name=f"{number}. {title}", exact=False)).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(0)
    axe()

    # The supplier follows "Sign in" from the Code and comes back to it, now with the form.
    page.locator(".govuk-inset-text").get_by_role("link", name="Sign in").click()
    expect(heading(page)).to_have_text("Sign in")
    axe()
    page.get_by_label("Email address", exact=True).fill(SUPPLIER_EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(live_server + "/code-of-ethics")
    expect(page.get_by_role("heading", name=f"Sign for {ORGANISATION}")).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile(r"^We commit to area"))).to_have_count(4)
    expect(area_box(page, 4)).to_have_accessible_name(f"We commit to area 4: {AREAS_V1[3]}")
    axe()
    screenshot(page, "ethics-signing-form")

    # First sent with area 3 unticked: the error summary, focused, links to that box.
    for number in (1, 2, 4):
        area_box(page, number).check()
    page.get_by_label("Full name of the representative signing", exact=True).fill(REPRESENTATIVE)
    page.get_by_label("Their position in the organisation", exact=True).fill(POSITION)
    page.get_by_label("Signature: type the representative's full name", exact=True).fill(REPRESENTATIVE)
    page.get_by_label("I confirm I have the authority to sign this pledge for the organisation").check()
    page.get_by_role("button", name="Sign the Code of Ethics").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Supplier Code of Ethics"))
    expect(summary.get_by_role("listitem")).to_have_count(1)
    expect(summary.get_by_role("link", name="Confirm your organisation commits to area 3")).to_have_attribute(
        "href", "#area_3"
    )
    expect(page.locator("#area_3-error")).to_contain_text("Confirm your organisation commits to area 3")
    for number in (1, 2, 4):  # what was answered is kept
        expect(area_box(page, number)).to_be_checked()
    expect(page.get_by_label("Full name of the representative signing", exact=True)).to_have_value(
        REPRESENTATIVE
    )
    axe()
    screenshot(page, "ethics-signing-error")

    area_box(page, 3).check()
    page.get_by_role("button", name="Sign the Code of Ethics").click()
    expect(page).to_have_url(live_server + "/code-of-ethics/certificate")
    banner = success_banner(page, f"You signed version 1 of the Supplier Code of Ethics for {ORGANISATION}.")
    expect(banner).to_be_visible()
    first_reference = REFERENCE.fullmatch(summary_value(page, "Certificate reference").inner_text().strip())
    assert first_reference, "the certificate shows no reference in the CE- format"
    first_reference = first_reference.group(0)
    expect(heading(page)).to_have_text("Supplier Code of Ethics: certificate of pledge")
    expect(pledge_tag(page)).to_have_text("Current")
    for key, value in [
        ("Organisation", ORGANISATION),
        ("Signed for it by", REPRESENTATIVE),
        ("Position", POSITION),
        ("Signature", REPRESENTATIVE),
        ("Version of the Code", "Version 1, in effect from 1 April 2022"),
        ("Certificate reference", first_reference),
        ("Authority to sign", "Confirmed by the signer"),
    ]:
        expect(summary_value(page, key)).to_have_text(value)
    assert SHA256.match(summary_value(page, "Fingerprint of the text (SHA-256)").inner_text().strip())
    expect(summary_value(page, "Signed on")).to_contain_text("UTC")
    expect(summary_value(page, "Areas acknowledged").get_by_role("listitem")).to_have_count(4)
    axe()
    screenshot(page, "ethics-certificate")

    # 2. An officer, in a browser of their own, finds the pledge by its reference.
    officer = other_browsers()
    sign_in(officer, live_server, OFFICER_EMAIL, "/officer/")
    expect(heading(officer.page)).to_have_text("Officer workspace")
    officer.axe()
    officer.page.get_by_role("link", name="Code of Ethics pledges").click()
    expect(heading(officer.page)).to_have_text("Code of Ethics pledges")
    row = officer.page.get_by_role("row").filter(has_text=ORGANISATION)
    expect(row.locator(".govuk-tag")).to_have_text("Current")
    expect(row).to_contain_text(first_reference)
    officer.axe()
    officer.page.get_by_label("Certificate reference", exact=True).fill(first_reference)
    officer.page.get_by_role("button", name="Filter").click()
    expect(officer.page).to_have_url(f"{live_server}/officer/pledges/{first_reference}")
    expect(heading(officer.page)).to_have_text(f"Pledge {first_reference}")
    expect(officer.page.locator(".govuk-caption-l")).to_have_text(ORGANISATION)
    expect(summary_value(officer.page, "Organisation")).to_have_text(ORGANISATION)
    expect(summary_value(officer.page, "Certificate reference")).to_have_text(first_reference)
    expect(summary_value(officer.page, "Account that signed")).to_have_text(
        f"{REPRESENTATIVE} ({SUPPLIER_EMAIL})"
    )
    expect(summary_value(officer.page, "Client address")).to_have_text("127.0.0.1")
    expect(summary_value(officer.page, "Browser (user agent)")).to_contain_text("Chrome")
    expect(officer.page.get_by_text("The organisation's newest pledge.")).to_be_visible()
    officer.axe()
    screenshot(officer.page, "ethics-officer-record")

    # 3. An admin, in a third browser, writes version 2: one word changed, previewed, published.
    admin = other_browsers()
    sign_in(admin, live_server, ADMIN_EMAIL, "/officer/")
    admin.axe()
    admin.page.get_by_role("link", name="Code of Ethics pledges").click()
    expect(heading(admin.page)).to_have_text("Code of Ethics pledges")
    admin.axe()
    admin.page.get_by_role("link", name="Versions of the Code").click()
    expect(heading(admin.page)).to_have_text("Versions of the Code of Ethics")
    admin.axe()
    before = london_today()
    admin.page.get_by_role("button", name="Write a new version").click()  # a link styled as a button
    expect(admin.page).to_have_url(live_server + "/officer/code-of-ethics/new")
    # The form offers today; a run that crosses midnight may see either side of it.
    today = date(
        *(int(admin.page.get_by_label(box, exact=True).input_value()) for box in ("Year", "Month", "Day"))
    )
    assert today in {before, london_today()}, f"the form offers {today}, not today"
    expect(heading(admin.page)).to_have_text("Write a new version of the Code of Ethics")
    text_box = admin.page.get_by_label("Text of the Code", exact=True)
    version_1_text = text_box.input_value()
    assert version_1_text.startswith("The Police and Crime Commissioner for Cheshire"), version_1_text[:80]
    assert version_1_text.count(OLD_TITLE) == 1, "the text box is not prefilled with version 1"
    admin.axe()

    text_box.fill(version_1_text.replace(OLD_TITLE, NEW_TITLE))
    admin.page.get_by_label("What has changed", exact=False).fill(CHANGE_SUMMARY)
    admin.page.get_by_role("button", name="Preview").click()
    preview = admin.page.get_by_role("heading", level=1, name="Preview of the new version", exact=True)
    expect(preview).to_be_visible()
    expect(
        admin.page.get_by_text(re.compile(r"^4 areas\. SHA-256 of the text: [0-9a-f]{64}$"))
    ).to_be_visible()
    expect(
        admin.page.locator(".portal-preview").get_by_role(
            "heading", name="4. Acting with honesty and transparency"
        )
    ).to_be_visible()
    expect(text_box).to_have_value(re.compile(re.escape(NEW_TITLE)))  # the edit is kept
    expect(admin.page.get_by_label("What has changed", exact=False)).to_have_value(CHANGE_SUMMARY)
    admin.axe()
    screenshot(admin.page, "ethics-publish-preview")

    admin.page.get_by_role("button", name="Publish this version").click()
    expect(admin.page).to_have_url(live_server + "/officer/code-of-ethics")
    expect(success_banner(admin.page, "Version 2 is published.")).to_be_visible()
    version_2_row = admin.page.get_by_role("row").filter(has=admin.page.get_by_role("link", name="Version 2"))
    expect(version_2_row.locator(".govuk-tag")).to_have_text("In effect")
    expect(version_2_row).to_contain_text(CHANGE_SUMMARY)
    admin.axe()

    # The outbox worker expands the broadcast: the supplier gets one "new version" email.
    deliver(fresh_app)
    to_supplier = smtp_server.to(SUPPLIER_EMAIL)
    new_version = [m for m in to_supplier if "version 2" in m["Subject"]]
    assert len(new_version) == 1, [m["Subject"] for m in to_supplier]
    assert new_version[0]["Subject"] == "Sign the new Supplier Code of Ethics (version 2)"
    assert f"What has changed: {CHANGE_SUMMARY}" in body(new_version[0])
    assert f"Read and sign it: {BASE_URL}/code-of-ethics" in body(new_version[0])
    assert not smtp_server.to(OFFICER_EMAIL) and not smtp_server.to(ADMIN_EMAIL)  # members only

    # 4. The supplier's account says re-signing is the next thing to do.
    page.goto(live_server + "/account")
    expect(heading(page)).to_have_text("Your account")
    expect(page.get_by_text(f"{ORGANISATION}'s pledge is out of date")).to_be_visible()
    resign = page.get_by_role("button", name="Sign the new version of the Code of Ethics")
    expect(resign).to_be_visible()
    axe()

    # ... and they re-sign by keyboard alone: Tab to move, Space to press or tick, and typing.
    tab_to(page, resign)
    page.keyboard.press("Space")  # a link styled as a button answers Space, as a button does
    expect(page).to_have_url(live_server + "/code-of-ethics")
    expect(page.get_by_text("Version 2, in effect from")).to_be_visible()
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        f"{ORGANISATION}'s pledge to version 1 is out of date. Read version 2 and sign it"
    )
    expect(area_box(page, 4)).to_have_accessible_name(
        "We commit to area 4: Acting with honesty and transparency"
    )
    for number in range(1, 5):
        expect(area_box(page, number)).not_to_be_checked()
    axe()

    tab_to(page, area_box(page, 1))
    for number in range(1, 5):
        expect(area_box(page, number)).to_be_focused()
        page.keyboard.press("Space")
        expect(area_box(page, number)).to_be_checked()
        page.keyboard.press("Tab")
    for label, typed in [
        ("Full name of the representative signing", REPRESENTATIVE),
        ("Their position in the organisation", POSITION),
        ("Signature: type the representative's full name", REPRESENTATIVE),
    ]:
        field = page.get_by_label(label, exact=True)
        expect(field).to_be_focused()
        expect(field).to_have_value("")
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
    authority = page.get_by_label("I confirm I have the authority to sign this pledge for the organisation")
    expect(authority).to_be_focused()
    page.keyboard.press("Space")
    expect(authority).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign the Code of Ethics")).to_be_focused()
    page.keyboard.press("Space")

    # The certificate: version 2, current, a new reference; the first pledge stays on record.
    expect(page).to_have_url(live_server + "/code-of-ethics/certificate")
    banner = success_banner(page, f"You signed version 2 of the Supplier Code of Ethics for {ORGANISATION}.")
    expect(banner).to_be_visible()
    second_reference = REFERENCE.fullmatch(summary_value(page, "Certificate reference").inner_text().strip())
    assert second_reference, "the certificate shows no reference in the CE- format"
    second_reference = second_reference.group(0)
    assert second_reference != first_reference
    expect(pledge_tag(page)).to_have_text("Current")
    expect(summary_value(page, "Version of the Code")).to_have_text(
        f"Version 2, in effect from {today.day} {today:%B %Y}"
    )
    expect(summary_value(page, "Certificate reference")).to_have_text(second_reference)
    expect(summary_value(page, "Areas acknowledged").get_by_role("listitem").nth(3)).to_have_text(
        "Acting with honesty and transparency"
    )
    history = page.get_by_role("table", name="Pledges, newest first")
    for reference, number in ((second_reference, "2"), (first_reference, "1")):
        expect(history.get_by_role("row").filter(has_text=reference).get_by_role("cell").nth(1)).to_have_text(
            number
        )
    expect(history.get_by_role("row").filter(has_text=second_reference)).to_contain_text("(shown)")
    # The earlier pledge stays readable, by a link from the history.
    expect(history.get_by_role("link", name=first_reference)).to_be_visible()
    axe()
    screenshot(page, "ethics-certificate-version-2")

    # The officer's record of the first pledge now says the organisation signed again.
    officer.page.reload()
    expect(officer.page.get_by_text("The organisation has signed again since")).to_be_visible()
    officer.axe()

    # Every page each browser loaded was scanned, and nothing logged an error (the fixtures
    # check this again once the contexts close).
    for checked in (checked_page, officer, admin):
        assert not checked.real_console_errors(), f"console errors: {checked.real_console_errors()}"
        assert not checked.unscanned(), f"pages loaded but never scanned by axe: {checked.unscanned()}"
