"""The supplier's questionnaire and result pages: access, answering, the rating and its reasons,
the profile facts shown (not asked), the inbox email, bad and hostile input, query counts."""

from __future__ import annotations

import html as html_module
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.due_diligence.models import DueDiligenceAnswers
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.outbox.models import OutboxMessage
from tests.conftest import count_queries, csrf_token_from, post_form
from tests.due_diligence.conftest import HIGH, LOW, MEDIUM, RESULT, URL, add_sedex, answer, count, saved
from tests.factories import make_organisation, make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES
from tests.organisations.conftest import ABOUT, SIZE, complete_profile


def page(client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def emails(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == "due_diligence/rated_high")
        ).all()
        for message in found:
            db.session.expunge(message)
        return found


# --- access --------------------------------------------------------------------------------------


def test_a_member_cannot_answer_before_the_profile_is_registered(app, client, member):
    html = page(client)
    assert "Finish your organisation's profile" in html
    assert 'href="/organisation/profile"' in html
    assert 'name="sector"' not in html
    response = post_form(client, URL, LOW, page="/account")
    assert response.headers["Location"] == URL
    assert saved(app, member.organisation_id) is None
    assert "Finish your organisation&#39;s profile before you answer" in page(client)  # flashed


def test_the_result_page_sends_an_organisation_without_answers_to_the_questions(client, registered):
    assert client.get(RESULT).headers["Location"] == URL


@pytest.mark.parametrize("url", [URL, RESULT])
def test_staff_cannot_use_the_supplier_pages(app, client, url):
    with app.app_context():
        officer = make_staff()
    sign_in(client, officer.email)
    assert client.get(url).status_code == 403
    if url == URL:
        assert post_form(client, url, LOW, page="/account").status_code == 403


@pytest.mark.parametrize("url", [URL, RESULT])
def test_visitors_are_sent_to_sign_in(client, url):
    assert client.get(url).headers["Location"].startswith("/login")


def test_one_organisation_never_sees_or_changes_anothers_answers(app, client, registered):
    answer(client, HIGH)
    other_client = app.test_client()
    with app.app_context():
        other = make_supplier("other@example.com", organisation=make_organisation("Other Ltd"))
    sign_in(other_client, other.email)
    complete_profile(
        other_client, about={**ABOUT, "legal_name": "Other Ltd", "companies_house_number": "07654321"}
    )
    post_form(other_client, "/organisation/profile/check", {})

    assert other_client.get(RESULT).headers["Location"] == URL  # B has none; A's are not shown
    form = page(other_client)
    assert 'value="Bangladesh"' not in form and '" checked' not in form
    answer(other_client, LOW)
    assert saved(app, other.organisation_id).rating.value == "low"
    assert saved(app, registered.organisation_id).rating.value == "high"  # untouched
    assert "Winsford Widgets" not in page(other_client, RESULT)
    assert count(app, DueDiligenceAnswers) == 2


# --- answering -----------------------------------------------------------------------------------


def test_the_questions_show_what_the_profile_holds_with_links_to_change_it(client, registered):
    html = page(client)
    assert "What your profile already tells us" in html
    assert "Not required at the organisation's turnover" in html  # turnover £3.1m
    assert "/organisation/profile/modern-slavery" not in html  # that step does not apply
    assert 'href="/organisation/profile/accreditations"' in html
    assert "SEDEX accreditation" in html
    assert "How the rating is worked out" in html and "5 points or more" in html
    for name in ("sector", "sourcing", "countries", "agency_labour", "agency_checks", "social_audits"):
        assert f'name="{name}"' in html, name
    # Not asked again: the statement's address and the accreditations are not questions here.
    assert 'name="modern_slavery_statement_url"' not in html and 'name="kind"' not in html


def test_a_large_organisation_sees_its_statement_with_a_change_link(app, client, member):
    complete_profile(client, size={**SIZE, "turnover": "36,000,000"})
    post_form(client, "/organisation/profile/check", {})
    html = page(client)
    assert "https://example.com/modern-slavery" in html
    assert 'href="/organisation/profile/modern-slavery"' in html


