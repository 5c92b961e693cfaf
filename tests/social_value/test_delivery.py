"""Commitments and delivery: members report what they delivered (with an evidence file judged by
its content), the partner body's organisation confirms, officers verify; a commitment shows what
was committed and delivered and whether it is on track, overdue or delivered; the daily job
reminds once when its date passes undelivered. Needs on the board name the outcome they serve."""

from __future__ import annotations

import gc
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.jobs import DAILY_TASKS, run_daily
from portal.organisations.models import Organisation
from portal.outbox.worker import run_until_idle
from portal.social_value import services
from portal.social_value.models import Commitment, DeliveryReport, OfferState, Outcome, ReportState
from portal.time import london_today, utcnow
from portal.voluntary.models import Need
from portal.workflow import Refused, transition
from tests.conftest import post_form, session_csrf_token
from tests.factories import make_staff, make_supplier, sign_in
from tests.social_value.conftest import (
    JPEG,
    PDF,
    PNG,
    accepted_offer,
    audits,
    count_of,
    error_summary,
    html_of,
    outcome_id,
    report,
    text_of,
)
from tests.voluntary.conftest import need_data, vcse_organisation


@pytest.fixture
def committed(app, member, officer_client, partner_client):
    """The member's accepted offer (40 hours by a date 90 days off) with the partner body."""
    with app.app_context():
        return accepted_offer(
            member.organisation_id,
            member.id,
            officer_client.officer.id,
            partner_entry_id=partner_client.entry_id,
        )


def reports(app) -> list[DeliveryReport]:
    with app.app_context():
        found = db.session.scalars(sa.select(DeliveryReport).order_by(DeliveryReport.id)).all()
        for item in found:
            db.session.expunge(item)
        return list(found)


def commitment_of(app, offer_id: int) -> Commitment:
    with app.app_context():
        found = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == offer_id))
        db.session.expunge(found)
        return found


def verify(officer_client, report_id: int):
    return post_form(
        officer_client,
        f"/officer/social-value/reports/{report_id}/verify",
        {},
        page="/officer/social-value/reports",
    )


# --- reporting ------------------------------------------------------------------------------------


def test_the_accepted_offer_shows_its_commitment_and_a_way_to_report(app, client, committed):
    page = text_of(html_of(client, f"/social-value/offers/{committed}"))
    due = (london_today() + timedelta(days=90)).strftime("%-d %B %Y")
    assert f"Committed 40 hours by {due}" in page
    assert "Delivered (verified) 0 hours" in page
    assert "On track" in page and "Report delivery" in page
    form = text_of(html_of(client, f"/social-value/offers/{committed}/report"))
    assert "Committed: 40 hours (Staff time volunteered" in form and "Verified so far: 0." in form


@pytest.mark.parametrize(
    ("content", "filename", "kind"),
    [
        (PDF, "letter.pdf", "application/pdf"),
        (PNG, "photo.png", "image/png"),
        (JPEG, "photo.jpeg", "image/jpeg"),
    ],
)
def test_a_member_reports_delivery_with_evidence_kept_under_a_random_name(
    app, client, committed, evidence_folder, content, filename, kind
):
    response = report(client, committed, content, filename)
    assert response.headers["Location"] == f"/social-value/offers/{committed}"
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Your delivery report has been sent for the procurement unit to verify." in page
    assert f"Evidence: {filename}" in page and "Waiting for the procurement unit" in page
    [stored] = reports(app)
    assert (stored.quantity, stored.delivered_on) == (Decimal(40), london_today() - timedelta(days=1))
    assert (stored.evidence_filename, stored.evidence_type, stored.evidence_size) == (
        filename,
        kind,
        len(content),
    )
    assert re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg)", stored.evidence_name)
    assert (evidence_folder / stored.evidence_name).read_bytes() == content
    assert stored.verified_at is None and stored.confirmed_at is None
    [audit] = audits(app, "delivery.")
    assert audit.action == "delivery.reported" and audit.details["quantity"] == "40"


