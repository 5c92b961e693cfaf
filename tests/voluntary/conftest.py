"""Shared data for the voluntary-sector directory and needs board tests.

Create data inside `app.app_context()`; make requests with a client outside it (the CSRF token
cached in `g` would be reused otherwise)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.organisations.rules import LegalForm
from portal.outbox.models import OutboxMessage
from portal.time import london_today, utcnow
from portal.voluntary.models import DirectoryEntry, Need, NeedKind, NeedResponse, NeedState
from tests.conftest import post_form
from tests.factories import make_directory_entry, make_organisation, make_staff, make_supplier, sign_in

CHESHIRE_EAST = "E06000049"
CHESHIRE_WEST = "E06000050"
HALTON = "E06000006"
WARRINGTON = "E06000007"
ST_HELENS = "E08000013"

# The four bodies `flask seed` adds (strategy Appendix A), and the authorities each serves.
CE_CVS = "Cheshire East CVS"
CWVA = "Cheshire West Voluntary Action"
HALTON_VCA = "Halton &amp; St Helens Voluntary and Community Action"  # as it is escaped in HTML
HALTON_VCA_NAME = "Halton & St Helens Voluntary and Community Action"
WVA = "Warrington Voluntary Action"
SEEDED = {
    CE_CVS: [CHESHIRE_EAST],
    CWVA: [CHESHIRE_WEST],
    HALTON_VCA_NAME: [HALTON, ST_HELENS],
    WVA: [WARRINGTON],
}
SEEDED_IN_HTML = (CE_CVS, CWVA, HALTON_VCA, WVA)
STRATEGY = "Procurement Strategy 2022-2025, Ethical Procurement Policy, Appendix A (2022)"

PROCUREMENT_INBOX = "procurement@example.org"
CHARITY_NUMBER = "1123456"
OFFER = "We can offer 40 volunteer hours in March."
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def in_days(days: int) -> date:
    return london_today() + timedelta(days=days)


def date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def need_data(**changes) -> dict:
    """A valid need, as the form posts it; a change of None leaves the field out."""
    data = {
        "title": "Mentors for a youth project in Winsford",
        "description": "Two mentors, an hour a week, for young people leaving care.",
        "kind": NeedKind.MENTORING.value,
        "authority": CHESHIRE_WEST,
        "starts_on": date_parts(in_days(7)),
        "ends_on": date_parts(in_days(60)),
        "contact_name": "Vera Volunteer",
        "contact_email": "vera@winsford-youth.example",
        "contact_phone": "01606 123 456",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def entry_data(**changes) -> dict:
    """A valid directory entry, as the officer's form posts it."""
    data = {
        "name": "Vale Royal Volunteer Centre",
        "brokers": "Volunteering in Northwich and Winsford.",
        "areas": [CHESHIRE_WEST],
        "website": "https://vale-royal.example",
        "phone_1": "01606 862 862",
        "phone_2": "",
        "email": "hello@vale-royal.example",
        "source": "The body's website, 27 November 2026",
        "organisation_number": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- records ---------------------------------------------------------------------------------


def vcse_organisation(
    name: str = "Winsford Youth Trust",
    *,
    legal_form: LegalForm | None = LegalForm.CHARITY,
    registered: bool = True,
    **columns,
) -> Organisation:
    """A registered charity (a VCSE by its legal form) unless told otherwise."""
    organisation = make_organisation(name)
    organisation.legal_form = legal_form
    organisation.registered_at = utcnow() if registered else None
    for column, value in columns.items():
        setattr(organisation, column, value)
    db.session.commit()
    db.session.refresh(organisation)
    return organisation


def add_entry(name: str, areas: list[str], **columns) -> int:
    entry = make_directory_entry(name, areas=areas, **columns)
    db.session.commit()
    return entry.id


def entry_id(name: str) -> int:
    return db.session.scalar(sa.select(DirectoryEntry.id).where(DirectoryEntry.name == name))


def add_need(
    posted_by_id: int, *, organisation_id: int | None = None, entry_id: int | None = None, **columns
) -> int:
    values = {
        "title": "Mentors for a youth project in Winsford",
        "description": "Two mentors, an hour a week.",
        "kind": NeedKind.MENTORING,
        "authority": CHESHIRE_WEST,
        "starts_on": in_days(-1),
        "ends_on": in_days(30),
        "contact_name": "Vera Volunteer",
        "contact_email": "vera@winsford-youth.example",
        "state": NeedState.PUBLISHED,
        **columns,
    }
    need = Need(posted_by_id=posted_by_id, organisation_id=organisation_id, entry_id=entry_id, **values)
    db.session.add(need)
    db.session.commit()
    return need.id


def get_need(app: Flask, need_id: int) -> Need:
    with app.app_context():
        need = db.session.get(Need, need_id)
        db.session.expunge(need)
        return need


def count_rows(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def needs_count(app: Flask) -> int:
    return count_rows(app, Need)


def responses_count(app: Flask) -> int:
    return count_rows(app, NeedResponse)


def emails(app: Flask, template: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if template:
            query = query.where(OutboxMessage.template == template)
        else:
            query = query.where(OutboxMessage.template.like("voluntary/%"))
        found = db.session.scalars(query).all()
        for message in found:
            db.session.expunge(message)
        return list(found)


def audits(app: Flask, record_type: str, record_id: int | None = None) -> list[AuditRecord]:
    with app.app_context():
        query = sa.select(AuditRecord).where(AuditRecord.record_type == record_type).order_by(AuditRecord.id)
        if record_id is not None:
            query = query.where(AuditRecord.record_id == str(record_id))
        found = db.session.scalars(query).all()
        for record in found:
            db.session.expunge(record)
        return list(found)


# --- pages -----------------------------------------------------------------------------------


def html_of(client: FlaskClient, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def error_summary(html: str) -> str:
    """The error summary's markup, with its text unescaped ("body's", not "body&#39;s")."""
    match = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S)
    return unescape(match.group(0)) if match else ""


def field_error(html: str, field: str) -> str:
    """The message shown at a field (the GOV.UK error message element)."""
    match = re.search(rf'<p id="{re.escape(field)}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def need_url(need_id: int) -> str:
    return f"/voluntary-sector/needs/{need_id}"


def respond(client: FlaskClient, need_id: int, message: str = OFFER, **fields):
    """Answer a need from its page, as a browser would (the page's CSRF token)."""
    return post_form(
        client, f"{need_url(need_id)}/respond", {"message": message, **fields}, page=need_url(need_id)
    )


def add_response(need_id: int, user: User, message: str = OFFER, **columns) -> None:
    """`user`'s answer to a need, for their organisation, added to the session."""
    db.session.add(
        NeedResponse(
            need_id=need_id, organisation_id=user.organisation_id, user_id=user.id, message=message, **columns
        )
    )


def client_for(app: Flask, email: str) -> FlaskClient:
    """A new client, signed in as `email`."""
    client = app.test_client()
    sign_in(client, email)
    return client


# --- people ----------------------------------------------------------------------------------


@pytest.fixture
def poster(app, client):
    """A verified member of a registered charity, signed in with `client`."""
    with app.app_context():
        organisation = vcse_organisation(charity_number=CHARITY_NUMBER)
        user = make_supplier("vera@winsford-youth.example", name="Vera Volunteer", organisation=organisation)
    sign_in(client, user.email)
    return user


@pytest.fixture
def officer(app, transaction):
    with app.app_context():
        return make_staff("olive@example.com", name="Olive Officer")


@pytest.fixture
def officer_client(app, officer):
    return client_for(app, officer.email)


@pytest.fixture
def supplier(app, transaction):
    """A member of an ordinary (not VCSE) registered company."""
    with app.app_context():
        organisation = vcse_organisation(
            "Bollin Valley Joinery", legal_form=LegalForm.PRIVATE_LIMITED, vcse_declared=False
        )
        return make_supplier("sam@bollin-valley.example", name="Sam Supplier", organisation=organisation)


@pytest.fixture
def supplier_client(app, supplier):
    return client_for(app, supplier.email)


@pytest.fixture
def other_poster(app, transaction):
    """A member of another registered VCSE (a community interest company)."""
    with app.app_context():
        organisation = vcse_organisation(
            "Crewe Community Larder", legal_form=LegalForm.CIC, companies_house_number="09876543"
        )
        return make_supplier("cara@crewe-larder.example", name="Cara Larder", organisation=organisation)


@pytest.fixture
def other_poster_client(app, other_poster):
    return client_for(app, other_poster.email)
