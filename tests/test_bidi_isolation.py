"""Text suppliers typed, shown to officers, is inside `<bdi>`: a name in Arabic or Hebrew beside a
number, or a direction override stored before such characters were refused, cannot reverse or
reorder what is around it on an officer's page.

One organisation's records hold, in every field its people typed, right-to-left text and a marker
naming the field ("שלום MARK-legal-name"); an admin (who sees every officer page) then opens every
officer page that shows those records, and each marker must be inside a `<bdi>` element. Every
officer page (GET, a rule starting /officer) is either visited here or named as showing no
supplier text, so a new page has to be placed in one or the other.

Skipped: attribute values (a link's address, an `<input value=...>`), and the text of `<textarea>`,
`<option>` and `<title>`, which hold text and never elements (form fields keep the text as it was
typed; a page title cannot carry markup).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import sqlalchemy as sa
from flask import Flask

from portal import audit
from portal.accounts.models import User
from portal.due_diligence import services as due_diligence
from portal.due_diligence.rules import Sector, Training
from portal.ethics import services as ethics
from portal.ethics.models import Pledge
from portal.ethics.versions import versions_by_day
from portal.extensions import db
from portal.opportunities.models import Opportunity, Procedure
from portal.opportunities.services import register_interest
from portal.opportunities.services import responses as opportunity_responses
from portal.organisations.models import Accreditation, AccreditationKind, Organisation, OrganisationSite
from portal.outbox.models import OutboxMessage
from portal.quotations import services as quotations
from portal.social_value.models import Commitment, DeliveryReport, Offer
from portal.time import london_today, utcnow
from portal.voluntary.models import Need, NeedKind, NeedResponse, NeedState
from tests.factories import (
    APP_SECRET,
    make_directory_entry,
    make_opportunity,
    make_staff,
    make_supplier,
    sign_in,
)
from tests.social_value.conftest import add_offer, make_move, registered

# A marker: "mark-" and the field's name, any case; never part of a longer word.
MARKER = re.compile(r"(?<![\w-])mark-[a-z0-9]+(?:-[a-z0-9]+)*", re.IGNORECASE)


def marked(field: str) -> str:
    """Right-to-left text and the field's marker: what the forms accept (plain Hebrew letters;
    only the override and isolate characters are refused)."""
    return f"שלום MARK-{field}"


def address(field: str) -> str:
    """An email address carrying the field's marker (an address has no room for Hebrew)."""
    return f"mark-{field}@example.com"


# --- the pages -----------------------------------------------------------------------------------

# Each officer page that shows the records' supplier text, by its rule, with the addresses visited
# (filled in with the records' ids).
VISITED: dict[str, tuple[str, ...]] = {
    "/officer/audit": ("/officer/audit",),
    "/officer/due-diligence": ("/officer/due-diligence",),
    "/officer/due-diligence/<int:organisation_id>": ("/officer/due-diligence/{organisation}",),
    "/officer/needs": ("/officer/needs", "/officer/needs?state=published"),
    "/officer/needs/<int:need_id>": ("/officer/needs/{pending_need}", "/officer/needs/{published_need}"),
    "/officer/offers": ("/officer/offers",),
    "/officer/offers/<int:offer_id>": (
        "/officer/offers/{queued_offer}",
        "/officer/offers/{accepted_offer}",
        "/officer/offers/{response_offer}",
    ),
    "/officer/opportunities/<int:opportunity_id>": ("/officer/opportunities/{opportunity}",),
    "/officer/opportunities/<int:opportunity_id>/award": ("/officer/opportunities/{opportunity}/award",),
    "/officer/opportunities/<int:opportunity_id>/responses/<int:organisation_id>": (
        "/officer/opportunities/{opportunity}/responses/{organisation}",
    ),
    "/officer/opportunities/<int:opportunity_id>/quotation": (
        "/officer/opportunities/{quotation}/quotation",
    ),
    "/officer/opportunities/<int:opportunity_id>/quotation/complete": (
        "/officer/opportunities/{quotation}/quotation/complete",
    ),
    "/officer/organisations": ("/officer/organisations",),
    "/officer/organisations/<int:organisation_id>": ("/officer/organisations/{organisation}",),
    "/officer/outbox": ("/officer/outbox",),
    "/officer/outbox/<int:message_id>": ("/officer/outbox/{message}",),  # and every other message
    "/officer/pledges": ("/officer/pledges",),
    "/officer/pledges/<reference>": ("/officer/pledges/{pledge}",),
    "/officer/social-value/reports": ("/officer/social-value/reports",),
    "/officer/users": ("/officer/users",),
    "/officer/users/<int:user_id>/reset-authenticator": ("/officer/users/{member}/reset-authenticator",),
    "/officer/voluntary-sector": ("/officer/voluntary-sector",),
}

