"""The access matrix: every route in the URL map, requested by every kind of visitor, with the ids of
one organisation's (A's) real records, against one table of what each visitor should get.

The visitors are: anonymous; a member of A; a member of another organisation (B); a member of A who
has not verified their email address; an officer; an admin; and a member of A whose account was
disabled after they signed in. Each requests GET where the route answers GET and POST where it
answers POST (with the session's CSRF token and no other field: the point is who is let in, not what
the form accepts). Each request runs in a savepoint that is rolled back, and the visitor's cookie is
put back after it, so that no cell changes what the next one sees (an admin disabling A's member,
a visitor signing out).

A route with no row in ACCESS fails the test, and so does a row with no route. A refusal never shows
A's records' distinctive text, and neither does any page anonymous visitors, B's member or the
disabled account reach.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask

from portal import tokens
from portal.accounts.models import Passkey, Role, User
from portal.accounts.services import create_staff
from portal.due_diligence import services as due_diligence
from portal.due_diligence.rules import Sector, Training
from portal.ethics.models import Pledge
from portal.extensions import db, limiter
from portal.opportunities.models import Procedure
from portal.organisations.models import (
    Accreditation,
    AccreditationKind,
    Organisation,
    OrganisationInvitation,
    OrganisationSite,
)
from portal.outbox.models import OutboxMessage
from portal.quotations import services as quotations
from portal.social_value.models import Commitment, DeliveryReport, Measure, Offer, Outcome
from portal.time import london_today
from portal.voluntary.models import Need, NeedKind, NeedState
from tests.conftest import session_csrf_token
from tests.factories import make_directory_entry, make_opportunity, make_staff, make_supplier, sign_in
from tests.social_value.conftest import PDF, accepted_offer, add_offer, make_move, pledge, registered

DOMAIN = "portal.test"  # the test app's SERVER_NAME (BASE_URL's host), where its cookie is set
ACTORS = ("anonymous", "member_a", "member_b", "unverified", "officer", "admin", "disabled")

# --- what a response is, in a word ----------------------------------------------------------------
#
# "200", "302", "403", "404", ... as they are, except a redirect to sign in ("login": a 302 whose
# Location starts with /login) and the unverified account's way back to its account page ("account":
# a 302 to exactly /account, where it is asked to verify its address).


def outcome_of(response) -> str:
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith("/login"):
            return "login"
        if location == "/account":
            return "account"
    return str(response.status_code)


# --- the expected outcomes --------------------------------------------------------------------------

OK = frozenset({"200", "302"})  # let in: the page, or on to a next step (never to sign in)
SIGN_IN = frozenset({"login"})
VERIFY = frozenset({"account"})  # an unverified account is sent to its account page to verify
TO_ACCOUNT = frozenset({"account"})  # a signed-in supplier sent on to their account page (not a gate)
REFUSED = frozenset({"403", "404"})  # another organisation's record is a 404, a page not theirs a 403
NOT_FOUND = frozenset({"404"})
BAD_REQUEST = frozenset({"400"})


def row(anonymous, member_a, member_b, unverified, officer, admin, disabled) -> dict[str, frozenset]:
    return dict(
        zip(ACTORS, (anonymous, member_a, member_b, unverified, officer, admin, disabled), strict=True)
    )


def but(profile: dict[str, frozenset], **cells: frozenset) -> dict[str, frozenset]:
    """A profile with some actors' cells changed."""
    assert cells.keys() <= set(ACTORS), cells.keys() - set(ACTORS)
    return {**profile, **cells}