def test_answers_are_saved_rated_audited_and_shown_with_their_reasons(app, client, registered):
    response = answer(client, HIGH)
    assert response.status_code == 302
    assert response.headers["Location"] == RESULT
    row = saved(app, registered.organisation_id)
    assert (row.rating.value, row.rating_rank, row.score) == ("high", 3, 5)
    assert row.raised_by == ["higher-risk-sector", "higher-risk-sourcing", "no-independent-evidence"]
    assert row.sourcing == ["uk", "asia"] and row.countries == "Bangladesh"
    assert row.answered_by_id == registered.id and row.rules_version == 1
    assert (row.profile_sedex, row.profile_statement_url) == (False, None)
    with app.app_context():
        record = db.session.scalar(
            sa.select(AuditRecord).where(AuditRecord.action == "due_diligence.answered")
        )
        assert record.record_id == str(registered.organisation_id)
        assert record.details["rating"] == "high" and record.details["before"] is None
        assert record.actor_id == registered.id

    html = page(client, RESULT)
    assert '<strong class="govuk-tag govuk-tag--red">High</strong>' in html
    assert "5 points, from the answers Sam Supplier gave on" in html
    for text in (
        "Works in a sector with a higher risk of modern slavery",
        "Goods made or sourced where the risk is higher",
        "No social audit, SEDEX membership or published statement",
        "1 point fewer would make the rating medium",
        "Map where your goods are made",
        "Commission a social audit",
    ):
        assert html_module.escape(text, quote=True) in html, text
    assert "No confidential grievance route" not in html.split("How the rating is worked out")[0]
    assert 'href="/organisation/due-diligence#sector"' in html  # change links to each question


def test_a_low_rating_says_nothing_raised_it(app, client, registered):
    answer(client, LOW)
    html = page(client, RESULT)
    assert "govuk-tag--green" in html
    assert "No answer raised it: 0 points." in html
    assert "the rating is as low as it goes" in html


def test_the_saved_answers_fill_the_form_when_it_is_opened_again(client, registered):
    answer(client, {**MEDIUM, "social_audits": ["other"], "other_audit": "Fair Wear audit"})
    html = page(client)
    assert 'value="cleaning_facilities" checked' in html
    assert 'value="pay_direct" checked' in html
    assert 'value="Fair Wear audit"' in html


def test_answering_again_replaces_the_answers(app, client, registered):
    answer(client, HIGH)
    answer(client, LOW)
    row = saved(app, registered.organisation_id)
    assert row.rating.value == "low" and row.countries is None
    assert count(app, DueDiligenceAnswers) == 1


def test_checks_on_agencies_are_dropped_when_there_is_no_agency_labour(app, client, registered):
    answer(client, {**LOW, "agency_checks": ["glaa"]})
    assert saved(app, registered.organisation_id).agency_checks == []


def test_the_other_audits_name_is_dropped_unless_other_is_chosen(app, client, registered):
    answer(client, {**LOW, "social_audits": ["smeta"], "other_audit": "Stray"})
    assert saved(app, registered.organisation_id).other_audit is None


# --- profile facts ---------------------------------------------------------------------------------


def test_a_current_sedex_accreditation_counts_and_an_expired_one_does_not(app, client, registered):
    add_sedex(app, registered.organisation_id, date.today() - timedelta(days=2))
    answer(client, HIGH)
    assert saved(app, registered.organisation_id).score == 5
    assert "Expired on" in page(client)
    add_sedex(app, registered.organisation_id, date.today() + timedelta(days=300))
    answer(client, HIGH)
    row = saved(app, registered.organisation_id)
    assert row.profile_sedex is True
    assert (row.score, row.rating.value) == (4, "medium")
    assert "Yes, certificate <bdi>ZC1234567</bdi>" in page(client)


def test_a_published_statement_counts(app, client, member):
    complete_profile(client, size={**SIZE, "turnover": "40,000,000"})
    post_form(client, "/organisation/profile/check", {})
    answer(client, HIGH)
    row = saved(app, member.organisation_id)
    assert row.profile_statement_url == "https://example.com/modern-slavery"
    assert "no-independent-evidence" not in row.raised_by