# Officer pages that show no supplier text: the portal's and officers' own words, reference data
# (the outcome matrix), officers' forms, and a file.
NO_SUPPLIER_TEXT = {
    "/officer/",  # the workspace's links
    "/officer/code-of-ethics",  # versions of the Code, written by admins
    "/officer/code-of-ethics/new",
    "/officer/needs/new",  # an officer's need, for a directory body officers keep
    "/officer/opportunities",  # opportunities, written by officers
    "/officer/opportunities/new",
    "/officer/opportunities/<int:opportunity_id>/edit",
    "/officer/opportunities/<int:opportunity_id>/close",
    "/officer/opportunities/<int:opportunity_id>/lots/new",
    "/officer/opportunities/<int:opportunity_id>/quotation/named",  # an officer's form
    "/officer/opportunities/quotations",  # opportunities and officers' reasons
    # The evidence file itself, as uploaded: not a page.
    "/officer/organisations/<int:organisation_id>/accreditations/<int:accreditation_id>/evidence",
    "/officer/social-value/<any(outcome, indicator):kind>/<int:item_id>",  # the outcome matrix
    "/officer/social-value/matrix",
    "/officer/social-value/measures/<int:measure_id>",
    "/officer/social-value/totals",  # totals by theme and measure, across all organisations
    "/officer/users/invite",
    "/officer/voluntary-sector/<int:entry_id>/edit",  # the directory, kept by officers
    "/officer/voluntary-sector/new",
}


# --- the records ---------------------------------------------------------------------------------


def build_records(app: Flask) -> dict[str, object]:
    """One supplier organisation's records, each field its people typed marked; their ids."""
    with app.app_context():
        return _build()


def _build() -> dict[str, object]:
    admin = make_staff("head@example.com", name="Hana Head", admin=True)
    staff = db.session.get(User, admin.id)
    organisation = _organisation()
    member = make_supplier(address("member-email"), name=marked("member-name"), organisation=organisation)
    signer = db.session.get(User, member.id)
    signer.totp_secret, signer.totp_added_at = APP_SECRET, utcnow()  # an app an officer can reset
    reference = _pledge(organisation, signer)
    _due_diligence(organisation, signer)
    ids = {
        "admin": admin.id,
        "organisation": organisation.id,
        "member": member.id,
        "pledge": reference,
        **_offers(organisation, signer, staff),
        **_opportunities(organisation, signer, staff),
        **_needs(organisation, signer),
    }
    ids["message"] = _records_of_the_portal(organisation, signer)
    db.session.commit()
    return ids


def _organisation() -> Organisation:
    organisation = registered(marked("trading-name"))
    organisation.trading_name = marked("trading-name")
    organisation.legal_name = marked("legal-name")
    organisation.address_line_1 = marked("address-line-1")
    organisation.address_line_2 = marked("address-line-2")
    organisation.town = marked("town")
    organisation.postcode = "CW7 2UA"
    organisation.website = "https://example.com/mark-website"
    organisation.modern_slavery_statement_url = "https://example.com/mark-statement-url"
    organisation.accreditations_answered = True
    organisation.sites.append(
        OrganisationSite(
            label=marked("site-label"),
            address_line_1=marked("site-address"),
            town=marked("site-town"),
            postcode="CH3 6EQ",
        )
    )
    organisation.accreditations.append(
        Accreditation(
            kind=AccreditationKind.OTHER,
            other_name=marked("accreditation-name"),
            certificate_number=marked("certificate-number"),
            expires_on=london_today() + timedelta(days=300),
            evidence_name="b1d1" * 8 + ".pdf",
            evidence_filename=marked("evidence-filename") + ".pdf",
            evidence_type="application/pdf",
            evidence_size=100,
        )
    )
    db.session.commit()
    return organisation


