"""Interest and alerts: a member of an organisation with a current Code of Ethics pledge registers
its interest (once, while the opportunity is open), which officers see with the organisation's
local / SME / VCSE status; organisations choose the categories they are alerted about, and
publishing an opportunity emails each verified, active member of those organisations once
(delivered by the outbox worker to a real SMTP server), with a link to stop the alerts."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from portal.accounts.models import User
from portal.extensions import db
from portal.opportunities import services
from portal.opportunities.models import AlertOptOut, Interest, Opportunity, alert_divisions
from portal.organisations.models import LocalStatus, Organisation
from portal.organisations.rules import LegalForm
from portal.outbox.models import Broadcast
from portal.outbox.worker import run_until_idle
from portal.time import london_today, utcnow
from portal.tokens import ALERTS_UNSUBSCRIBE, VERIFY_EMAIL, make_token
from tests.conftest import csrf_token_from, post_form, session_csrf_token
from tests.factories import make_opportunity, make_staff, make_supplier, sign_in
from tests.social_value.conftest import audits, count_of, html_of, member_of, rival_client, text_of

__all__ = ["rival_client"]

BASE_URL = "http://portal.test"  # the test settings' BASE_URL
REGISTERED = "Your organisation's interest is registered: the procurement unit can see it."
NO_PLEDGE = "Sign the Supplier Code of Ethics for your organisation first."
HAS_CLOSED = "This opportunity has closed."
SAVED = (
    "Alert categories saved: members of your organisation will be emailed about new opportunities in them."
)
ALERTS_OFF = "Alerts are off: nobody in your organisation will be emailed about new opportunities."
UNSUBSCRIBE = re.compile(r"Stop these emails to you: (\S+)")


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def opportunity_id(app: Flask, officer) -> int:
    """An open, published opportunity in cleaning (CPV division 90)."""
    with app.app_context():
        opportunity = make_opportunity(officer=officer, title="Station cleaning", reference="CC-2026-041")
        db.session.commit()
        return opportunity.id


@pytest.fixture
def officer(app: Flask, transaction) -> User:
    with app.app_context():
        return make_staff("olive@example.com", name="Olive Officer")


def press_register(client: FlaskClient, opportunity_id: int, *, token: str | None = None):
    """Press "Register interest" (with the session's CSRF token when the page shows no button)."""
    token = token or session_csrf_token(client)
    return client.post(f"/opportunities/{opportunity_id}/interest", data={"csrf_token": token})


def interests(app: Flask, opportunity_id: int) -> list[tuple[int, int]]:
    """(organisation, registered by) of each interest in the opportunity."""
    with app.app_context():
        return [
            (row.organisation_id, row.registered_by_id)
            for row in db.session.scalars(
                sa.select(Interest).where(Interest.opportunity_id == opportunity_id)
            )
        ]


def banner(html: str) -> str:
    match = re.search(r'<div class="govuk-notification-banner.*?</div>\s*</div>', html, re.S)
    return text_of(match.group(0)) if match else ""


def alert_codes(app: Flask, organisation_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(alert_divisions.c.cpv_division)
                .where(alert_divisions.c.organisation_id == organisation_id)
                .order_by(alert_divisions.c.cpv_division)
            )
        )


def set_alerts(app: Flask, organisation_id: int, *codes: str) -> None:
    with app.app_context():
        db.session.execute(
            sa.insert(alert_divisions),
            [{"organisation_id": organisation_id, "cpv_division": c} for c in codes],
        )
        db.session.commit()


# --- registering interest -----------------------------------------------------------------------


def test_a_visitor_is_asked_to_sign_in_before_registering_interest(app, client, opportunity_id):
    html = html_of(client, f"/opportunities/{opportunity_id}")
    assert "Sign in or create an account to register your organisation's interest." in text_of(html)
    assert "Register interest" not in html
    response = press_register(client, opportunity_id)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert interests(app, opportunity_id) == []