# Anyone, signed in or not, verified or not (a disabled account is nobody: its session ended).
PUBLIC = row(OK, OK, OK, OK, OK, OK, OK)
# Any signed-in account, verified or not.
ANY_ACCOUNT = row(SIGN_IN, OK, OK, OK, OK, OK, SIGN_IN)
# Any signed-in, verified account: suppliers and staff alike.
SIGNED_IN = row(SIGN_IN, OK, OK, VERIFY, OK, OK, SIGN_IN)
# A supplier's pages about their own organisation, taking no id: B's member gets B's.
SUPPLIER = row(SIGN_IN, OK, OK, VERIFY, REFUSED, REFUSED, SIGN_IN)
# One of A's records, by its id: A's members only.
SUPPLIER_OWN = row(SIGN_IN, OK, NOT_FOUND, VERIFY, REFUSED, REFUSED, SIGN_IN)
OFFICER_ONLY = row(SIGN_IN, REFUSED, REFUSED, VERIFY, OK, OK, SIGN_IN)
ADMIN_ONLY = row(SIGN_IN, REFUSED, REFUSED, VERIFY, REFUSED, OK, SIGN_IN)
# A's response to an opportunity still open: no officer reads it before the closing time.
SEALED = but(OFFICER_ONLY, officer=NOT_FOUND, admin=NOT_FOUND)
# A's need, waiting for approval: A's members and officers manage it; nobody else sees it.
NEED_MANAGERS = row(SIGN_IN, OK, NOT_FOUND, VERIFY, OK, OK, SIGN_IN)
# Signing in and registering: a signed-in account is sent on (suppliers to their account page).
SIGN_IN_PAGE = row(OK, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, OK, OK, OK)
# The second steps of a sign-in: nobody here has a sign-in waiting for its second factor.
SECOND_STEP = row(SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN)