def _pledge(organisation: Organisation, signer: User) -> str:
    _, version = versions_by_day()
    ethics.sign(
        organisation,
        signer,
        version,
        representative_name=marked("representative-name"),
        representative_position=marked("representative-position"),
        signature=marked("signature"),
        client_address="127.0.0.1",
        user_agent=marked("user-agent"),  # the signer's browser sent it
    )
    db.session.commit()
    return db.session.scalar(sa.select(Pledge.reference).where(Pledge.organisation_id == organisation.id))


def _due_diligence(organisation: Organisation, signer: User) -> None:
    due_diligence.save_answers(
        organisation,
        {
            "sector": Sector.CONSTRUCTION,
            "sourcing": ["services_only"],
            "countries": marked("countries"),
            "agency_labour": False,
            "agency_checks": [],
            "social_audits": ["other"],
            "other_audit": marked("other-audit"),
            "grievance_route": True,
            "training": Training.YES,
        },
        due_diligence.profile_facts(organisation),
        actor=signer,
    )
    db.session.commit()


def _offers(organisation: Organisation, signer: User, staff: User) -> dict[str, int]:
    """An offer in the queue; another asked about, answered, accepted and reported on."""
    queued = add_offer(organisation.id, signer.id, description=marked("queued-offer"))
    make_move(queued, "submit", signer.id, "")
    accepted = add_offer(organisation.id, signer.id, description=marked("accepted-offer"))
    make_move(accepted, "submit", signer.id, "")
    make_move(accepted, "pick_up", staff.id, "")
    make_move(accepted, "ask", staff.id, "Which youth club is it?")
    make_move(accepted, "resubmit", signer.id, marked("supplier-answer"))
    make_move(accepted, "pick_up", staff.id, "")
    make_move(accepted, "accept", staff.id, "")
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == accepted))
    db.session.add(
        DeliveryReport(
            commitment_id=commitment.id,
            quantity=Decimal("40"),
            delivered_on=london_today() - timedelta(days=1),
            description=marked("report-description"),
            reported_by_id=signer.id,
            evidence_name="b1d2" * 8 + ".pdf",
            evidence_filename=marked("report-evidence") + ".pdf",
            evidence_type="application/pdf",
            evidence_size=100,
        )
    )
    db.session.commit()
    return {"queued_offer": queued, "accepted_offer": accepted}


def _opportunities(organisation: Organisation, signer: User, staff: User) -> dict[str, int]:
    """An opportunity the organisation registered interest in and responded to, now closed, with
    the admin's declaration of no conflict; a quotation exercise inviting the organisation."""
    opportunity = make_opportunity(officer=staff, title="Grounds maintenance")
    db.session.commit()
    register_interest(opportunity, user=signer)
    response = add_offer(organisation.id, signer.id, description=marked("response-offer"))
    db.session.get(Offer, response).opportunity_id = opportunity.id
    db.session.commit()
    make_move(response, "seal", signer.id, "")
    opportunity = db.session.get(Opportunity, opportunity.id)
    opportunity.closes_at = utcnow() - timedelta(minutes=5)
    db.session.flush()
    opportunity_responses.declare_no_conflict(opportunity, organisation, officer=staff)
    quotation = make_opportunity(officer=staff, procedure=Procedure.QUOTATION, value_ex_vat=Decimal("20000"))
    exercise = quotations.start(quotation, actor=staff)
    quotations.invite_organisation(exercise, organisation, actor=staff)
    db.session.commit()
    return {"opportunity": opportunity.id, "response_offer": response, "quotation": quotation.id}


def _needs(organisation: Organisation, signer: User) -> dict[str, int]:
    """A need the organisation posted, waiting for approval; another, published, answered by a
    second supplier; a directory body the organisation acts for."""
    make_directory_entry("Winsford Volunteer Hub", organisation_id=organisation.id)
    needs = {}
    for state, field in ((NeedState.PENDING, "pending-need"), (NeedState.PUBLISHED, "published-need")):
        need = Need(
            title=marked(f"{field}-title"),
            description=marked(f"{field}-description"),
            kind=NeedKind.MENTORING,
            authority="E06000050",
            starts_on=london_today() + timedelta(days=7),
            ends_on=london_today() + timedelta(days=60),
            contact_name=marked(f"{field}-contact"),
            contact_email=address(f"{field}-contact"),
            contact_phone="01606 123456",
            state=state,
            organisation_id=organisation.id,
            posted_by_id=signer.id,
        )
        db.session.add(need)
        db.session.flush()
        needs[field.replace("-", "_")] = need.id
    responder = registered(marked("responder-organisation"))
    helper = make_supplier(address("responder-email"), name=marked("responder-name"), organisation=responder)
    db.session.add(
        NeedResponse(
            need_id=needs["published_need"],
            organisation_id=responder.id,
            user_id=helper.id,
            message=marked("response-message"),
        )
    )
    db.session.commit()
    return needs