def test_a_member_registers_their_organisations_interest_once(app, client, member, opportunity_id):
    url = f"/opportunities/{opportunity_id}"
    response = post_form(client, f"{url}/interest", {}, page=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    html = html_of(client, url)
    assert REGISTERED in banner(html)
    assert "Your organisation registered its interest on " in text_of(html)
    assert "Register interest" not in html  # the button is gone
    assert interests(app, opportunity_id) == [(member.organisation_id, member.id)]
    [record] = audits(app, "opportunity.interest_registered")
    assert record.record_id == str(opportunity_id) and record.details == {
        "organisation_id": member.organisation_id
    }

    # A second press, or a colleague's, stores nothing new.
    assert press_register(client, opportunity_id).status_code == 302
    with app.app_context():
        organisation = db.session.get(Organisation, member.organisation_id)
        colleague = make_supplier("colleague@example.com", name="Cal Colleague", organisation=organisation)
    other = app.test_client()
    sign_in(other, colleague.email)
    assert "Your organisation registered its interest on " in text_of(html_of(other, url))
    assert press_register(other, opportunity_id).status_code == 302
    assert interests(app, opportunity_id) == [(member.organisation_id, member.id)]
    assert len(audits(app, "opportunity.interest_registered")) == 1


def test_a_member_without_a_current_pledge_is_refused_and_nothing_is_stored(app, opportunity_id):
    with app.app_context():
        unpledged = member_of("Unsigned Upholstery", "unsigned@example.com", pledged=False)
    client = app.test_client()
    sign_in(client, unpledged.email)
    url = f"/opportunities/{opportunity_id}"
    assert post_form(client, f"{url}/interest", {}, page=url).status_code == 302
    html = html_of(client, url)
    assert NO_PLEDGE in banner(html)
    assert "Register interest" in html  # still not registered
    assert interests(app, opportunity_id) == []
    assert audits(app, "opportunity.interest_registered") == []


@pytest.mark.parametrize(
    "closed", [{"closes_in": timedelta(hours=-1)}, {"state": "closed", "closes_in": timedelta(days=5)}]
)
def test_interest_in_a_closed_opportunity_is_refused(app, client, member, officer, closed):
    with app.app_context():
        closed_id = make_opportunity(officer=officer, title="Closed one", closed_at=utcnow(), **closed).id
        db.session.commit()
    html = html_of(client, f"/opportunities/{closed_id}")
    assert "Register interest" not in html
    assert press_register(client, closed_id).status_code == 302
    assert HAS_CLOSED in banner(html_of(client, f"/opportunities/{closed_id}"))
    assert interests(app, closed_id) == []


def test_interest_in_a_draft_is_404(app, client, member, officer):
    with app.app_context():
        draft_id = make_opportunity(officer=officer, title="Draft", state="draft").id
        db.session.commit()
    assert press_register(client, draft_id).status_code == 404
    assert interests(app, draft_id) == []


def test_officers_cannot_register_interest(app, officer_client, opportunity_id):
    html = html_of(officer_client, f"/opportunities/{opportunity_id}")
    assert "Register interest" not in html
    assert press_register(officer_client, opportunity_id).status_code == 403
    assert interests(app, opportunity_id) == []


def test_interest_without_the_csrf_token_is_refused(app, client, member, opportunity_id):
    response = client.post(f"/opportunities/{opportunity_id}/interest", data={})
    assert response.status_code == 400
    response = client.post(f"/opportunities/{opportunity_id}/interest", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert interests(app, opportunity_id) == []


def classified(organisation_id: int, *, local: bool, sme: bool, charity: bool) -> None:
    organisation = db.session.get(Organisation, organisation_id)
    organisation.local_status = LocalStatus.LOCAL if local else LocalStatus.NOT_LOCAL
    organisation.local_explanation = "Local: test data." if local else "Not local: test data."
    organisation.staff_headcount = 12 if sme else 900
    organisation.turnover = Decimal("900000") if sme else Decimal("90000000")
    organisation.balance_sheet_total = Decimal("300000") if sme else Decimal("60000000")
    organisation.financial_year_end = london_today() - timedelta(days=60)
    organisation.legal_form = LegalForm.CHARITY if charity else LegalForm.PRIVATE_LIMITED
    organisation.vcse_declared = None if charity else False
    db.session.commit()


def test_officers_see_each_interested_organisation_with_its_local_sme_and_vcse_status(
    app, client, member, rival_client, officer_client, opportunity_id
):
    with app.app_context():
        classified(member.organisation_id, local=True, sme=True, charity=False)
        classified(rival_client.user.organisation_id, local=False, sme=False, charity=True)
    url = f"/officer/opportunities/{opportunity_id}"
    assert "No organisation has registered interest yet." in text_of(html_of(officer_client, url))
    press_register(client, opportunity_id)
    press_register(rival_client, opportunity_id)
    html = html_of(officer_client, url)
    rows = {
        text_of(cells[0]): (text_of(cells[1]), text_of(cells[2]))
        for cells in (
            re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row, re.S)
            for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, re.S)
        )
        if len(cells) == 3
    }
    assert set(rows) == {"Winsford Widgets", "Northwich Nuts and Bolts"}
    assert rows["Winsford Widgets"][0] == "Local; SME; Not a VCSE"
    assert rows["Winsford Widgets"][1].endswith("by Mo Member")
    assert rows["Northwich Nuts and Bolts"][0] == "Not local; Not an SME; VCSE"
    assert rows["Northwich Nuts and Bolts"][1].endswith("by Rhys Rival")
    assert f'href="/officer/organisations/{member.organisation_id}"' in html