# Keyed by endpoint, or "METHOD endpoint" where GET and POST differ.
ACCESS: dict[str, dict[str, frozenset]] = {
    # pages
    "pages.start": PUBLIC,
    "pages.accessibility": PUBLIC,
    "pages.cookies": PUBLIC,
    "pages.privacy": PUBLIC,
    "pages.healthz": PUBLIC,
    "pages.security_txt": PUBLIC,
    "pages.feedback": PUBLIC,
    "pages.feedback_sent": PUBLIC,
    "static": PUBLIC,  # the stylesheet: files anyone's browser fetches, with no session needed
    # accounts: signing in and links sent by email (a link's token is the key: whoever holds it)
    "accounts.login": SIGN_IN_PAGE,
    "accounts.register": SIGN_IN_PAGE,
    "accounts.forgot_password": PUBLIC,
    "accounts.reset_password": PUBLIC,  # A's member's own reset link
    "accounts.accept_invitation": PUBLIC,  # an invited officer's link
    "accounts.verify_email": PUBLIC,  # the unverified account's link: a GET changes nothing
    # Posting the link confirms the address it was sent to, then on to where the visitor lands.
    "accounts.confirm_email": row(SIGN_IN, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, OK, OK, SIGN_IN),
    "accounts.passkey_options": PUBLIC,
    "accounts.sign_in_with_passkey": row(*[BAD_REQUEST] * 7),  # no passkey challenge was asked for
    "accounts.add_app_to_sign_in": SECOND_STEP,
    "accounts.enter_code": SECOND_STEP,
    "accounts.enter_recovery_code": SECOND_STEP,
    "accounts.logout": SECOND_STEP,  # signed out (or never in), to the sign-in page
    "accounts.renew_session": ANY_ACCOUNT,
    # accounts: one's own
    "home.account": ANY_ACCOUNT,
    "accounts.change_password": ANY_ACCOUNT,
    "accounts.change_email": ANY_ACCOUNT,
    "accounts.email_link_sent": ANY_ACCOUNT,  # with no link sent, on to the form
    # A's member's link to a new address: only that account follows it (a visitor signs in first);
    # posting it makes the change, then on to the account page.
    "GET accounts.confirm_email_change": row(SIGN_IN, OK, REFUSED, REFUSED, REFUSED, REFUSED, SIGN_IN),
    "POST accounts.confirm_email_change": row(
        SIGN_IN, TO_ACCOUNT, REFUSED, REFUSED, REFUSED, REFUSED, SIGN_IN
    ),
    "accounts.resend_verification": row(SIGN_IN, *[TO_ACCOUNT] * 5, SIGN_IN),
    "accounts.two_factor": SIGNED_IN,
    "accounts.add_app": SIGNED_IN,
    "accounts.renew_recovery_codes": SIGNED_IN,
    "accounts.remove_app": but(SIGNED_IN, officer=REFUSED, admin=REFUSED),  # staff keep a second factor
    "accounts.passkeys_page": SIGNED_IN,
    "accounts.create_passkey": SIGNED_IN,
    "accounts.remove_passkey": SUPPLIER_OWN,  # A's member's passkey
    # Code of Ethics
    "GET ethics.code": PUBLIC,
    "POST ethics.code": row(SIGN_IN, OK, OK, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),  # members sign it
    "ethics.versions": PUBLIC,
    "ethics.version": PUBLIC,
    "ethics.certificate": SUPPLIER,
    "ethics.correct": SUPPLIER,
    "ethics.earlier_certificate": SUPPLIER_OWN,  # A's pledge
    # organisations
    "organisations.profile": SUPPLIER,
    "organisations.step": SUPPLIER,
    "organisations.council": SUPPLIER,
    "organisations.check_answers": SUPPLIER,
    "organisations.accreditations": SUPPLIER,
    "organisations.accreditations_done": SUPPLIER,
    "organisations.sites": SUPPLIER,
    "organisations.colleagues": SUPPLIER,
    "organisations.data_download": SUPPLIER,  # the JSON export: the member's own organisation's
    # The empty form names no invitation to cancel.
    "organisations.cancel_colleague_invitation": but(SUPPLIER, member_a=NOT_FOUND, member_b=NOT_FOUND),
    "organisations.accreditation_evidence": SUPPLIER_OWN,
    "organisations.remove_accreditation": SUPPLIER_OWN,
    "organisations.site_council": SUPPLIER_OWN,
    "organisations.remove_site": SUPPLIER_OWN,
    "organisations.remove_colleague": SUPPLIER_OWN,  # A's member (themself: the leaving page)
    # A colleague's invitation to A, for another address: staff never join an organisation.
    "GET organisations.join": but(PUBLIC, officer=REFUSED, admin=REFUSED),
    "POST organisations.join": row(SIGN_IN, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, SIGN_IN),
    "due_diligence.due_diligence": SUPPLIER,
    "due_diligence.due_diligence_result": SUPPLIER,
    # social value
    "social_value.matrix": PUBLIC,
    "social_value.offers": SUPPLIER,
    "social_value.new_offer": SUPPLIER,
    "social_value.partner_reports": SUPPLIER,
    "social_value.totals": SUPPLIER,
    "social_value.offer": SUPPLIER_OWN,  # A's sealed response
    "social_value.offer_step": SUPPLIER_OWN,
    "social_value.check_offer": SUPPLIER_OWN,
    "social_value.delete_draft": SUPPLIER_OWN,
    "social_value.move_offer": SUPPLIER_OWN,
    "social_value.report_delivery": SUPPLIER_OWN,  # A's accepted offer (a commitment)
    "social_value.report_evidence": but(SUPPLIER_OWN, officer=OK, admin=OK),  # members and officers
    # Only the partner body's organisation confirms a delivery: A's offer names none.
    "social_value.confirm_report": but(SUPPLIER_OWN, member_a=NOT_FOUND),
    # opportunities
    "opportunities.opportunities": PUBLIC,
    "opportunities.opportunity": PUBLIC,
    "opportunities.ocds_release_package": PUBLIC,  # the OCDS feed
    "opportunities.unsubscribe": PUBLIC,  # A's member's unsubscribe link
    "opportunities.alerts": SUPPLIER,
    "opportunities.interests": SUPPLIER,
    "opportunities.awards": SUPPLIER,
    "opportunities.register_interest": SUPPLIER,
    # voluntary sector
    "voluntary.directory": PUBLIC,
    "voluntary.entry": PUBLIC,  # the directory body A acts for
    "voluntary.needs": PUBLIC,
    # A's need, not yet approved. An unverified account is treated as a visitor everywhere else
    # (the Code of Ethics, posting and answering needs), so it should not see A's pending need:
    # today it does (the page's "manages it" check does not ask for a verified address).
    "voluntary.need": row(NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND),
    "voluntary.edit_need": NEED_MANAGERS,
    "voluntary.close_need": NEED_MANAGERS,
    # Nobody answers a need before it is published; A never answers its own.
    "voluntary.respond": row(SIGN_IN, REFUSED, NOT_FOUND, VERIFY, REFUSED, REFUSED, SIGN_IN),
    # A posts needs (it acts for a directory body); B does not; staff use their own form.
    "voluntary.my_needs": row(SIGN_IN, OK, REFUSED, VERIFY, REFUSED, REFUSED, SIGN_IN),
    "voluntary.new_need": row(SIGN_IN, OK, REFUSED, VERIFY, OK, OK, SIGN_IN),
    # officers
    "officers.home": OFFICER_ONLY,
    "officers.audit": OFFICER_ONLY,
    "officers.outbox_messages": OFFICER_ONLY,
    "officers.outbox_message": OFFICER_ONLY,  # an email to A's member
    "officers.retry_message": OFFICER_ONLY,
    "officers.users": ADMIN_ONLY,
    "officers.invite_officer": ADMIN_ONLY,
    "officers.disable_user": ADMIN_ONLY,
    "officers.enable_user": ADMIN_ONLY,
    "accounts_officers.reset_app": OFFICER_ONLY,  # A's member's second factors
    "ethics_officers.pledges": OFFICER_ONLY,
    "ethics_officers.pledge": OFFICER_ONLY,
    "ethics_officers.code_versions": ADMIN_ONLY,
    "ethics_officers.publish_code": ADMIN_ONLY,
    "organisations_officers.organisations": OFFICER_ONLY,
    "organisations_officers.organisation": OFFICER_ONLY,
    "organisations_officers.accreditation_evidence": OFFICER_ONLY,
    "due_diligence_officers.due_diligence": OFFICER_ONLY,
    "due_diligence_officers.due_diligence_organisation": OFFICER_ONLY,
    "social_value_officers.offers_queue": OFFICER_ONLY,
    "social_value_officers.offer": SEALED,
    "social_value_officers.move_offer": SEALED,
    "social_value_officers.delivery_reports": OFFICER_ONLY,
    "social_value_officers.verify_report": OFFICER_ONLY,
    "social_value_officers.social_value_totals": OFFICER_ONLY,
    "social_value_officers.edit_matrix": ADMIN_ONLY,
    "social_value_officers.edit_matrix_item": ADMIN_ONLY,
    "social_value_officers.retire_matrix_item": ADMIN_ONLY,
    "social_value_officers.edit_measure": ADMIN_ONLY,
    "opportunities_officers.opportunities": OFFICER_ONLY,
    "opportunities_officers.opportunity": OFFICER_ONLY,
    "opportunities_officers.edit_opportunity": OFFICER_ONLY,  # new, and the opportunity's edit
    "opportunities_officers.publish_opportunity": OFFICER_ONLY,
    "opportunities_officers.close_opportunity": OFFICER_ONLY,
    "opportunities_officers.award_opportunity": OFFICER_ONLY,
    "opportunities_officers.new_lot": OFFICER_ONLY,
    "opportunities_officers.remove_lot": OFFICER_ONLY,
    "opportunities_officers.evaluate_response": SEALED,  # A's sealed response
    "quotations_officers.quotation_exercises": OFFICER_ONLY,
    "quotations_officers.quotation_exercise": OFFICER_ONLY,
    "quotations_officers.invite_supplier": OFFICER_ONLY,
    "quotations_officers.invite_named_supplier": OFFICER_ONLY,
    "quotations_officers.remove_quotation_invitee": OFFICER_ONLY,  # A, invited
    "quotations_officers.complete_quotation_exercise": OFFICER_ONLY,
    "voluntary_officers.directory_entries": OFFICER_ONLY,
    "voluntary_officers.edit_entry": OFFICER_ONLY,  # new, and the body A acts for
    "voluntary_officers.change_entry": OFFICER_ONLY,
    "voluntary_officers.needs_queue": OFFICER_ONLY,
    "voluntary_officers.need": OFFICER_ONLY,
    "voluntary_officers.new_need": OFFICER_ONLY,
}


