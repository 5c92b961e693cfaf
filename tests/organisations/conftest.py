import pytest

from portal.extensions import db
from portal.organisations.models import Organisation
from tests.conftest import post_form
from tests.factories import make_organisation, make_supplier, sign_in

ABOUT = {
    "legal_name": "Winsford Widgets Ltd",
    "legal_form": "private_limited_company",
    "companies_house_number": "01234567",
}
ADDRESS = {"address_line_1": "1 High Street", "town": "Winsford", "postcode": "CW7 2UA"}
SIZE = {
    "staff_headcount": "42",
    "turnover": "3,100,000",
    "balance_sheet_total": "900000.50",
    "financial_year_end": ["31", "3", "2026"],
}
STATUS = {"vcse_declared": "no", "supported_employment_provider": "no", "public_service_mutual": "no"}


@pytest.fixture
def member(app, client):
    """A verified member of a new organisation, signed in with `client`."""
    with app.app_context():
        organisation = make_organisation("Winsford Widgets")
        user = make_supplier("member@example.com", organisation=organisation)
    sign_in(client, user.email)
    return user


def complete_profile(client, *, size=None, about=None):
    """Answer every step, as a supplier would, up to "check your answers"."""
    for slug, data in [
        ("about", about or ABOUT),
        ("address", ADDRESS),
        ("size", size or SIZE),
        ("supplies", {"divisions": ["45", "79"]}),
        ("status", STATUS),
        ("living-wage", {"living_wage": "plan"}),
    ]:
        response = post_form(client, f"/organisation/profile/{slug}", data)
        assert response.status_code == 302, (slug, response.get_data(as_text=True)[:3000])
    post_form(
        client, "/organisation/profile/accreditations/done", {}, page="/organisation/profile/accreditations"
    )
    if "modern-slavery" in client.get("/organisation/profile").get_data(as_text=True):
        post_form(
            client,
            "/organisation/profile/modern-slavery",
            {"modern_slavery_statement_url": "https://example.com/modern-slavery"},
        )
    post_form(client, "/organisation/profile/tax", {"declared": "y"})


def organisation_of(app, user) -> Organisation:
    with app.app_context():
        org = db.session.get(Organisation, user.organisation_id)
        db.session.expunge(org)
        return org