def test_another_organisations_member_sees_only_their_own_organisations_interest(
    app, client, member, rival_client, opportunity_id
):
    url = f"/opportunities/{opportunity_id}"
    press_register(client, opportunity_id)
    rival_page = html_of(rival_client, url)
    assert "Your organisation registered its interest" not in rival_page
    assert "Register interest" in rival_page
    assert "Winsford Widgets" not in rival_page and "Mo Member" not in rival_page
    press_register(rival_client, opportunity_id)
    assert "Your organisation registered its interest on " in text_of(html_of(rival_client, url))
    assert "Northwich" not in html_of(client, url)
    assert len(interests(app, opportunity_id)) == 2


# --- choosing alert categories --------------------------------------------------------------------


def test_a_member_saves_their_organisations_alert_categories(app, client, member):
    html = html_of(client, "/opportunities/alerts")
    assert '<h1 class="govuk-heading-l">Opportunity alerts</h1>' in html
    assert 'value="90"' in html and 'value="55"' in html
    response = post_form(client, "/opportunities/alerts", {"divisions": ["90", "55"]})
    assert response.status_code == 302 and response.headers["Location"] == "/opportunities/alerts"
    html = html_of(client, "/opportunities/alerts")
    assert SAVED in banner(html)
    assert alert_codes(app, member.organisation_id) == ["55", "90"]
    assert re.search(r'value="90"\s+checked', html) and re.search(r'value="55"\s+checked', html)
    [record] = audits(app, "opportunity.alerts_changed")
    assert record.details == {"divisions": ["55", "90"]}

    post_form(client, "/opportunities/alerts", {"divisions": ["55"]})
    assert alert_codes(app, member.organisation_id) == ["55"]
    post_form(client, "/opportunities/alerts", {})  # nothing ticked: alerts off
    assert ALERTS_OFF in banner(html_of(client, "/opportunities/alerts"))
    assert alert_codes(app, member.organisation_id) == []
    assert [r.details["divisions"] for r in audits(app, "opportunity.alerts_changed")] == [
        ["55", "90"],
        ["55"],
        [],
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        ["99"],
        ["90000000-7"],
        ["<script>alert(1)</script>"],
        ["'; DROP TABLE opportunity_alert_divisions; --"],
        ["9\x000"],
        ["a" * 10_000],
        ["", " 90"],
    ],
)
def test_only_known_categories_are_kept_and_hostile_values_ignored(app, client, member, hostile):
    response = post_form(client, "/opportunities/alerts", {"divisions": ["90", *hostile, "55"]})
    assert response.status_code in {200, 302}
    html = html_of(client, "/opportunities/alerts")
    assert "<script>alert(1)</script>" not in html
    assert alert_codes(app, member.organisation_id) == ["55", "90"]