def expected(endpoint: str, method: str) -> dict[str, frozenset] | None:
    return ACCESS.get(f"{method} {endpoint}", ACCESS.get(endpoint))


# --- A's records ------------------------------------------------------------------------------------

A_NAME = "Aldford Aardvark Abrasives"
B_NAME = "Bunbury Bolts"
SEALED_TEXT = "Sealed: apprenticeships for Aldford school leavers on the grinding contract."
OFFER_TEXT = "Aldford staff mentor young people at the Tattenhall youth club."
NEED_TITLE = "Aldford needs a van for the food bank"
SITE_LABEL = "Aldford grinding works"
CERTIFICATE = "ALDFORD-EMS-4471"
REPORT_TEXT = "Aldford delivered 40 hours of mentoring."
# The accreditation's and the delivery report's evidence files, by their stored names.
EVIDENCE_FILES = ("a1d0" * 8 + ".pdf", "a1d1" * 8 + ".pdf")
# What no refusal, and no page of a visitor outside A, may show.
A_SECRETS = (A_NAME, SEALED_TEXT, OFFER_TEXT, NEED_TITLE, SITE_LABEL, CERTIFICATE, REPORT_TEXT)

# What a page shows of A on purpose, to whoever reaches it: the directory says which registered
# organisation acts for a body; a colleague's invitation link names the organisation it joins.
SHOWN_ON_PURPOSE = {"voluntary.entry": {A_NAME}, "organisations.join": {A_NAME}}


