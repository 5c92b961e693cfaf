"""Fixtures and answers for the due diligence tests."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.due_diligence import services
from portal.due_diligence.models import DueDiligenceAnswers
from portal.due_diligence.rules import Sector, Training
from portal.extensions import db
from portal.organisations.models import Accreditation, AccreditationKind, Organisation
from tests.conftest import post_form
from tests.factories import make_organisation, make_staff, make_supplier, sign_in
from tests.organisations.conftest import complete_profile, member  # noqa: F401  (the fixture)

URL = "/organisation/due-diligence"
RESULT = "/organisation/due-diligence/result"

# Form posts: 0 points (low), 4 points (medium: sector 2, agency 1, no evidence 1) and 5 points
# (high: sector 2, sourcing 2, no evidence 1).
LOW = {
    "sector": "professional_services",
    "sourcing": ["services_only"],
    "agency_labour": "no",
    "social_audits": ["none"],
    "grievance_route": "yes",
    "training": "yes",
}
MEDIUM = {
    **LOW,
    "sector": "cleaning_facilities",
    "agency_labour": "yes",
    "agency_checks": ["glaa", "pay_direct", "documents"],
}
HIGH = {**LOW, "sector": "textiles_uniforms", "sourcing": ["uk", "asia"], "countries": "Bangladesh"}


@pytest.fixture
def registered(app, client, member):  # noqa: F811  (member is the imported fixture)
    """`member`, with its organisation's profile completed and registered."""
    complete_profile(client)
    response = post_form(client, "/organisation/profile/check", {})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return member


def answer(client, data: dict):
    return post_form(client, URL, data)


def saved(app, organisation_id: int) -> DueDiligenceAnswers | None:
    with app.app_context():
        row = db.session.scalar(
            sa.select(DueDiligenceAnswers).where(DueDiligenceAnswers.organisation_id == organisation_id)
        )
        if row is not None:
            db.session.expunge(row)
        return row


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def add_sedex(app, organisation_id: int, expires_on: date) -> None:
    with app.app_context():
        org = db.session.get(Organisation, organisation_id)
        org.accreditations.append(
            Accreditation(kind=AccreditationKind.SEDEX, certificate_number="ZC1234567", expires_on=expires_on)
        )
        db.session.commit()


def rated_organisation(name: str, data: dict) -> Organisation:
    """An organisation with a member and answers rated by the service (call in an app context)."""
    organisation = make_organisation(name)
    user = make_supplier(organisation=organisation)
    form_answers = {
        "sector": Sector(data["sector"]),
        "sourcing": data["sourcing"],
        "countries": data.get("countries"),
        "agency_labour": data["agency_labour"] == "yes",
        "agency_checks": data.get("agency_checks", []),
        "social_audits": data["social_audits"],
        "other_audit": None,
        "grievance_route": data["grievance_route"] == "yes",
        "training": Training(data["training"]),
    }
    organisation = db.session.get(Organisation, organisation.id)
    services.save_answers(organisation, form_answers, services.profile_facts(organisation), actor=user)
    db.session.commit()
    return organisation


@pytest.fixture
def officer(app, client):
    with app.app_context():
        staff = make_staff("olive@example.com", name="Olive Officer")
    sign_in(client, staff.email)
    return staff