def _records_of_the_portal(organisation: Organisation, signer: User) -> int:
    """An email to the member, and audit records quoting what a supplier typed (besides those the
    steps above wrote); the email's id."""
    message = OutboxMessage(
        recipients=[f"{marked('member-name')} <{signer.email}>"],
        subject=f"{marked('trading-name')}: your accreditation",
        template="organisations/accreditation_expiring",
        body_text=f"{marked('certificate-number')} expires soon.",
        body_html="<p>It expires soon.</p>",
    )
    db.session.add(message)
    audit.record("account.passkey_added", signer, actor=signer, name=marked("passkey-name"))
    audit.record("offer.draft_deleted", organisation, actor=signer, what=marked("deleted-draft"))
    db.session.flush()
    return message.id


# --- reading the pages ----------------------------------------------------------------------------


class Isolation(HTMLParser):
    """Each marker in a page's text, and those outside any `<bdi>`. Attribute values never reach
    handle_data; the text of the elements in SKIPPED is passed over."""

    SKIPPED = ("textarea", "option", "title")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: Counter[str] = Counter()
        self.seen: set[str] = set()
        self.outside: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "bdi" or tag in self.SKIPPED:
            self.open[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if self.open[tag]:
            self.open[tag] -= 1

    def handle_data(self, data: str) -> None:
        if any(self.open[tag] for tag in self.SKIPPED):
            return
        for found in MARKER.finditer(data):
            self.seen.add(found.group().lower())
            if not self.open["bdi"]:
                self.outside.append(f"{found.group()} in {' '.join(data.split())[:100]!r}")


def read(html: str) -> Isolation:
    parser = Isolation()
    parser.feed(html)
    parser.close()
    return parser


def officer_get_rules(app: Flask) -> set[str]:
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/officer") and "GET" in rule.methods
    }


def test_every_officer_page_is_visited_or_shows_no_supplier_text(app: Flask):
    rules = officer_get_rules(app)
    assert not VISITED.keys() & NO_SUPPLIER_TEXT
    assert sorted(rules - VISITED.keys() - NO_SUPPLIER_TEXT) == [], "officer pages neither visited nor listed"
    assert sorted((VISITED.keys() | NO_SUPPLIER_TEXT) - rules) == [], "listed pages with no route"


def test_officers_see_supplier_text_only_inside_bdi(app: Flask, client):
    ids = build_records(app)
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage.id)).all()
        head = db.session.get(User, ids["admin"]).email
    sign_in(client, head)
    urls = [url.format(**ids) for addresses in VISITED.values() for url in addresses]
    urls += [f"/officer/outbox/{message}" for message in messages if message != ids["message"]]
    seen: set[str] = set()
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
        page = read(response.get_data(as_text=True))
        seen |= page.seen
        problems += [f"{url}: {where}" for where in page.outside]
    assert not problems, f"{len(problems)} pieces of supplier text outside <bdi>:\n" + "\n".join(problems)
    # Every field typed reaches some officer page: otherwise the check above proves nothing of it.
    typed = {
        "mark-trading-name", "mark-legal-name", "mark-address-line-1", "mark-address-line-2", "mark-town",
        "mark-website", "mark-statement-url", "mark-site-label", "mark-site-address",
        "mark-accreditation-name", "mark-certificate-number", "mark-evidence-filename",
        "mark-member-name", "mark-member-email", "mark-representative-name",
        "mark-representative-position", "mark-signature", "mark-user-agent", "mark-countries",
        "mark-other-audit", "mark-queued-offer", "mark-accepted-offer", "mark-supplier-answer",
        "mark-report-description", "mark-report-evidence", "mark-response-offer",
        "mark-pending-need-title", "mark-pending-need-description", "mark-pending-need-contact",
        "mark-published-need-title", "mark-published-need-description", "mark-published-need-contact",
        "mark-responder-organisation", "mark-responder-name", "mark-responder-email",
        "mark-response-message", "mark-passkey-name", "mark-deleted-draft",
    }  # fmt: skip
    assert sorted(typed - seen) == []
