import gc
import io
import re

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.organisations.models import Accreditation, ClassificationDecision
from portal.outbox.worker import run_until_idle
from tests.conftest import post_form, session_csrf_token
from tests.factories import make_organisation, make_staff, make_supplier, sign_in
from tests.organisations.conftest import complete_profile

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ACCREDITATION = {"kind": "iso_14001", "certificate_number": "EMS 123456", "expires_on": ["30", "6", "2027"]}


@pytest.fixture(autouse=True)
def _own_evidence_folder(evidence_folder):
    """Every test here keeps its evidence files in a folder of its own."""


def add(client, content: bytes | None = None, filename: str = "certificate.pdf", **overrides):
    data = {**ACCREDITATION, **overrides}
    if content is not None:
        data["evidence"] = (io.BytesIO(content), filename)
    return post_form(
        client,
        "/organisation/profile/accreditations",
        data,
        content_type="multipart/form-data",
        page="/organisation/profile/accreditations",
    )


def stored(app) -> list[Accreditation]:
    with app.app_context():
        found = db.session.scalars(sa.select(Accreditation)).all()
        for item in found:
            db.session.expunge(item)
        return found


def test_a_member_adds_an_accreditation_with_evidence_and_downloads_it(app, client, member, evidence_folder):
    assert add(client, PDF).headers["Location"] == "/organisation/profile/accreditations"
    [accreditation] = stored(app)
    assert accreditation.evidence_type == "application/pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", accreditation.evidence_name)  # a random name, not theirs
    assert (evidence_folder / accreditation.evidence_name).read_bytes() == PDF
    with client.get(f"/organisation/accreditations/{accreditation.id}/evidence") as response:
        assert response.status_code == 200
        assert response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in response.headers["Content-Security-Policy"]


