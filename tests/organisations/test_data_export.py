"""The organisation's data download (UK GDPR): what it holds, how it is served, who gets it."""

import json
from datetime import date

import pytest

from portal.extensions import db
from portal.organisations.models import (
    Accreditation,
    AccreditationKind,
    Classification,
    ClassificationDecision,
    Organisation,
    OrganisationInvitation,
    OrganisationSite,
)
from portal.time import utcnow
from tests.conftest import count_queries
from tests.factories import make_organisation, make_staff, make_supplier, sign_in
from tests.organisations.conftest import complete_profile

URL = "/organisation/data.json"


def download(client) -> dict:
    response = client.get(URL)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return json.loads(response.get_data(as_text=True))


def add_records(
    organisation_id: int, count: int, *, officer_id: int, inviter_id: int, start: int = 0
) -> None:
    """`count` each of sites, accreditations, decisions, colleagues and invitations."""
    for n in range(start, start + count):
        db.session.add(
            OrganisationSite(
                organisation_id=organisation_id,
                label=f"Depot {n}",
                address_line_1=f"{n} Dock Road",
                town="Ellesmere Port",
                postcode="CH65 4EY",
            )
        )
        db.session.add(
            Accreditation(
                organisation_id=organisation_id,
                kind=AccreditationKind.ISO_14001,
                certificate_number=f"EMS {n}",
                expires_on=date(2027, 6, 30),
                evidence_name=f"{n:032x}.pdf",
                evidence_filename=f"certificate {n}.pdf",
                evidence_type="application/pdf",
                evidence_size=1234,
            )
        )
        db.session.add(
            ClassificationDecision(
                organisation_id=organisation_id,
                classification=Classification.SME,
                computed_value="True",
                decided_value=True,
                note=f"Checked the accounts ({n})",
                officer_id=officer_id,
            )
        )
        db.session.add(
            OrganisationInvitation(
                organisation_id=organisation_id, email=f"colleague{n}@example.com", invited_by_id=inviter_id
            )
        )
    db.session.commit()


@pytest.fixture
def officer(app, transaction):
    with app.app_context():
        return make_staff("olive@police.example", name="Olive Officer")


def test_the_download_holds_the_profile_and_everything_about_the_organisation(app, client, member, officer):
    complete_profile(client)
    with app.app_context():
        org = db.session.get(Organisation, member.organisation_id)
        org.sites.append(OrganisationSite(label="Depot", address_line_1="1 Dock Road", postcode="CH65 4EY"))
        org.accreditations.append(
            Accreditation(
                kind=AccreditationKind.OTHER,
                other_name="Cyber Essentials",
                certificate_number="CE-1",
                expires_on=date(2027, 6, 30),
                evidence_name="0123456789abcdef0123456789abcdef.pdf",
                evidence_filename="cyber essentials.pdf",
                evidence_type="application/pdf",
                evidence_size=2048,
            )
        )
        db.session.add(
            ClassificationDecision(
                organisation=org,
                classification=Classification.SME,
                computed_value="True",
                decided_value=True,
                note="Checked against the filed accounts",
                officer_id=officer.id,
            )
        )
        make_supplier("colleague@example.com", name="Cole League", organisation=org)
        db.session.add_all(
            [
                OrganisationInvitation(
                    organisation_id=org.id, email="pending@example.com", invited_by_id=member.id
                ),
                OrganisationInvitation(
                    organisation_id=org.id,
                    email="accepted@example.com",
                    invited_by_id=member.id,
                    accepted_at=utcnow(),
                ),
            ]
        )
        db.session.commit()
        other = make_organisation("Someone Else Ltd")
        make_supplier("someone@example.com", organisation=other)
    data = download(client)
    body = json.dumps(data)

    assert data["format"] == "cheshire-supplier-portal/organisation-data"
    profile = data["organisation"]
    assert profile["id"] == member.organisation_id
    assert profile["legal_name"] == "Winsford Widgets Ltd"
    assert profile["legal_form"] == "private_limited_company"
    assert profile["registered_address"]["postcode"] == "CW7 2UA"
    assert profile["size"] == {
        "staff_headcount": 42,
        "turnover_gbp": "3100000.00",
        "balance_sheet_total_gbp": "900000.50",
        "financial_year_end": "2026-03-31",
        "size_reminder_sent_at": None,
    }
    assert profile["living_wage"] == "plan"
    assert profile["tax_compliance"]["declared_by"] == "Sam Supplier"
    assert [site["label"] for site in data["sites"]] == ["Depot"]
    assert [division["division"] for division in data["cpv_divisions"]] == ["45", "79"]

    [accreditation] = data["accreditations"]
    assert accreditation["name"] == "Cyber Essentials"
    assert accreditation["expires_on"] == "2027-06-30"
    assert accreditation["evidence"] == {
        "filename": "cyber essentials.pdf",
        "content_type": "application/pdf",
        "size_bytes": 2048,
    }
    assert "0123456789abcdef" not in body  # the stored file's name, and so its contents, stay out

    assert data["classifications"]["sme"]["value"] is True
    assert data["classifications"]["sme"]["explanation"].startswith("SME: 42 staff, turnover £3.1m")
    assert data["classifications"]["local"]["value"] == "local"
    assert data["classifications"]["size_band"]["value"] == "small"
    [decision] = data["classification_decisions"]
    assert decision["classification"] == "sme"
    assert decision["decision"] is True
    assert decision["note"] == "Checked against the filed accounts"
    assert decision["decided_by"] == "Olive Officer"
    assert decision["rules_said_then"] is True
    assert decision["still_applies"] is True
    assert decision["decided_at"].startswith(str(utcnow().year))
    assert "olive@police.example" not in body  # the officer's name, never their address

    assert data["members"] == [
        {"name": "Sam Supplier", "email": "member@example.com"},
        {"name": "Cole League", "email": "colleague@example.com"},
    ]
    [invitation] = data["pending_invitations"]
    assert invitation["email"] == "pending@example.com"
    assert invitation["invited_by"] == "Sam Supplier"
    assert "Someone Else" not in body
    assert "someone@example.com" not in body