def test_a_report_in_any_words_is_kept_and_shown_escaped(
    app, client, committed, officer_client, partner_client
):
    words = "Mentoring for 12 young people – Cymraeg ŵ, 中文, 🎉 <script>alert(1)</script> & more"
    assert report(client, committed, description=words).status_code == 302
    assert reports(app)[0].description == words
    for page in (
        html_of(client, f"/social-value/offers/{committed}"),
        html_of(officer_client, "/officer/social-value/reports"),
        html_of(partner_client, "/social-value/partner-reports"),
    ):
        assert "<script>alert(1)</script>" not in page
        assert "🎉 &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def test_a_report_without_evidence_is_fine(app, client, committed):
    assert report(client, committed).status_code == 302
    [stored] = reports(app)
    assert stored.evidence_name is None
    assert client.get(f"/social-value/reports/{stored.id}/evidence").status_code == 404


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"just some text", "letter.pdf", "The selected file must be a PDF, PNG or JPEG"),
        (b"<html><script>alert(1)</script></html>", "page.html", "must be a PDF, PNG or JPEG"),
        (b"MZ\x90\x00 an executable", "photo.jpg", "must be a PDF, PNG or JPEG"),
        (PNG, "letter.pdf", "The selected file is not what its name says: it is a PNG file"),
        (PDF, "letter.exe", "not what its name says"),
        (b"", "empty.pdf", "The selected file is empty"),
    ],
)
def test_a_file_that_is_not_a_pdf_png_or_jpeg_by_its_content_is_refused_and_nothing_stored(
    app, client, committed, evidence_folder, content, filename, message
):
    response = report(client, committed, content, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text_of(html)
    assert "40 hours of mentoring at the youth club." in html  # the rest is kept
    assert reports(app) == []
    assert not evidence_folder.exists() or not any(evidence_folder.iterdir())


# The test client spools a large body to a temporary file it never closes: collect it here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
def test_a_file_over_10_mb_is_refused_and_nothing_stored(app, client, committed, evidence_folder):
    response = report(client, committed, PDF + b"x" * (10 * 1024 * 1024), "huge.pdf")
    assert "The selected file must be smaller than 10 MB" in text_of(response.get_data(as_text=True))
    assert reports(app) == []
    assert not evidence_folder.exists() or not any(evidence_folder.iterdir())
    del response
    gc.collect()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": "0"}, "The quantity must be more than 0"),
        ({"quantity": "-1"}, "Enter the quantity as a number"),
        ({"quantity": ""}, "Enter how much was delivered, in the measure's unit"),
        (
            {"delivered_on": ["1", "1", str(london_today().year + 1)]},
            "The date it was delivered must be today or in the past",
        ),
        ({"delivered_on": ["30", "2", "2026"]}, "must be a real date"),
        ({"description": ""}, "Describe what was delivered, and for whom"),
        ({"description": "tab\x0bvertical"}, "must not contain special characters"),
    ],
)
def test_a_bad_report_is_refused_with_a_clear_message_and_nothing_stored(
    app, client, committed, evidence_folder, changes, message
):
    response = report(client, committed, PDF, **changes)
    assert response.status_code == 200
    assert message in error_summary(response.get_data(as_text=True))
    assert reports(app) == []
    assert not evidence_folder.exists() or not any(evidence_folder.iterdir())


def test_people_are_reported_in_whole_numbers(app, client, member, officer_client):
    with app.app_context():
        offer_id = accepted_offer(
            member.organisation_id,
            member.id,
            officer_client.officer.id,
            indicator=5,
            outcomes=(4,),
            measure="people_into_work",
            quantity="3",
        )
    response = report(client, offer_id, quantity="1.5")
    assert "This measure counts whole numbers" in error_summary(response.get_data(as_text=True))
    assert report(client, offer_id, quantity="2").status_code == 302