@dataclass
class Records:
    ids: dict[str, object]
    # Arguments one endpoint takes from another record than the default (a quotation's opportunity).
    per_endpoint: dict[str, dict[str, object]] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)


def build_records(app: Flask, evidence_folder) -> Records:
    with app.app_context():
        return _build(evidence_folder)


def _build(evidence_folder) -> Records:
    organisation = registered(A_NAME)
    member = make_supplier("ada@aldford.example", name="Ada Aldford", organisation=organisation)
    unverified = make_supplier(
        "una@aldford.example", name="Una Unverified", organisation=organisation, verified=False
    )
    disabled = make_supplier("dan@aldford.example", name="Dan Disabled", organisation=organisation)
    pledge(organisation.id, member.id)
    other = registered(B_NAME)
    member_b = make_supplier("bea@bunbury.example", name="Bea Bunbury", organisation=other)
    pledge(other.id, member_b.id)
    officer = make_staff("olive@example.com", name="Olive Officer")
    admin = make_staff("hana@example.com", name="Hana Head", admin=True)

    site = OrganisationSite(
        organisation_id=organisation.id, label=SITE_LABEL, address_line_1="2 Mill Lane", postcode="CH3 6EQ"
    )
    evidence_folder.mkdir(parents=True, exist_ok=True)
    for name in EVIDENCE_FILES:
        (evidence_folder / name).write_bytes(PDF)
    accreditation = Accreditation(
        organisation_id=organisation.id,
        kind=AccreditationKind.ISO_14001,
        certificate_number=CERTIFICATE,
        expires_on=london_today() + timedelta(days=300),
        evidence_name=EVIDENCE_FILES[0],
        evidence_filename="aldford-ems.pdf",
        evidence_type="application/pdf",
        evidence_size=len(PDF),
    )
    db.session.add_all([site, accreditation])
    db.session.commit()

    # A's due diligence answers, rated by the service.
    due_diligence.save_answers(
        db.session.get(Organisation, organisation.id),
        {
            "sector": Sector.PROFESSIONAL,
            "sourcing": ["services_only"],
            "countries": None,
            "agency_labour": False,
            "agency_checks": [],
            "social_audits": ["none"],
            "other_audit": None,
            "grievance_route": True,
            "training": Training.YES,
        },
        due_diligence.profile_facts(db.session.get(Organisation, organisation.id)),
        actor=db.session.get(User, member.id),
    )
    db.session.commit()

    # An open opportunity with two lots, and A's response to it, sealed until it closes.
    opportunity = make_opportunity(officer=officer, lots=2, title="Grinding of police vehicles' brakes")
    db.session.commit()
    sealed_id = add_offer(organisation.id, member.id, description=SEALED_TEXT)
    offer = db.session.get(Offer, sealed_id)
    offer.opportunity_id = opportunity.id
    db.session.commit()
    make_move(sealed_id, "seal", member.id, "")

    # A general offer accepted by an officer: a commitment, with a delivery report and its evidence.
    accepted_id = accepted_offer(organisation.id, member.id, officer.id, description=OFFER_TEXT)
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == accepted_id))
    report = DeliveryReport(
        commitment_id=commitment.id,
        quantity=Decimal("40"),
        delivered_on=london_today() - timedelta(days=1),
        description=REPORT_TEXT,
        reported_by_id=member.id,
        evidence_name=EVIDENCE_FILES[1],
        evidence_filename="aldford-photos.pdf",
        evidence_type="application/pdf",
        evidence_size=len(PDF),
    )
    db.session.add(report)

    # A quotation exercise inviting A.
    quotation = make_opportunity(
        officer=officer, procedure=Procedure.QUOTATION, value_ex_vat=Decimal("20000")
    )
    staff = db.session.get(User, officer.id)
    exercise = quotations.start(quotation, actor=staff)
    invitee = quotations.invite_organisation(
        exercise, db.session.get(Organisation, organisation.id), actor=staff
    )

    # A directory body A acts for, and a need A posted, waiting for an officer's approval.
    entry = make_directory_entry(
        "Aldford Volunteer Hub", brokers="Volunteering in Aldford.", organisation_id=organisation.id
    )
    need = Need(
        title=NEED_TITLE,
        description="A van on Saturdays.",
        kind=NeedKind.MENTORING,
        authority="E06000050",
        starts_on=london_today() + timedelta(days=7),
        ends_on=london_today() + timedelta(days=60),
        contact_name="Ada Aldford",
        contact_email="ada@aldford.example",
        state=NeedState.PENDING,
        organisation_id=organisation.id,
        posted_by_id=member.id,
    )
    db.session.add(need)

    # An email to A's member in the outbox, a passkey of theirs, a colleague's invitation to A.
    message = OutboxMessage(
        recipients=[f"Ada Aldford <{member.email}>"],
        subject=f"{A_NAME}: your accreditation",
        template="organisations/accreditation_expiring",
        body_text=f"{CERTIFICATE} expires soon.",
        body_html=f"<p>{CERTIFICATE} expires soon.</p>",
    )
    passkey = Passkey(
        user_id=member.id, name="Ada's laptop", credential_id=secrets.token_bytes(32), public_key=b"\x00" * 77
    )
    invitation = OrganisationInvitation(
        organisation_id=organisation.id, email="cal@aldford.example", invited_by_id=member.id
    )
    db.session.add_all([message, passkey, invitation])
    invited_staff = create_staff(email="ivy@example.com", name="Ivy Invited", role=Role.OFFICER, actor=None)
    db.session.commit()

    reference = db.session.scalar(
        sa.select(Pledge.reference).where(Pledge.organisation_id == organisation.id)
    )
    member_row = db.session.get(User, member.id)
    unverified_row = db.session.get(User, unverified.id)
    staff_row = db.session.get(User, invited_staff.id)
    measure = db.session.scalar(sa.select(Measure.id).order_by(Measure.id).limit(1))
    outcome = db.session.scalar(sa.select(Outcome.id).order_by(Outcome.id).limit(1))
    ids = {
        "organisation_id": organisation.id,
        "user_id": member.id,
        "site_id": site.id,
        "accreditation_id": accreditation.id,
        "offer_id": sealed_id,
        "report_id": report.id,
        "need_id": need.id,
        "opportunity_id": opportunity.id,
        "lot_id": opportunity.lots[0].id,
        "exercise_id": exercise.id,
        "invitee_id": invitee.id,
        "entry_id": entry.id,
        "message_id": message.id,
        "reference": reference,
        "passkey_id": passkey.id,
        "measure_id": measure,
        "item_id": outcome,
        "number": 1,
        "slug": "about",
        "kind": "outcome",
        "move": None,
        "action": None,
        "token": None,
        "filename": "css/portal.css",
    }
    verify = tokens.make_token(
        tokens.VERIFY_EMAIL, {"user": unverified_row.id, "email": unverified_row.email}
    )
    reset = tokens.make_token(
        tokens.RESET_PASSWORD,
        {"user": member_row.id, "pw": tokens.password_fingerprint(member_row.password_hash)},
    )
    change = tokens.make_token(
        tokens.CHANGE_EMAIL,
        {
            "user": member_row.id,
            "from": tokens.address_fingerprint(member_row.email),
            "to": "ada@new.example",
        },
    )
    per_endpoint = {
        "social_value.offer_step": {"slug": "theme"},
        "social_value.report_delivery": {"offer_id": accepted_id},
        "social_value.move_offer": {"move": "withdraw_response"},
        "social_value_officers.move_offer": {"move": "pick_up"},
        "social_value_officers.retire_matrix_item": {"action": "retire"},
        "voluntary.close_need": {"move": "close"},
        "voluntary_officers.change_entry": {"action": "confirm"},
        "quotations_officers.quotation_exercise": {"opportunity_id": quotation.id},
        "quotations_officers.complete_quotation_exercise": {"opportunity_id": quotation.id},
        "quotations_officers.invite_supplier": {"opportunity_id": quotation.id},
        "quotations_officers.remove_quotation_invitee": {"opportunity_id": quotation.id},
        "quotations_officers.invite_named_supplier": {"opportunity_id": quotation.id},
        "accounts.verify_email": {"token": verify},
        "accounts.confirm_email": {"token": verify},
        "accounts.reset_password": {"token": reset},
        "accounts.confirm_email_change": {"token": change},
        "accounts.accept_invitation": {
            "token": tokens.make_token(
                tokens.INVITATION,
                {"user": staff_row.id, "pw": tokens.password_fingerprint(staff_row.password_hash)},
            )
        },
        "organisations.join": {
            "token": tokens.make_token(
                tokens.COLLEAGUE_INVITATION, {"invitation": invitation.id, "email": invitation.email}
            )
        },
        "opportunities.unsubscribe": {
            "token": tokens.make_token(tokens.ALERTS_UNSUBSCRIBE, {"user": member_row.id})
        },
    }
    emails = {
        "member_a": member.email,
        "member_b": member_b.email,
        "unverified": unverified.email,
        "officer": officer.email,
        "admin": admin.email,
        "disabled": disabled.email,
    }
    return Records(ids=ids, per_endpoint=per_endpoint, emails=emails)


