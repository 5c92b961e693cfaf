"""Officers' view of the pledges: by organisation and version, the full record, look-up."""

import pytest
import sqlalchemy as sa

from portal.ethics.services import publish_version
from portal.extensions import db
from portal.time import london_today
from tests.conftest import count_queries
from tests.ethics.conftest import pledges_of, registered_organisation, sign_code
from tests.factories import make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES


@pytest.fixture
def pledged(app, client, signer):
    """Winsford Widgets signed version 1; two more organisations: one signed, one did not."""
    sign_code(client)
    with app.app_context():
        registered_organisation("Never Signed Ltd")
        member = make_supplier("signed@example.com", organisation=registered_organisation("Signed Too Ltd"))
        officer = make_staff("olive@example.com")
    other = app.test_client()
    sign_in(other, member.email)
    sign_code(other, representative_name="Sam Other", signature="Sam Other")
    with app.app_context():
        [pledge] = pledges_of(signer.organisation_id)
        db.session.expunge(pledge)
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"].split(":")[0])
    sign_in(client, officer.email)
    return pledge


def names_in(html: str) -> set[str]:
    return {name for name in ("Winsford Widgets", "Signed Too Ltd", "Never Signed Ltd") if name in html}


def test_officers_filter_organisations_by_their_pledge(app, client, pledged):
    everyone = client.get("/officer/pledges").get_data(as_text=True)
    assert names_in(everyone) == {"Winsford Widgets", "Signed Too Ltd", "Never Signed Ltd"}
    assert pledged.reference in everyone
    current = client.get("/officer/pledges?state=current").get_data(as_text=True)
    assert names_in(current) == {"Winsford Widgets", "Signed Too Ltd"}
    assert names_in(client.get("/officer/pledges?state=none").get_data(as_text=True)) == {"Never Signed Ltd"}
    assert names_in(client.get("/officer/pledges?state=out_of_date").get_data(as_text=True)) == set()
    assert names_in(client.get("/officer/pledges?q=signed+too").get_data(as_text=True)) == {"Signed Too Ltd"}
    with app.app_context():
        text = db.session.scalar(sa.text("SELECT text FROM code_versions WHERE number = 1"))
        publish_version(text + "\n\n- One more commitment.", effective_on=london_today())
        db.session.commit()
    out_of_date = client.get("/officer/pledges?state=out_of_date").get_data(as_text=True)
    assert names_in(out_of_date) == {"Winsford Widgets", "Signed Too Ltd"}
    assert "Out of date" in out_of_date
    assert names_in(client.get("/officer/pledges?version=1").get_data(as_text=True)) == {
        "Winsford Widgets",
        "Signed Too Ltd",
    }
    assert names_in(client.get("/officer/pledges?version=2").get_data(as_text=True)) == set()
    # An unknown version or state is shown as an error and the filters are ignored, not a 500.
    bad = client.get("/officer/pledges?version=99&state=nonsense")
    assert bad.status_code == 200
    assert "govuk-error-summary" in bad.get_data(as_text=True)


def test_a_certificate_reference_finds_the_full_record(app, client, pledged):
    typed = pledged.reference.lower().replace("-", " ").replace("0", "o")
    response = client.get("/officer/pledges", query_string={"reference": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/officer/pledges/{pledged.reference}")
    record = client.get(f"/officer/pledges/{pledged.reference}").get_data(as_text=True)
    for shown in (
        "Winsford Widgets",
        "Rhiannon Jones",
        "Managing Director",
        "rhiannon@example.com",
        "127.0.0.1",
        "Werkzeug",
        pledged.text_sha256,
        "Acting with integrity and transparency",
        "Current",
    ):
        assert shown in record, shown
    missing = client.get("/officer/pledges", query_string={"reference": "CE-ZZZZ-ZZZZ"})
    assert missing.status_code == 200
    assert "No pledge has the reference CE-ZZZZ-ZZZZ" in missing.get_data(as_text=True)
    assert client.get("/officer/pledges/CE-ZZZZ-ZZZZ").status_code == 404
    assert client.get("/officer/pledges/not-a-reference").status_code == 404


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_filters_never_cause_an_error(client, pledged, name):
    value = HOSTILE_VALUES[name]
    for field in ("q", "reference", "state", "version"):
        response = client.get("/officer/pledges", query_string={field: value})
        assert response.status_code == 200, field
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_suppliers_cannot_use_the_officer_pages(app, pledged):
    with app.app_context():
        supplier = make_supplier("curious@example.com", organisation=registered_organisation("Curious Ltd"))
    client = app.test_client()
    sign_in(client, supplier.email)
    assert client.get("/officer/pledges").status_code == 403
    assert client.get(f"/officer/pledges/{pledged.reference}").status_code == 403


def test_the_list_and_the_record_run_a_fixed_number_of_queries(app, client, pledged):
    with count_queries(app) as few:
        client.get("/officer/pledges")
    with app.app_context():
        members = [
            make_supplier(f"bulk{n}@example.com", organisation=registered_organisation(f"Bulk {n}"))
            for n in range(12)
        ]
    for member in members[1::2]:
        other = app.test_client()
        sign_in(other, member.email)
        sign_code(other)
    with count_queries(app) as many:
        assert "Bulk 11" in client.get("/officer/pledges").get_data(as_text=True)
    assert len(many) == len(few) <= 8, many
    with count_queries(app) as record:
        client.get(f"/officer/pledges/{pledged.reference}")
    assert len(record) <= 8, record