def test_there_is_nothing_to_report_on_an_offer_not_accepted(app, client, member):
    from tests.social_value.conftest import add_offer

    with app.app_context():
        offer_id = add_offer(member.organisation_id, member.id, state=OfferState.UNDER_REVIEW)
    assert client.get(f"/social-value/offers/{offer_id}/report").status_code == 404
    assert "Report delivery" not in html_of(client, f"/social-value/offers/{offer_id}")


# --- the partner confirms ---------------------------------------------------------------------------


def test_the_partners_members_confirm_a_report_once(app, client, committed, partner_client, rival_client):
    report(client, committed)
    [stored] = reports(app)
    page = text_of(html_of(partner_client, "/social-value/partner-reports"))
    assert "Winsford Widgets: 40 hours on" in page and "40 hours of mentoring at the youth club." in page
    assert "There are no delivery reports" in html_of(rival_client, "/social-value/partner-reports")
    assert "There are no delivery reports" in html_of(client, "/social-value/partner-reports")
    response = post_form(
        partner_client, f"/social-value/reports/{stored.id}/confirm", {}, page="/social-value/partner-reports"
    )
    assert response.headers["Location"] == "/social-value/partner-reports"
    page = text_of(partner_client.get("/social-value/partner-reports").get_data(as_text=True))
    assert "Thank you: the delivery is confirmed." in page and "Confirmed " in page
    [confirmed] = reports(app)
    assert confirmed.confirmed_by_id == partner_client.user.id and confirmed.confirmed_at is not None
    # Again: refused, nothing changes.
    token = session_csrf_token(partner_client)
    response = partner_client.post(f"/social-value/reports/{stored.id}/confirm", data={"csrf_token": token})
    assert "This report is confirmed already." in text_of(
        partner_client.get(response.headers["Location"]).get_data(as_text=True)
    )
    assert reports(app)[0].confirmed_at == confirmed.confirmed_at
    assert [a.action for a in audits(app, "delivery.")] == ["delivery.reported", "delivery.confirmed"]
    assert "Confirmed by the partner" in text_of(html_of(client, f"/social-value/offers/{committed}"))


def test_the_partners_members_are_emailed_to_confirm_a_report(
    app, client, committed, partner_client, smtp_server
):
    with app.app_context():
        partner = db.session.get(Organisation, partner_client.user.organisation_id)
        make_supplier("away@vale-royal.example", name="Ada Away", organisation=partner, disabled=True)
        db.session.commit()
    report(client, committed)
    with app.app_context():
        run_until_idle()
    [asked] = [m for m in smtp_server.to("vera@vale-royal.example") if "delivery" in m["Subject"]]
    assert asked["Subject"] == "Please confirm a delivery by Winsford Widgets"
    body = asked.get_body(("plain",)).get_content()
    assert "Winsford Widgets has reported delivering 40 hours" in body
    assert "http://portal.test/social-value/partner-reports" in body
    assert not [m for m in smtp_server.messages if "away@" in m["X-Envelope-To"]]  # disabled: not written to


def test_only_the_partners_organisation_may_confirm(app, client, committed, rival_client):
    report(client, committed)
    [stored] = reports(app)
    for other in (client, rival_client):  # the supplier itself is not its own witness
        token = session_csrf_token(other)
        assert (
            other.post(f"/social-value/reports/{stored.id}/confirm", data={"csrf_token": token}).status_code
            == 404
        )
    assert reports(app)[0].confirmed_at is None