# --- the walk ---------------------------------------------------------------------------------------


def requests_of(app: Flask, records: Records):
    """(rule, method, path) for every rule and each of its methods (GET, POST)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        values = {**records.ids, **records.per_endpoint.get(rule.endpoint, {})}
        _, path = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule, method, path


def signed_in_client(app: Flask, actor: str, records: Records, connection):
    """A client of the actor's own, and its session's CSRF token."""
    client = app.test_client()
    if actor != "anonymous":
        sign_in(client, records.emails[actor])
    token = session_csrf_token(client)
    if actor == "disabled":
        # Disabled after signing in, on the row itself: the cookie still names the account's
        # current session version, so only the account's being disabled can turn it away.
        connection.execute(
            sa.update(User).where(User.email == records.emails[actor]).values(is_disabled=True)
        )
    return client, token


def walk(app: Flask, records: Records, connection, evidence_folder) -> dict[tuple, tuple[str, str]]:
    """The outcome and body of every (rule, method, actor). Each request runs in a savepoint rolled
    back after it, with the actor's cookie as it was after signing in and the evidence files in
    place (removing an accreditation deletes its file), so no cell sees another's changes."""
    seen = {}
    for actor in ACTORS:
        client, token = signed_in_client(app, actor, records, connection)
        cookie = client.get_cookie("session", domain=DOMAIN)
        for rule, method, path in requests_of(app, records):
            for name in EVIDENCE_FILES:
                (evidence_folder / name).write_bytes(PDF)
            limiter.reset()
            savepoint = connection.begin_nested()
            try:
                data = {"csrf_token": token} if method == "POST" else None
                with client.open(path, method=method, data=data) as response:
                    seen[rule.endpoint, rule.rule, method, actor] = (
                        outcome_of(response),
                        response.get_data(as_text=True),
                    )
            except Exception as error:  # a server error is a cell's outcome too
                seen[rule.endpoint, rule.rule, method, actor] = (f"{type(error).__name__}: {error}"[:160], "")
            finally:
                savepoint.rollback()
                client.set_cookie("session", cookie.value, domain=DOMAIN)
    return seen


