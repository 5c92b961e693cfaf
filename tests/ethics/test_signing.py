"""Signing the Code for an organisation, the certificate, corrections and the evidential record."""

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.ethics.models import Pledge
from portal.ethics.pledges import normal_reference
from portal.ethics.services import signature_matches
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from tests.conftest import count_queries, post_form
from tests.ethics.conftest import error_summary, pledges_of, registered_organisation, sign_code, sign_data
from tests.factories import make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES


def test_anyone_can_read_the_current_code(client):
    response = client.get("/code-of-ethics")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Supplier Code of Ethics" in html
    assert "4. Acting with integrity and transparency" in html
    assert "Sign in" in html
    assert 'name="area_1"' not in html  # no signing form for a visitor
    assert client.get("/code-of-ethics/versions/1").status_code == 200
    assert "Version 1" in client.get("/code-of-ethics/versions").get_data(as_text=True)
    assert client.get("/code-of-ethics/versions/99").status_code == 404


def test_a_member_signs_and_the_pledge_keeps_the_whole_record(app, client, signer):
    page = client.get("/code-of-ethics").get_data(as_text=True)
    assert page.count('type="checkbox"') == 5  # the four areas and the authority
    response = sign_code(client, signature="rhiannon  jones")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/code-of-ethics/certificate")
    with app.app_context():
        [pledge] = pledges_of(signer.organisation_id)
        assert pledge.user_id == signer.id
        assert pledge.version.number == 1
        assert pledge.text_sha256 == pledge.version.text_sha256
        assert len(pledge.acknowledged_areas) == 4
        assert pledge.acknowledged_areas[3] == "Acting with integrity and transparency"
        assert (pledge.representative_name, pledge.representative_position) == (
            "Rhiannon Jones",
            "Managing Director",
        )
        assert pledge.signature_differs is False  # case and spacing are not a different signature
        assert pledge.authority_confirmed is True
        assert pledge.signed_at is not None
        assert pledge.client_address == "127.0.0.1"
        assert pledge.user_agent.startswith("Werkzeug")
        assert pledge.supersedes_id is None
        assert normal_reference(pledge.reference) == pledge.reference
        reference = pledge.reference
        audit = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "code_of_ethics.signed"))
        assert audit.record_id == str(pledge.id)
        emails = {m.template: m for m in db.session.scalars(sa.select(OutboxMessage))}
        assert emails["ethics/signed_inbox"].recipients == [app.config["PROCUREMENT_INBOX"]]
        assert reference in emails["ethics/signed_inbox"].body_text
        assert emails["ethics/signed_confirmation"].recipients == ["Rhiannon Jones <rhiannon@example.com>"]
        assert "/code-of-ethics/certificate" in emails["ethics/signed_confirmation"].body_text
    certificate = client.get("/code-of-ethics/certificate").get_data(as_text=True)
    for shown in (
        "Winsford Widgets",
        "Rhiannon Jones",
        "Managing Director",
        reference,
        "Version 1",
        "Current",
    ):
        assert shown in certificate
    assert pledge.text_sha256 in certificate
    account = client.get("/account").get_data(as_text=True)
    assert "has signed version 1" in account


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"area_3": None}, "area_3", "Confirm your organisation commits to area 3"),
        ({"area_1": None, "area_4": None}, "area_1", "Confirm your organisation commits to area 1"),
        ({"representative_name": "   "}, "representative_name", "Enter the representative&#39;s full name"),
        (
            {"representative_position": ""},
            "representative_position",
            "Enter the representative&#39;s position",
        ),
        ({"signature": " \t "}, "signature", "Type the representative&#39;s full name as the signature"),
        ({"authority": None}, "authority", "Confirm you have the authority to sign"),
        ({"representative_name": "R" * 101}, "representative_name", "100 characters or fewer"),
    ],
)
def test_a_missing_or_bad_answer_is_shown_and_nothing_is_stored(app, client, signer, changes, field, message):
    response = sign_code(client, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in error_summary(html)
    assert f'href="#{field}"' in error_summary(html)
    assert 'id="' + field + '-error"' in html
    assert "Managing Director" in html or field == "representative_position"  # the rest is kept
    with app.app_context():
        assert pledges_of(signer.organisation_id) == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_signature_unlike_the_name_is_questioned_then_accepted_when_confirmed(app, client, signer):
    html = sign_code(client, signature="R. Jones").get_data(as_text=True)
    assert "The signature does not match the representative&#39;s name" in html
    assert 'name="signature_confirmed"' in html
    assert 'value="R. Jones"' in html
    with app.app_context():
        assert pledges_of(signer.organisation_id) == []
    assert sign_code(client, signature="R. Jones", signature_confirmed="y").status_code == 302
    with app.app_context():
        [pledge] = pledges_of(signer.organisation_id)
        assert pledge.signature_differs is True
    assert "Written differently from the name" in client.get("/code-of-ethics/certificate").get_data(
        as_text=True
    )


def test_signature_matching_ignores_case_spacing_and_unicode_form():
    assert signature_matches("  ANNE-MARIE  o'neill ", "Anne-Marie O'Neill")
    assert signature_matches("Zo\u0065\u0308", "Zo\u00eb")
    assert not signature_matches("A. O'Neill", "Anne-Marie O'Neill")


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_text_is_refused_or_kept_as_text(app, client, signer, name):
    value = HOSTILE_VALUES[name]
    response = sign_code(client, representative_name=value, signature=value, signature_confirmed="y")
    assert response.status_code in {200, 302}
    with app.app_context():
        stored = pledges_of(signer.organisation_id)
    if response.status_code == 200:
        assert stored == []
        assert "govuk-error-summary" in response.get_data(as_text=True)
    else:
        assert stored[0].representative_name == value
        certificate = client.get("/code-of-ethics/certificate").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in certificate


def test_a_member_of_an_organisation_still_registering_is_told_what_to_finish(app, client):
    with app.app_context():
        organisation = registered_organisation("Halfway Ltd", registered=False)
        organisation_id = organisation.id
        user = make_supplier("halfway@example.com", organisation=organisation)
    sign_in(client, user.email)
    page = client.get("/code-of-ethics").get_data(as_text=True)
    assert "Finish Halfway Ltd's profile before you sign" in page
    assert 'href="/organisation/profile"' in page
    assert 'name="area_1"' not in page
    response = post_form(client, "/code-of-ethics", sign_data(), page="/account")
    assert response.status_code == 302
    with app.app_context():
        assert pledges_of(organisation_id) == []


def test_a_double_submit_gives_one_pledge(app, client, signer):
    first = sign_code(client)
    again = sign_code(client)  # the second tab: the page no longer has a form, the post is refused
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"].endswith("/code-of-ethics/certificate")
    with app.app_context():
        assert len(pledges_of(signer.organisation_id)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2


def test_a_form_for_an_older_version_is_refused_and_the_new_text_shown(app, client, signer):
    from portal.ethics.services import publish_version
    from portal.time import london_today

    with app.app_context():
        text = db.session.scalar(sa.text("SELECT text FROM code_versions WHERE number = 1"))
        publish_version(
            text.replace("Privacy - Respect", "Privacy - Always respect"), effective_on=london_today()
        )
        db.session.commit()
    response = post_form(
        client, "/code-of-ethics", sign_data(1)
    )  # token from the page, version 1 in the post
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Version 2 of the Code was published after you opened this page" in html
    assert "Privacy - Always respect" in html
    assert 'value="Rhiannon Jones"' in html  # what they typed is kept
    assert 'name="area_1" type="checkbox" value="y" checked' not in html  # acknowledged again
    with app.app_context():
        assert pledges_of(signer.organisation_id) == []


def test_a_correction_is_a_new_pledge_naming_the_one_it_supersedes(app, client, signer):
    sign_code(client, representative_position="Manging Director")
    page = client.get("/code-of-ethics/correct").get_data(as_text=True)
    assert 'value="Manging Director"' in page
    response = post_form(
        client, "/code-of-ethics/correct", sign_data(representative_position="Managing Director")
    )
    assert response.status_code == 302
    with app.app_context():
        first, second = pledges_of(signer.organisation_id)
        assert second.supersedes_id == first.id
        assert first.representative_position == "Manging Director"  # the record is unchanged
        references = first.reference, second.reference
        assert (
            db.session.scalar(sa.select(AuditRecord.action).where(AuditRecord.record_id == str(second.id)))
            == "code_of_ethics.corrected"
        )
    certificate = client.get("/code-of-ethics/certificate").get_data(as_text=True)
    assert references[1] in certificate and f"Pledge {references[0]}" in certificate
    earlier = client.get(f"/code-of-ethics/certificate/{references[0]}").get_data(as_text=True)
    assert "replaced by a newer one" in earlier
    assert "Manging Director" in earlier
    # A correction of a pledge already corrected is refused by the database.
    with app.app_context():
        from portal.ethics import services

        first = db.session.get(Pledge, first.id)
        organisation, version = first.organisation, first.version
        with pytest.raises(services.AlreadySigned):
            services.sign(
                organisation,
                first.user,
                version,
                representative_name="X",
                representative_position="Y",
                signature="X",
                client_address="127.0.0.1",
                user_agent="test",
                supersedes=first,
            )


def test_nothing_to_correct_before_signing(client, signer):
    response = client.get("/code-of-ethics/correct")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/code-of-ethics")


def test_a_certificate_is_only_ever_the_organisations_own(app, client, signer):
    sign_code(client)
    with app.app_context():
        [pledge] = pledges_of(signer.organisation_id)
        reference = pledge.reference
        other = make_supplier("other@example.com", organisation=registered_organisation("Other Ltd"))
        staff = make_staff("staff@example.com")
    client.post("/logout", data={"csrf_token": ""})
    other_client = client.application.test_client()
    sign_in(other_client, other.email)
    assert other_client.get(f"/code-of-ethics/certificate/{reference}").status_code == 404
    own = other_client.get("/code-of-ethics/certificate").get_data(as_text=True)
    assert reference not in own
    assert "has not signed the Supplier Code of Ethics yet" in own
    assert other_client.get("/code-of-ethics/certificate/CE-0000-0000").status_code == 404
    staff_client = client.application.test_client()
    sign_in(staff_client, staff.email)
    assert staff_client.get("/code-of-ethics/certificate").status_code == 403
    assert staff_client.get("/code-of-ethics/correct").status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/code-of-ethics/certificate").status_code == 302
    assert anonymous.get(f"/code-of-ethics/certificate/{reference}").status_code == 302


def test_staff_read_the_code_but_are_not_offered_the_form(app, client):
    with app.app_context():
        staff = make_staff("reader@example.com")
    sign_in(client, staff.email)
    html = client.get("/code-of-ethics").get_data(as_text=True)
    assert 'name="area_1"' not in html
    assert "/officer/pledges" in html


def test_the_pages_run_a_fixed_number_of_queries(app, client, signer):
    with count_queries(app) as before:
        client.get("/code-of-ethics")
    sign_code(client)
    for url in ("/code-of-ethics", "/code-of-ethics/certificate"):
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        assert len(statements) <= 6, (url, statements)
    assert len(before) <= 6, before


def test_pledges_and_versions_cannot_be_changed_or_deleted(app, client, signer, database_kind):
    from portal.append_only import AppendOnlyError
    from portal.ethics.models import CodeVersion

    sign_code(client)
    with app.app_context():
        [pledge] = pledges_of(signer.organisation_id)
        pledge.signature = "Someone else"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        for statement in (sa.update(Pledge).values(signature="X"), sa.delete(Pledge)):
            with pytest.raises(AppendOnlyError):
                db.session.execute(statement)
        db.session.rollback()
        version = db.session.scalar(sa.select(CodeVersion).where(CodeVersion.number == 1))
        db.session.delete(version)
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        for sql in (
            "UPDATE pledges SET signature = 'X'",
            "DELETE FROM pledges",
            "UPDATE code_versions SET text = 'X'",
            "DELETE FROM code_versions",
        ):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session.begin_nested():
                db.session.execute(sa.text(sql))
        assert db.session.scalar(sa.select(Pledge.signature)) == "Rhiannon Jones"


def test_the_organisations_data_download_holds_its_pledges_without_the_signers_address(app, client, signer):
    sign_code(client)
    post_form(client, "/code-of-ethics/correct", sign_data(representative_position="Director"))
    data = client.get("/organisation/data.json").get_json()
    first, second = data["code_of_ethics_pledges"]
    assert (first["version"], first["representative_position"], first["corrects"]) == (
        1,
        "Managing Director",
        None,
    )
    assert second["corrects"] == first["reference"]
    assert second["signed_by"] == "Rhiannon Jones"
    assert "127.0.0.1" not in str(data) and "Werkzeug" not in str(data)
    assert data["modern_slavery_due_diligence"] is None