def test_it_is_served_as_an_attachment_never_cached(app, client, member):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert (
        response.headers["Content-Disposition"]
        == f"attachment; filename=organisation-{member.organisation_id}.json"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_organisation_with_nothing_yet_downloads_empty_lists(client, member):
    data = download(client)
    assert data["organisation"]["name"] == "Winsford Widgets"
    assert data["sites"] == data["accreditations"] == data["classification_decisions"] == []
    assert data["classifications"]["sme"]["value"] is None
    assert data["members"] == [{"name": "Sam Supplier", "email": "member@example.com"}]


def test_it_runs_a_fixed_number_of_queries_and_writes_nothing(app, client, member, officer):
    complete_profile(client)
    counts = []
    added = 0
    for total in (1, 12):
        with app.app_context():
            add_records(
                member.organisation_id,
                total - added,
                officer_id=officer.id,
                inviter_id=member.id,
                start=added,
            )
        added = total
        with count_queries(app) as statements:
            data = download(client)
        assert len(data["sites"]) == len(data["accreditations"]) == total
        assert len(data["classification_decisions"]) == len(data["pending_invitations"]) == total
        writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        assert writes == []
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_a_member_of_another_organisation_gets_only_their_own(app, client, member, officer):
    with app.app_context():
        other = make_organisation("Crewe Cleaning")
        other_member = make_supplier("crewe@example.com", name="Cat Crewe", organisation=other)
        other_id = other.id
        add_records(member.organisation_id, 2, officer_id=officer.id, inviter_id=member.id)
    assert len(download(client)["sites"]) == 2
    other_client = app.test_client()
    sign_in(other_client, other_member.email)
    response = other_client.get(URL)
    data = json.loads(response.get_data(as_text=True))
    assert response.headers["Content-Disposition"].endswith(f"organisation-{other_id}.json")
    assert data["organisation"]["name"] == "Crewe Cleaning"
    assert data["members"] == [{"name": "Cat Crewe", "email": "crewe@example.com"}]
    assert data["sites"] == data["accreditations"] == data["pending_invitations"] == []
    assert "Winsford" not in response.get_data(as_text=True)
    assert "member@example.com" not in response.get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_staff_have_no_organisation_to_download(app, client, officer):
    sign_in(client, officer.email)
    assert client.get(URL).status_code == 403


def test_an_unconfirmed_member_confirms_their_address_first(app, client):
    with app.app_context():
        user = make_supplier("new@example.com", verified=False)
    sign_in(client, user.email)
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_the_account_page_offers_the_download_to_members_only(app, client, member):
    html = client.get("/account").get_data(as_text=True)
    assert f'href="{URL}"' in html
    assert "Download your organisation’s data (JSON)" in html
    with app.app_context():
        officer = make_staff()
    staff_client = app.test_client()
    sign_in(staff_client, officer.email)
    assert URL not in staff_client.get("/account").get_data(as_text=True)


def test_the_url_names_no_organisation(app):
    """It is always the signed-in member's organisation: there is nothing to change to reach another's."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == "organisations.data_download"]
    assert [rule.rule for rule in rules] == [URL]
    assert rules[0].arguments == set()