def problems_in(seen: dict[tuple, tuple[str, str]]) -> list[str]:
    """Each cell whose outcome is not in the table, and each body outside A that shows A's records."""
    problems = []
    for (endpoint, rule, method, actor), (outcome, body) in seen.items():
        cells = expected(endpoint, method)
        if cells is None:
            continue  # reported once, by the test
        where = f"{method} {rule} ({endpoint}) as {actor}"
        if outcome not in cells[actor]:
            problems.append(f"{where}: got {outcome}, expected one of {sorted(cells[actor])}")
        outsider = actor in {"anonymous", "member_b", "disabled"}
        refused = not cells[actor] & OK
        if (outsider or refused) and actor != "member_a":
            secrets_here = set(A_SECRETS) - SHOWN_ON_PURPOSE.get(endpoint, set())
            shown = sorted(text for text in secrets_here if html.escape(text) in body or text in body)
            if shown:
                problems.append(f"{where}: shows A's {shown}")
    return problems


def test_every_route_answers_every_visitor_as_the_table_says(app, client, evidence_folder):
    records = build_records(app, evidence_folder)
    with app.app_context():
        connection = db.session.session_factory.kw["bind"]

    rows = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in ("GET", "POST")
        if method in rule.methods
    }
    missing = sorted(
        f"{method} {endpoint}" for endpoint, method in rows if expected(endpoint, method) is None
    )
    endpoints = {endpoint for endpoint, _ in rows}
    unused = sorted(
        key for key in ACCESS if key not in endpoints and tuple(reversed(key.split(" ", 1))) not in rows
    )
    assert not missing, f"routes with no row in ACCESS: {missing}"
    assert not unused, f"rows in ACCESS with no route: {unused}"

    seen = walk(app, records, connection, evidence_folder)
    problems = problems_in(seen)
    assert not problems, f"{len(problems)} of {len(seen)} cells are wrong:\n" + "\n".join(problems)