def test_an_accreditation_without_evidence_is_fine(app, client, member):
    add(client)
    [accreditation] = stored(app)
    assert accreditation.evidence_name is None
    assert client.get(f"/organisation/accreditations/{accreditation.id}/evidence").status_code == 404


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"just some text", "certificate.pdf", "must be a PDF, PNG or JPEG"),
        (b"<html><script>alert(1)</script></html>", "page.html", "must be a PDF, PNG or JPEG"),
        (PNG, "certificate.pdf", "not what its name says"),
        (PDF, "certificate.exe", "not what its name says"),
        (b"", "empty.pdf", "is empty"),
    ],
)
def test_a_file_that_is_not_what_it_says_too_large_or_empty_is_refused_and_nothing_stored(
    app, client, member, evidence_folder, content, filename, message
):
    response = add(client, content, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'value="EMS 123456"' in html  # the rest is kept
    assert stored(app) == []
    assert not evidence_folder.exists() or not any(evidence_folder.iterdir())


# The test client spools a large body to a temporary file it never closes: collect it here, where
# its warning is expected, not in whichever test runs next.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
def test_a_file_over_10_mb_is_refused_and_nothing_stored(app, client, member, evidence_folder):
    response = add(client, PDF + b"x" * (10 * 1024 * 1024), "huge.pdf")
    assert "smaller than 10 MB" in response.get_data(as_text=True)
    assert stored(app) == []
    assert not evidence_folder.exists() or not any(evidence_folder.iterdir())
    del response
    gc.collect()


def test_other_needs_a_name_and_a_date_must_be_real(client, member):
    html = add(client, kind="other").get_data(as_text=True)
    assert "Enter the name of the accreditation" in html
    html = add(client, expires_on=["31", "2", "2027"]).get_data(as_text=True)
    assert "must be a real date" in html


def test_removing_an_accreditation_deletes_its_file(app, client, member, evidence_folder):
    add(client, PDF)
    [accreditation] = stored(app)
    post_form(
        client,
        f"/organisation/profile/accreditations/{accreditation.id}/remove",
        {},
        page="/organisation/profile/accreditations",
    )
    assert stored(app) == []
    assert not (evidence_folder / accreditation.evidence_name).exists()


def test_another_organisation_can_reach_none_of_these_records(app, client, member):
    """One organisation tries every URL of another's: not found, never the data."""
    add(client, PDF)
    post_form(
        client,
        "/organisation/profile/address",
        {"address_line_1": "1 High St", "town": "Winsford", "postcode": "CW7 2UA"},
    )
    post_form(
        client,
        "/organisation/profile/sites",
        {"label": "Depot", "address_line_1": "2 Dock Road", "town": "Chester", "postcode": "CH1 4AA"},
    )
    [accreditation] = stored(app)
    with app.app_context():
        site_id = db.session.scalar(sa.text("SELECT id FROM organisation_sites"))
        rival = make_supplier("rival@example.com", organisation=make_organisation("Rival Ltd"))
    other = app.test_client()
    sign_in(other, rival.email)
    token = session_csrf_token(other)
    assert other.get(f"/organisation/accreditations/{accreditation.id}/evidence").status_code == 404
    assert (
        other.post(
            f"/organisation/profile/accreditations/{accreditation.id}/remove", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        other.post(f"/organisation/profile/sites/{site_id}/remove", data={"csrf_token": token}).status_code
        == 404
    )
    assert other.get(f"/organisation/profile/sites/{site_id}/council").status_code == 404
    assert (
        other.post(
            f"/organisation/profile/sites/{site_id}/council",
            data={"csrf_token": token, "authority": "E06000050"},
        ).status_code
        == 404
    )
    assert other.get(f"/officer/organisations/{member.organisation_id}").status_code == 403
    assert (
        other.get(
            f"/officer/organisations/{member.organisation_id}/accreditations/{accreditation.id}/evidence"
        ).status_code
        == 403
    )
    assert "Winsford" not in other.get("/organisation/profile/check").get_data(as_text=True)
    assert len(stored(app)) == 1


def test_an_officer_verifies_and_overrides_with_a_note_and_the_members_are_emailed(
    app, client, member, smtp_server
):
    complete_profile(client)
    post_form(client, "/organisation/profile/check", {})
    with app.app_context():
        officer = make_staff("olive@example.com")
    desk = app.test_client()
    sign_in(desk, officer.email)
    url = f"/officer/organisations/{member.organisation_id}"
    page = desk.get(url).get_data(as_text=True)
    assert "SME: 42 staff" in page
    assert "Local: the registered address is in the force area" in page
    response = post_form(
        desk, url, {"classification": "sme", "value": "yes", "note": "Checked the 2026 accounts."}
    )
    assert response.headers["Location"] == url
    post_form(desk, url, {"classification": "vcse", "value": "yes", "note": "It is a social enterprise."})
    with app.app_context():
        decisions = db.session.scalars(
            sa.select(ClassificationDecision).order_by(ClassificationDecision.id)
        ).all()
        assert [(d.classification.value, d.decided_value) for d in decisions] == [
            ("sme", True),
            ("vcse", True),
        ]
        actions = set(db.session.scalars(sa.select(AuditRecord.action)).all())
        assert {"organisation.sme_verified", "organisation.vcse_overridden"} <= actions
        run_until_idle()
    subjects = [m["Subject"] for m in smtp_server.to("member@example.com")]
    assert "The procurement team has verified your organisation's SME status" in subjects
    assert "The procurement team has overridden your organisation's VCSE status" in subjects
    assert "It is a social enterprise." in desk.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"classification": "sme", "value": "yes", "note": ""}, "Enter a note"),
        ({"classification": "sme", "note": "x"}, "Select yes or no"),
        ({"classification": "colour", "value": "yes", "note": "x"}, None),
    ],
)
def test_a_decision_needs_a_known_classification_an_answer_and_a_note(app, client, member, data, message):
    with app.app_context():
        officer = make_staff()
    desk = app.test_client()
    sign_in(desk, officer.email)
    url = f"/officer/organisations/{member.organisation_id}"
    response = post_form(desk, url, data)
    assert response.status_code == 200
    if message:
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClassificationDecision)) == 0


def test_a_supplier_cannot_record_a_decision(app, client, member):
    token = session_csrf_token(client)
    response = client.post(
        f"/officer/organisations/{member.organisation_id}",
        data={"csrf_token": token, "classification": "sme", "value": "yes", "note": "mine"},
    )
    assert response.status_code == 403


def test_an_officer_downloads_evidence_and_an_unknown_organisation_is_not_found(app, client, member):
    add(client, PDF)
    [accreditation] = stored(app)
    with app.app_context():
        officer = make_staff()
    desk = app.test_client()
    sign_in(desk, officer.email)
    with desk.get(
        f"/officer/organisations/{member.organisation_id}/accreditations/{accreditation.id}/evidence"
    ) as ok:
        assert ok.data == PDF
    assert (
        desk.get(f"/officer/organisations/999999/accreditations/{accreditation.id}/evidence").status_code
        == 404
    )
    assert desk.get("/officer/organisations/999999").status_code == 404