def test_a_partner_body_with_no_registered_organisation_has_no_one_to_confirm(
    app, client, member, officer_client, partner_client, smtp_server
):
    with app.app_context():
        from portal.voluntary.models import DirectoryEntry

        unlinked = db.session.scalar(
            sa.select(DirectoryEntry.id).where(DirectoryEntry.name == "Cheshire East CVS")
        )
        offer_id = accepted_offer(
            member.organisation_id, member.id, officer_client.officer.id, partner_entry_id=unlinked
        )
    report(client, offer_id)
    [stored] = reports(app)
    token = session_csrf_token(partner_client)
    assert (
        partner_client.post(
            f"/social-value/reports/{stored.id}/confirm", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert "There are no delivery reports" in html_of(partner_client, "/social-value/partner-reports")
    with app.app_context():
        run_until_idle()
    assert not [m for m in smtp_server.to("vera@vale-royal.example") if "delivery" in m["Subject"]]


# --- evidence downloads -------------------------------------------------------------------------------


def test_evidence_downloads_for_the_organisation_the_partner_and_officers_only(
    app, client, committed, evidence_folder, partner_client, officer_client, rival_client, admin_client
):
    report(client, committed, PDF, "letter.pdf")
    [stored] = reports(app)
    url = f"/social-value/reports/{stored.id}/evidence"
    for allowed in (client, partner_client, officer_client, admin_client):
        with allowed.get(url) as response:
            assert response.status_code == 200
            assert response.data == PDF
            assert response.headers["Content-Disposition"].startswith("attachment")
            assert "letter.pdf" in response.headers["Content-Disposition"]
            assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
            assert response.headers["Content-Type"] == "application/pdf"
    assert rival_client.get(url).status_code == 404
    assert rival_client.get("/social-value/reports/999999/evidence").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(url).headers["Location"].startswith("/login")


# --- officers verify ---------------------------------------------------------------------------------


def test_officers_verify_reports_until_the_commitment_is_delivered(app, client, committed, officer_client):
    report(client, committed, quantity="15")
    report(client, committed, quantity="25", description="The rest, at the summer scheme.")
    first, second = reports(app)
    page = text_of(html_of(officer_client, "/officer/social-value/reports"))
    assert "Winsford Widgets: 15 hours on" in page and "The rest, at the summer scheme." in page
    response = verify(officer_client, first.id)
    assert response.headers["Location"] == "/officer/social-value/reports"
    commitment = commitment_of(app, committed)
    assert commitment.delivered_quantity == 15 and commitment.delivered_at is None
    assert "Delivered (verified) 15 hours" in text_of(html_of(client, f"/social-value/offers/{committed}"))
    # Verifying twice counts once.
    token = session_csrf_token(officer_client)
    response = officer_client.post(
        f"/officer/social-value/reports/{first.id}/verify", data={"csrf_token": token}
    )
    assert "This report is verified already." in text_of(
        officer_client.get(response.headers["Location"]).get_data(as_text=True)
    )
    assert commitment_of(app, committed).delivered_quantity == 15
    verify(officer_client, second.id)
    commitment = commitment_of(app, committed)
    assert commitment.delivered_quantity == 40 and commitment.delivered_at is not None
    page = text_of(html_of(client, f"/social-value/offers/{committed}"))
    assert "Delivered Committed" in page and "Delivered (verified) 40 hours" in page
    assert "Report delivery" not in page
    assert "No delivery reports are waiting." in html_of(officer_client, "/officer/social-value/reports")
    assert [a.action for a in audits(app, "delivery.verified")] == ["delivery.verified"] * 2
    assert [a.actor_id for a in audits(app, "delivery.verified")] == [officer_client.officer.id] * 2


def test_verifying_from_the_offer_page_returns_there(app, client, committed, officer_client):
    report(client, committed)
    [stored] = reports(app)
    response = post_form(
        officer_client,
        f"/officer/social-value/reports/{stored.id}/verify",
        {},
        page=f"/officer/offers/{committed}",
        headers={"Referer": f"http://portal.test/officer/offers/{committed}"},
    )
    assert response.headers["Location"] == f"http://portal.test/officer/offers/{committed}"
    # A referrer elsewhere is not followed.
    report(client, committed, quantity="1")
    second = reports(app)[-1]
    response = post_form(
        officer_client,
        f"/officer/social-value/reports/{second.id}/verify",
        {},
        page="/officer/social-value/reports",
        headers={"Referer": "https://evil.example/officer/"},
    )
    assert response.headers["Location"] == "/officer/social-value/reports"


def test_suppliers_cannot_verify(app, client, committed, partner_client):
    report(client, committed)
    [stored] = reports(app)
    for supplier in (client, partner_client):
        token = session_csrf_token(supplier)
        response = supplier.post(
            f"/officer/social-value/reports/{stored.id}/verify", data={"csrf_token": token}
        )
        assert response.status_code == 403
    assert reports(app)[0].verified_at is None


# --- the commitment's state and the daily reminder ------------------------------------------------------


def test_a_commitment_is_on_track_then_overdue_then_delivered(app, member, officer_client):
    with app.app_context():
        offer_id = accepted_offer(
            member.organisation_id,
            member.id,
            officer_client.officer.id,
            due_on=london_today() + timedelta(days=1),
        )
        commitment = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == offer_id))
        assert services.commitment_state(commitment) == "on_track"
        assert services.commitment_state(commitment, london_today() + timedelta(days=1)) == "on_track"
        assert services.commitment_state(commitment, london_today() + timedelta(days=2)) == "overdue"
        commitment.delivered_at = utcnow()
        assert services.commitment_state(commitment, london_today() + timedelta(days=2)) == "delivered"