def test_the_result_warns_when_the_profile_has_changed_since(app, client, registered):
    answer(client, HIGH)
    assert "has changed since this rating" not in page(client, RESULT)
    add_sedex(app, registered.organisation_id, date.today() + timedelta(days=300))
    assert "has changed since this rating" in page(client, RESULT)


def test_answers_rated_under_earlier_rules_say_so(app, client, registered):
    answer(client, HIGH)
    with app.app_context():
        db.session.execute(sa.update(DueDiligenceAnswers).values(rules_version=0))
        db.session.commit()
    html = page(client, RESULT)
    assert "rated under version 0 of the rules" in html
    assert "govuk-tag--red" in html


# --- the procurement inbox ------------------------------------------------------------------------


def test_a_high_rating_emails_the_inbox_once_until_it_falls_and_rises_again(app, client, registered):
    answer(client, MEDIUM)
    assert emails(app) == []
    answer(client, HIGH)
    [message] = emails(app)
    assert message.recipients == ["procurement@example.org"]
    assert message.subject == "Modern slavery risk rated high: Winsford Widgets Ltd"
    assert f"/officer/due-diligence/{registered.organisation_id}" in message.body_text
    assert "Works in a sector with a higher risk" in message.body_text
    assert "Works in a sector with a higher risk" in message.body_html
    answer(client, HIGH)  # still high: no news
    assert len(emails(app)) == 1
    answer(client, LOW)
    answer(client, HIGH)
    assert len(emails(app)) == 2


def test_no_inbox_configured_means_no_email_but_the_answers_are_saved(app, client, registered):
    app.config["PROCUREMENT_INBOX"] = ""
    try:
        answer(client, HIGH)
    finally:
        app.config["PROCUREMENT_INBOX"] = "procurement@example.org"
    assert emails(app) == []
    assert saved(app, registered.organisation_id).rating.value == "high"


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**HIGH, "sector": ""}, "sector", "Select the sector your organisation mainly works in"),
        ({**HIGH, "sector": "piracy"}, "sector", "Not a valid choice"),
        ({**HIGH, "sourcing": []}, "sourcing", "Select where your goods are made or sourced"),
        (
            {**HIGH, "sourcing": ["uk", "services_only"]},
            "sourcing",
            "or that you supply services only, not both",
        ),
        ({**HIGH, "sourcing": ["mars"]}, "sourcing", "not a valid choice"),
        ({**HIGH, "countries": "x" * 301}, "countries", "Countries must be 300 characters or fewer"),
        (
            {**HIGH, "agency_labour": ""},
            "agency_labour",
            "Select yes if your organisation uses agency workers",
        ),
        ({**HIGH, "agency_labour": "yes"}, "agency_checks", "Select the checks you make on every agency"),
        (
            {**HIGH, "agency_labour": "yes", "agency_checks": ["glaa", "none"]},
            "agency_checks",
            "Select the checks you make, or none of these, not both",
        ),
        ({**HIGH, "social_audits": []}, "social_audits", "Select the social audits held, or none"),
        ({**HIGH, "social_audits": ["smeta", "none"]}, "social_audits", "or none, not both"),
        ({**HIGH, "social_audits": ["other"]}, "other_audit", "Enter the name of the other social audit"),
        ({**HIGH, "grievance_route": "maybe"}, "grievance_route", "Not a valid choice"),
        ({**HIGH, "grievance_route": ""}, "grievance_route", "Select yes if workers can raise concerns"),
        ({**HIGH, "training": ""}, "training", "Select whether your staff have been trained"),
    ],
)
def test_each_bad_answer_is_explained_at_the_field_with_the_rest_kept_and_nothing_stored(
    app, client, registered, data, field, message
):
    response = answer(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Modern slavery due diligence" in html
    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert f'href="#{field}"' in summary
    assert message in html_module.unescape(summary)
    assert f'id="{field}-error"' in html  # and beside the field
    assert message in html_module.unescape(html.split(f'id="{field}-error"')[1][:400])
    # The rest of the answers are kept.
    if field != "countries":
        assert 'value="Bangladesh"' in html
    if field != "sector":
        assert 'value="textiles_uniforms" checked' in html
    if field != "sourcing":
        assert 'value="asia" checked' in html
    assert saved(app, registered.organisation_id) is None
    assert audit_actions(app) == []


def audit_actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditRecord.action).where(AuditRecord.action.like("due_diligence.%"))
        ).all()