def test_officers_have_no_alerts_page_and_visitors_are_asked_to_sign_in(app, client, officer_client):
    assert officer_client.get("/opportunities/alerts").status_code == 403
    token = session_csrf_token(officer_client)
    response = officer_client.post("/opportunities/alerts", data={"csrf_token": token, "divisions": ["90"]})
    assert response.status_code == 403
    response = client.get("/opportunities/alerts")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(alert_divisions)) == 0


# --- alert emails ------------------------------------------------------------------------------


def deliver(app: Flask) -> None:
    with app.app_context():
        run_until_idle()


def alerts_to(smtp_server, address: str) -> list[EmailMessage]:
    return [m for m in smtp_server.to(address) if m["Subject"].startswith("New opportunity: ")]


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_body(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def closing_parts(days: int = 21) -> list[str]:
    day = london_today() + timedelta(days=days)
    return [str(day.day), str(day.month), str(day.year)]


def opportunity_form(**changes) -> dict:
    data = {
        "title": "Custody suite cleaning",
        "reference": "CC-2026-090",
        "summary": "Daily cleaning of the custody suites at Middlewich and Runcorn.",
        "cpv_division": "90",
        "value_ex_vat": "120000",
        "vat_rate": "20",
        "procedure": "tender",
        "closing_date": closing_parts(),
        "closing_time": "12:00",
        "notice_url": "https://www.find-tender.service.gov.uk/Notice/000111-2026",
        "suitable": ["sme"],
        "response_route": "portal",
        "weighting": "",
        "weighting_reason": "",
    }
    data.update(changes)
    return data


def create_and_publish(officer_client: FlaskClient, **changes) -> int:
    """An opportunity made through the officers' form and published; its id."""
    response = post_form(officer_client, "/officer/opportunities/new", opportunity_form(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    opportunity_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = f"/officer/opportunities/{opportunity_id}"
    response = post_form(officer_client, f"{page}/publish", {}, page=page)
    assert response.status_code == 302
    return opportunity_id


@pytest.fixture
def audience(app: Flask, transaction) -> dict[str, User]:
    """Members of four registered organisations: alerted about cleaning (90), catering (55), both,
    or nothing; with a disabled and an unverified member in the cleaning one."""
    with app.app_context():
        ada = member_of("Crewe Cleaners", "ada@crewe-cleaners.example", person="Ada Clean")
        cleaners = db.session.get(Organisation, ada.organisation_id)
        people = {
            "ada": ada,
            "ben": make_supplier("ben@crewe-cleaners.example", name="Ben Clean", organisation=cleaners),
            "dis": make_supplier(
                "dis@crewe-cleaners.example",
                name="Dis Abled",
                organisation=cleaners,
                disabled=True,
            ),
            "unv": make_supplier(
                "unv@crewe-cleaners.example",
                name="Un Verified",
                organisation=cleaners,
                verified=False,
            ),
            "cat": member_of("Cheshire Catering", "cat@catering.example", person="Cat Caterer"),
            "both": member_of("Both Services", "bo@both.example", person="Bo Both"),
            "none": member_of("No Alerts Ltd", "nn@no-alerts.example", person="Nell None"),
        }
    set_alerts(app, people["ada"].organisation_id, "90")
    set_alerts(app, people["cat"].organisation_id, "55")
    set_alerts(app, people["both"].organisation_id, "55", "90")
    return people


ALERTED_ABOUT_CLEANING = ["ada@crewe-cleaners.example", "ben@crewe-cleaners.example", "bo@both.example"]


def recipients(smtp_server) -> list[str]:
    return sorted(
        m["X-Envelope-To"] for m in smtp_server.messages if m["Subject"].startswith("New opportunity: ")
    )


def test_publishing_queues_one_broadcast_for_the_opportunitys_category(app, officer_client, audience):
    opportunity_id = create_and_publish(officer_client)
    with app.app_context():
        [broadcast] = db.session.scalars(sa.select(Broadcast)).all()
        assert broadcast.audience == "opportunity_alert"
        assert broadcast.audience_params == {"opportunity_id": opportunity_id, "division": "90"}
        assert broadcast.subject == "New opportunity: Custody suite cleaning"
        assert db.session.get(Opportunity, opportunity_id).alerted_at is not None
    # Publishing again is refused and queues nothing more.
    page = f"/officer/opportunities/{opportunity_id}"
    officer_client.post(f"{page}/publish", data={"csrf_token": session_csrf_token(officer_client)})
    assert "This opportunity has already been published." in banner(html_of(officer_client, page))
    assert count_of(app, Broadcast) == 1


def test_a_new_opportunity_emails_each_active_member_alerted_about_its_category_once(
    app, officer_client, audience, smtp_server
):
    opportunity_id = create_and_publish(officer_client)
    deliver(app)
    assert recipients(smtp_server) == ALERTED_ABOUT_CLEANING
    [ada] = alerts_to(smtp_server, "ada@crewe-cleaners.example")
    assert ada["Subject"] == "New opportunity: Custody suite cleaning"
    assert ada["To"] == "ada@crewe-cleaners.example"
    text = plain(ada)
    assert "Dear Ada Clean," in text
    assert "(Sewage, refuse, cleaning and environmental services)" in text
    assert "Custody suite cleaning (CC-2026-090)" in text
    assert "Estimated value: £120,000 excluding VAT" in text

    # The worker again, or a change to the opportunity, sends nothing more.
    deliver(app)
    page = f"/officer/opportunities/{opportunity_id}"
    changed = opportunity_form(title="Custody suite cleaning (changed)")
    response = post_form(officer_client, f"{page}/edit", changed)
    assert response.status_code == 302
    deliver(app)
    assert recipients(smtp_server) == ALERTED_ABOUT_CLEANING
    with app.app_context():
        assert db.session.get(Opportunity, opportunity_id).title == "Custody suite cleaning (changed)"

    # An opportunity in catering goes to the catering and the both organisations only.
    create_and_publish(officer_client, title="Canteen catering", reference="CC-2026-091", cpv_division="55")
    deliver(app)
    catering = sorted(m["X-Envelope-To"] for m in smtp_server.messages if "Canteen catering" in m["Subject"])
    assert catering == ["bo@both.example", "cat@catering.example"]
    assert not alerts_to(smtp_server, "nn@no-alerts.example")
    assert not alerts_to(smtp_server, "dis@crewe-cleaners.example")
    assert not alerts_to(smtp_server, "unv@crewe-cleaners.example")
    assert not alerts_to(smtp_server, "reviewer@example.com")  # the officer


def test_a_draft_emails_no_one_until_it_is_published(app, officer_client, audience, smtp_server):
    response = post_form(officer_client, "/officer/opportunities/new", opportunity_form())
    assert response.status_code == 302
    deliver(app)
    assert recipients(smtp_server) == []
    assert count_of(app, Broadcast) == 0


def test_every_alert_links_to_the_opportunity_the_alerts_page_and_its_own_unsubscribe_link(
    app, officer_client, audience, smtp_server
):
    opportunity_id = create_and_publish(officer_client)
    deliver(app)
    links = set()
    for address in ALERTED_ABOUT_CLEANING:
        [message] = alerts_to(smtp_server, address)
        text, html = plain(message), html_body(message)
        opportunity_link = f"{BASE_URL}/opportunities/{opportunity_id}"
        assert f"Read it and register your interest: {opportunity_link}\n" in text
        assert f'href="{opportunity_link}"' in html
        assert f"Change the categories: {BASE_URL}/opportunities/alerts" in text
        [unsubscribe] = UNSUBSCRIBE.findall(text)
        assert unsubscribe.startswith(f"{BASE_URL}/opportunities/alerts/unsubscribe/")
        assert f'href="{unsubscribe}"' in unescape(html)
        links.add(unsubscribe)
    assert len(links) == 3  # each member's own


def unsubscribe_path(message: EmailMessage) -> str:
    [link] = UNSUBSCRIBE.findall(plain(message))
    return link.removeprefix(BASE_URL)


def opt_outs(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AlertOptOut.user_id)))


def test_a_member_who_unsubscribes_gets_no_more_alerts_until_they_save_the_alerts_page(
    app, officer_client, audience, smtp_server
):
    create_and_publish(officer_client)
    deliver(app)
    path = unsubscribe_path(alerts_to(smtp_server, "ada@crewe-cleaners.example")[0])

    # The link asks first: a GET (a mail scanner, a preview) writes nothing.
    reader = app.test_client()
    page = html_of(reader, path)
    assert "Stop opportunity alerts?" in page
    assert "We will stop emailing ada@crewe-cleaners.example about new opportunities." in text_of(page)
    html_of(reader, path)
    assert opt_outs(app) == []
    assert audits(app, "opportunity.alerts_opted_out") == []

    response = reader.post(path, data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 200
    assert "You will get no more opportunity alerts" in response.get_data(as_text=True)
    assert opt_outs(app) == [audience["ada"].id]
    [record] = audits(app, "opportunity.alerts_opted_out")
    assert record.record_id == str(audience["ada"].id)
    assert reader.post(path, data={"csrf_token": csrf_token_from(page)}).status_code == 200  # again: no harm
    assert opt_outs(app) == [audience["ada"].id]

    create_and_publish(officer_client, title="Window cleaning", reference="CC-2026-092")
    deliver(app)
    window = sorted(m["X-Envelope-To"] for m in smtp_server.messages if "Window cleaning" in m["Subject"])
    assert window == ["ben@crewe-cleaners.example", "bo@both.example"]

    # Saving the alerts page (even unchanged) starts them again for that member.
    ada = app.test_client()
    sign_in(ada, "ada@crewe-cleaners.example")
    page = html_of(ada, "/opportunities/alerts")
    assert "You stopped these emails to yourself from an alert's link." in page
    assert post_form(ada, "/opportunities/alerts", {"divisions": ["90"]}).status_code == 302
    assert opt_outs(app) == []
    assert "You stopped these emails" not in html_of(ada, "/opportunities/alerts")
    create_and_publish(officer_client, title="Gutter cleaning", reference="CC-2026-093")
    deliver(app)
    gutter = sorted(m["X-Envelope-To"] for m in smtp_server.messages if "Gutter cleaning" in m["Subject"])
    assert gutter == ALERTED_ABOUT_CLEANING


def old_token(app: Flask, payload: dict, age: timedelta) -> str:
    """A genuine unsubscribe token signed `age` ago."""
    signed_at = int(time.time() - age.total_seconds())
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: signed_at
    try:
        with app.test_request_context():
            return make_token(ALERTS_UNSUBSCRIBE, payload)
    finally:
        TimestampSigner.get_timestamp = original


def test_a_tampered_expired_or_foreign_unsubscribe_link_is_a_404_page(app, client, audience):
    user_id = audience["ada"].id
    with app.test_request_context():
        genuine = make_token(ALERTS_UNSUBSCRIBE, {"user": user_id})
        other_purpose = make_token(VERIFY_EMAIL, {"user": user_id})
        nobody = make_token(ALERTS_UNSUBSCRIBE, {"user": user_id + 10_000})
    assert client.get(f"/opportunities/alerts/unsubscribe/{genuine}").status_code == 200
    assert (
        client.get(
            f"/opportunities/alerts/unsubscribe/{old_token(app, {'user': user_id}, timedelta(days=729))}"
        ).status_code
        == 200
    )
    expired = old_token(app, {"user": user_id}, timedelta(days=731))
    tampered = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    for token in (tampered, expired, other_purpose, nobody, "x", "a" * 5000, genuine.replace(".", "", 1)):
        for method in ("get", "post"):
            response = getattr(client, method)(
                f"/opportunities/alerts/unsubscribe/{token}", data={"csrf_token": session_csrf_token(client)}
            )
            assert response.status_code == 404, (token, method)
            assert "This link does not work" in response.get_data(as_text=True)
    assert opt_outs(app) == []


def test_the_audience_leaves_out_staff_and_opted_out_members(app, audience):
    with app.app_context():
        ada = db.session.get(User, audience["ada"].id)
        services.opt_out(ada)
        db.session.commit()
        found = services.alert_recipients({"division": "90", "opportunity_id": 1}, None, 100)
    assert [r.address for r in found] == ["ben@crewe-cleaners.example", "bo@both.example"]