def overdue_commitment(
    app, member, officer_id: int, quantity: str = "40", measure: str = "volunteering_hours", **columns
) -> int:
    """An accepted offer whose date has passed (moved back after acceptance, as time would)."""
    with app.app_context():
        offer_id = accepted_offer(
            member.organisation_id, member.id, officer_id, quantity=quantity, measure=measure, **columns
        )
        commitment = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == offer_id))
        commitment.due_on = london_today() - timedelta(days=3)
        db.session.commit()
        return offer_id


def test_an_overdue_commitment_shows_as_overdue(app, client, member, officer_client):
    offer_id = overdue_commitment(app, member, officer_client.officer.id)
    assert "Overdue" in text_of(html_of(client, f"/social-value/offers/{offer_id}"))
    assert "Overdue" in text_of(html_of(officer_client, f"/officer/offers/{offer_id}"))


def test_the_daily_job_reminds_once_when_the_date_passes_undelivered(
    app, client, member, officer_client, smtp_server
):
    assert "social_value.remind_overdue_commitments" in DAILY_TASKS
    overdue = overdue_commitment(app, member, officer_client.officer.id)
    with app.app_context():
        due_later = accepted_offer(member.organisation_id, member.id, officer_client.officer.id)
    delivered = overdue_commitment(app, member, officer_client.officer.id)
    with app.app_context():
        commitment = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == delivered))
        commitment.delivered_at = utcnow()
        db.session.commit()
        now = utcnow()
        assert run_daily(now)["social_value.remind_overdue_commitments"] == "done"
        assert run_daily(now)["social_value.remind_overdue_commitments"] == "already ran today"
        # Tomorrow's run finds it reminded already.
        assert services.remind_overdue_commitments(now + timedelta(days=1)) == 0
        db.session.commit()
        run_until_idle()
    [reminder] = [m for m in smtp_server.to("member@example.com") if "commitment" in m["Subject"]]
    assert reminder["Subject"] == "Your social value commitment's date has passed"
    body = reminder.get_body(("plain",)).get_content()
    due = (london_today() - timedelta(days=3)).strftime("%-d %B %Y")
    assert (
        f"(Staff time volunteered with community organisations and projects in Cheshire, 40 hours) was {due}"
        in body
    )
    assert f"http://portal.test/social-value/offers/{overdue}" in body
    assert f"/social-value/offers/{due_later}" not in body
    assert (
        len([m for m in smtp_server.messages if "commitment" in m["Subject"]]) == 1
    )  # not the delivered one
    with app.app_context():
        reminded = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == overdue))
        assert reminded.overdue_reminded_at is not None


