"""Publishing a new version: pledges go out of date, every member is emailed once, re-signing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.ethics import services
from portal.ethics.models import CodeVersion
from portal.ethics.services import PledgeRequired, PledgeState, publish_version
from portal.ethics.versions import all_versions
from portal.extensions import db
from portal.outbox.models import Broadcast, OutboxMessage
from portal.outbox.worker import expand_broadcast
from portal.time import london_today, utcnow
from tests.conftest import count_queries, post_form
from tests.ethics.conftest import latest_version, pledges_of, registered_organisation, sign_code, sign_data
from tests.factories import make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES


def version_1_text() -> str:
    return db.session.scalar(sa.select(CodeVersion.text).where(CodeVersion.number == 1))


def changed_text() -> str:
    return version_1_text().replace("Privacy - Respect", "Privacy - Always respect")


@pytest.fixture
def admin(app):
    with app.app_context():
        return make_staff("head@example.com", admin=True, name="Hannah Head")


def test_publishing_puts_every_pledge_out_of_date_and_emails_each_member_once(app, client, signer):
    sign_code(client)
    with app.app_context():
        others = [registered_organisation(f"Org {n}") for n in range(3)]
        for n, organisation in enumerate(others):
            make_supplier(f"member{n}a@example.com", organisation=organisation)
            make_supplier(f"member{n}b@example.com", organisation=organisation)
        make_supplier("unverified@example.com", organisation=others[0], verified=False)
        make_supplier("disabled@example.com", organisation=others[1], disabled=True)
        make_staff("not-a-member@example.com")
        organisation = db.session.get(type(others[0]), signer.organisation_id)
        assert services.require_current_pledge(organisation).state == PledgeState.CURRENT
        messages_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

        version = publish_version(changed_text(), effective_on=london_today(), summary="Privacy reworded")
        db.session.commit()
        assert version.number == 2
        assert version.text_sha256 != latest_version_1_hash()
        [broadcast] = db.session.scalars(sa.select(Broadcast)).all()
        assert broadcast.audience == "organisation_members"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == messages_before
        app.config["OUTBOX_BROADCAST_BATCH_SIZE"] = 2  # several batches
        try:
            while expand_broadcast(utcnow()):
                pass
        finally:
            app.config["OUTBOX_BROADCAST_BATCH_SIZE"] = 200
        sent = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == "ethics/new_version")
        ).all()
        recipients = sorted(message.recipients[0] for message in sent)
        assert recipients == sorted(
            ["rhiannon@example.com"] + [f"member{n}{x}@example.com" for n in range(3) for x in "ab"]
        )
        assert "version 2" in sent[0].subject
        assert "Privacy reworded" in sent[0].body_text
        assert "/code-of-ethics" in sent[0].body_text

        with pytest.raises(PledgeRequired, match="out of date"):
            services.require_current_pledge(organisation)
        with pytest.raises(PledgeRequired, match="Sign the Supplier Code of Ethics"):
            services.require_current_pledge(others[0])
        assert (
            db.session.scalar(
                sa.select(AuditRecord).where(AuditRecord.action == "code_of_ethics.published")
            ).details["number"]
            == 2
        )

    account = client.get("/account").get_data(as_text=True)
    assert "pledge is out of date" in account
    assert "Sign the new version of the Code of Ethics" in account
    page = client.get("/code-of-ethics").get_data(as_text=True)
    assert "out of date" in page and "Privacy - Always respect" in page
    assert sign_code(client).status_code == 302
    with app.app_context():
        first, second = pledges_of(signer.organisation_id)
        assert (first.version.number, second.version.number) == (1, 2)
        assert second.supersedes_id is None  # a new version's first signature, not a correction
        assert services.require_current_pledge(organisation).pledge.id == second.id
    # The old version stays readable, with the organisation's pledge to it.
    old = client.get("/code-of-ethics/versions/1").get_data(as_text=True)
    assert first.reference in old and "replaced by a later version" in old
    certificate = client.get("/code-of-ethics/certificate").get_data(as_text=True)
    assert "Version 2" in certificate and first.reference in certificate


def latest_version_1_hash() -> str:
    return db.session.scalar(sa.select(CodeVersion.text_sha256).where(CodeVersion.number == 1))


def test_a_version_from_a_later_date_can_be_signed_ahead_and_the_old_pledge_stays_current(
    app, client, signer
):
    sign_code(client)
    with app.app_context():
        publish_version(changed_text(), effective_on=london_today() + timedelta(days=14))
        db.session.commit()
    account = client.get("/account").get_data(as_text=True)
    assert "takes effect on" in account
    page = client.get("/code-of-ethics").get_data(as_text=True)
    assert "stays current until then" in page
    assert "Until then" in page and "version 1" in page
    with app.app_context():
        from portal.organisations.models import Organisation

        organisation = db.session.get(Organisation, signer.organisation_id)
        status = services.require_current_pledge(organisation)
        assert status.in_force.number == 1 and status.latest.number == 2 and status.should_sign
    assert sign_code(client).status_code == 302
    with app.app_context():
        assert [p.version.number for p in pledges_of(signer.organisation_id)] == [1, 2]


@pytest.mark.parametrize(
    ("text", "effective", "message"),
    [
        (lambda: "No areas at all", 0, "at least one area"),
        (lambda: "", 0, "Enter the text of the Code"),
        (version_1_text, 0, "same as version 1"),
        (changed_text, -1, "today or later"),
        (lambda: "x" * 50_001, 0, "50,000 characters or fewer"),
        (lambda: "Intro\x00\n\n## A\n\nB", 0, "special characters"),
    ],
)
def test_the_admin_publish_form_refuses_what_cannot_be_published(
    app, client, admin, text, effective, message
):
    sign_in(client, admin.email)
    with app.app_context():
        body = text()
    day = london_today() + timedelta(days=effective)
    response = post_form(
        client,
        "/officer/code-of-ethics/new",
        {
            "text": body,
            "summary": "S",
            "effective_on": [str(day.day), str(day.month), str(day.year)],
            "publish": "y",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "govuk-error-summary" in html
    with app.app_context():
        assert latest_version().number == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 0


def test_the_admin_previews_then_publishes(app, client, admin):
    sign_in(client, admin.email)
    form = client.get("/officer/code-of-ethics/new").get_data(as_text=True)
    assert "Instil a culture of fairness" in form  # starts from the newest text
    today = london_today()
    with app.app_context():
        text = changed_text() + "\n\n## <script>alert(1)</script> A fifth area\n\nBe kind."
    data = {
        "text": text,
        "summary": "A fifth area",
        "effective_on": [str(today.day), str(today.month), str(today.year)],
    }
    preview = post_form(client, "/officer/code-of-ethics/new", {**data, "preview": "y"}).get_data(
        as_text=True
    )
    assert "5 areas" in preview
    assert "5. &lt;script&gt;alert(1)&lt;/script&gt; A fifth area" in preview
    assert "<script>alert(1)</script>" not in preview
    with app.app_context():
        assert latest_version().number == 1  # a preview publishes nothing
    response = post_form(client, "/officer/code-of-ethics/new", {**data, "publish": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/officer/code-of-ethics")
    with app.app_context():
        version = latest_version()
        assert version.number == 2 and version.published_by_id == admin.id
        assert len(version.document.areas) == 5
    listing = client.get("/officer/code-of-ethics").get_data(as_text=True)
    assert "Version 2" in listing and "In effect" in listing
    signer_page = client.get("/code-of-ethics").get_data(as_text=True)
    assert "A fifth area" in signer_page


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_summaries_never_cause_an_error(app, client, admin, name):
    sign_in(client, admin.email)
    today = london_today()
    with app.app_context():
        text = changed_text()
    response = post_form(
        client,
        "/officer/code-of-ethics/new",
        {
            "text": text,
            "summary": HOSTILE_VALUES[name],
            "effective_on": [str(today.day), str(today.month), str(today.year)],
            "preview": "y",
        },
    )
    assert response.status_code == 200


def test_officers_and_suppliers_cannot_publish(app, client, signer):
    assert client.get("/officer/code-of-ethics/new").status_code == 403
    with app.app_context():
        officer = make_staff("plain-officer@example.com")
    officer_client = app.test_client()
    sign_in(officer_client, officer.email)
    assert officer_client.get("/officer/code-of-ethics/new").status_code == 403
    assert officer_client.get("/officer/code-of-ethics").status_code == 403
    today = london_today()
    response = post_form(
        officer_client,
        "/officer/code-of-ethics/new",
        {
            "text": "Intro\n\n## A\n\nB",
            "effective_on": [str(today.day), str(today.month), str(today.year)],
            "publish": "y",
        },
        page="/account",
    )
    assert response.status_code == 403
    with app.app_context():
        assert latest_version().number == 1


def test_publishing_by_cli_and_seeding_again_changes_nothing_published(app, runner, tmp_path):
    file = tmp_path / "v2.md"
    with app.app_context():
        file.write_text(changed_text(), encoding="utf-8")
    result = runner.invoke(args=["ethics", "publish", str(file), "--summary", "Privacy reworded"])
    assert result.exit_code == 0, result.output
    assert "Published version 2" in result.output
    again = runner.invoke(args=["ethics", "publish", str(file)])
    assert again.exit_code != 0 and "same as version 2" in again.output
    past = runner.invoke(args=["ethics", "publish", str(file), "--effective-on", "2020-01-01"])
    assert past.exit_code != 0 and "today or later" in past.output
    seeded = runner.invoke(args=["seed"])
    assert "Code of Ethics: 0 added" in seeded.output
    with app.app_context():
        assert [v.number for v in all_versions()] == [2, 1]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 1


def test_the_stale_form_check_reads_the_posted_version(app, client, signer):
    # A form tampered to claim another version is treated like a stale one: nothing stored.
    response = post_form(client, "/code-of-ethics", sign_data(7))
    assert response.status_code == 200
    with app.app_context():
        assert pledges_of(signer.organisation_id) == []


def test_the_code_page_runs_a_fixed_number_of_queries_whatever_the_versions(app, client, signer):
    with app.app_context():
        for n in range(3):
            publish_version(changed_text() + f"\n\n- extra {n}", effective_on=london_today())
        db.session.commit()
    with count_queries(app) as statements:
        client.get("/code-of-ethics")
    assert len(statements) <= 6, statements