def test_a_refused_answer_after_a_saved_one_leaves_the_saved_one(app, client, registered):
    answer(client, LOW)
    answer(client, {**HIGH, "training": ""})
    assert saved(app, registered.organisation_id).rating.value == "low"


def test_a_form_without_its_csrf_token_is_refused(app, client, registered):
    assert client.post(URL, data=HIGH).status_code == 400
    assert saved(app, registered.organisation_id) is None


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_answers_never_cause_a_server_error_or_a_bad_record(app, client, registered, kind):
    value = HOSTILE_VALUES[kind]
    for field in ("sector", "sourcing", "agency_labour", "social_audits", "training"):
        response = answer(client, {**HIGH, field: value})
        assert response.status_code == 200, field  # not one of the choices: refused with a message
        assert "govuk-error-summary" in response.get_data(as_text=True), field
    response = answer(client, {**HIGH, "countries": value})  # free text: stored if it is plain text
    assert response.status_code in {200, 302}
    response = answer(client, {**HIGH, "agency_labour": "yes", "agency_checks": [value]})
    assert response.status_code == 200
    response = answer(client, {**HIGH, "social_audits": ["other"], "other_audit": value})
    assert response.status_code in {200, 302}
    row = saved(app, registered.organisation_id)
    for text in (row.other_audit, row.countries) if row else ():
        assert text is None or (len(text) <= 300 and not set(text) & {"\x00", "\x07", "\r", "\n"})
    assert "<script>alert(1)</script>" not in page(client)
    if row is not None:
        assert "<script>alert(1)</script>" not in page(client, RESULT)


def test_hostile_text_that_is_plain_text_is_stored_and_shown_escaped(app, client, registered):
    answer(client, {**HIGH, "countries": "<script>alert(1)</script>"})
    assert saved(app, registered.organisation_id).countries == "<script>alert(1)</script>"
    html = page(client, RESULT)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- queries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, RESULT])
def test_the_pages_run_the_same_queries_however_much_data_there_is(app, client, registered, url):
    answer(client, HIGH)
    counts = []
    for extra in (0, 20):
        with app.app_context():
            for n in range(extra):
                add_sedex(app, registered.organisation_id, date(2020, 1, 1) + timedelta(days=n))
                make_supplier(organisation=make_organisation(f"Padding {n}"))
        with count_queries(app) as statements:
            page(client, url)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 5, counts


def test_saving_runs_a_bounded_number_of_queries(app, client, registered):
    token = csrf_token_from(page(client))
    with count_queries(app) as statements:
        response = client.post(URL, data={"csrf_token": token, **HIGH})
    assert response.status_code == 302
    assert len(statements) <= 10, statements  # user, organisation, answers, facts, insert, audit, email


def test_the_organisation_row_is_only_read(app, client, registered):
    before = organisation_snapshot(app, registered.organisation_id)
    answer(client, HIGH)
    assert organisation_snapshot(app, registered.organisation_id) == before


def organisation_snapshot(app, organisation_id: int) -> tuple:
    with app.app_context():
        org = db.session.get(Organisation, organisation_id)
        return (org.name, org.registered_at, org.turnover, org.modern_slavery_statement_url)


def test_two_colleagues_answering_first_at_once_leave_one_row_with_the_later_answers(
    app, client, registered, monkeypatch
):
    from portal.due_diligence import services

    answer(client, LOW)  # a colleague's, saved a moment ago
    token = csrf_token_from(page(client))
    real = services.answers_of
    calls = []

    def not_yet_seen(organisation):  # the view's and the service's reads came before that commit
        calls.append(organisation.id)
        return None if len(calls) <= 2 else real(organisation)

    monkeypatch.setattr(services, "answers_of", not_yet_seen)
    assert client.post(URL, data={"csrf_token": token, **HIGH}).headers["Location"] == RESULT
    assert len(calls) == 3  # the insert was refused, and the row read again
    row = saved(app, registered.organisation_id)
    assert row.rating.value == "high"
    assert count(app, DueDiligenceAnswers) == 1
    assert len(emails(app)) == 1  # it became high