def test_the_reminder_writes_large_and_fractional_quantities_in_full(
    app, member, officer_client, smtp_server
):
    overdue_commitment(
        app,
        member,
        officer_client.officer.id,
        quantity="1500000",
        measure="local_supplier_spend",
        theme="economic",
        outcomes=(1,),
        indicator=3,
    )
    with app.app_context():
        services.remind_overdue_commitments(utcnow())
        db.session.commit()
        run_until_idle()
    [reminder] = [m for m in smtp_server.to("member@example.com") if "commitment" in m["Subject"]]
    for part in ("plain", "html"):
        body = reminder.get_body((part,)).get_content()
        assert "1500000 GBP" in body and "e+" not in body


# --- needs name the outcome they serve ----------------------------------------------------------------


def test_a_need_names_the_outcome_it_serves_chosen_from_those_in_use(app, transaction):
    with app.app_context():
        charity = vcse_organisation(charity_number="1123456")
        poster = make_supplier("vera@winsford-youth.example", name="Vera Volunteer", organisation=charity)
        chosen = outcome_id("social", 4)
        retired = db.session.get(Outcome, outcome_id("social", 6))
        retired.retired_at = utcnow()
        db.session.commit()
        retired_text = retired.text
    poster_client = app.test_client()
    sign_in(poster_client, poster.email)
    form = html_of(poster_client, "/voluntary-sector/needs/new")
    assert "Social: More young people in work." in form and f"Social: {retired_text}" not in form
    response = post_form(poster_client, "/voluntary-sector/needs/new", need_data(outcome_id=str(chosen)))
    assert response.status_code == 302, error_summary(response.get_data(as_text=True))
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.outcome_id == chosen
        need_id = need.id
    assert "More young people in work." in html_of(poster_client, f"/voluntary-sector/needs/{need_id}")
    response = post_form(poster_client, "/voluntary-sector/needs/new", need_data(outcome_id=str(retired.id)))
    assert response.status_code == 200
    assert count_of(app, Need) == 1


@pytest.mark.parametrize("kind", ["officer", "supplier", "system"])
@pytest.mark.parametrize("state", list(ReportState))
def test_verifying_is_an_officers_move_from_submitted_only(app, client, committed, kind, state):
    """The delivery reports' table, every state x kind of actor: verified, or refused with the
    page's message and nothing changed."""
    report(client, committed, quantity="15")
    [shown] = reports(app)
    with app.app_context():
        stored = db.session.get(DeliveryReport, shown.id)
        officer = make_staff("verifier@example.com")
        if state is ReportState.VERIFIED:
            transition(stored, "verify", actor=officer)
        actor = {"officer": officer, "supplier": db.session.get(User, stored.reported_by_id), "system": None}[
            kind
        ]
        if kind == "officer" and state is ReportState.SUBMITTED:
            transition(stored, "verify", actor=actor)
            assert (stored.state, stored.verified_by_id) == (ReportState.VERIFIED, officer.id)
            return
        message = (
            "This report is verified already"
            if kind == "officer"
            else "Only the procurement unit can do that"
        )
        before = (stored.state, stored.revision, stored.commitment.delivered_quantity)
        with pytest.raises(Refused, match=message):
            transition(stored, "verify", actor=actor)
        assert (stored.state, stored.revision, stored.commitment.delivered_quantity) == before


def test_a_verification_from_a_stale_page_is_refused(app, client, committed):
    report(client, committed, quantity="15")
    [shown] = reports(app)
    with app.app_context():
        stored = db.session.get(DeliveryReport, shown.id)
        with pytest.raises(Refused, match="This delivery has changed since you opened the page"):
            transition(
                stored, "verify", actor=make_staff("verifier@example.com"), revision=stored.revision + 1
            )
        assert stored.state is ReportState.SUBMITTED and stored.verified_at is None
