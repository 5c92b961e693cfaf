"""The needs board: VCSE members post needs, officers approve or decline them, suppliers answer;
who may see, change and approve what; the emails; bad and hostile input; query counts."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.organisations.rules import LegalForm
from portal.voluntary.models import Need, NeedKind, NeedResponse, NeedState
from portal.workflow import transition
from tests.conftest import REVISION_INPUT, count_queries, csrf_token_from, post_form, session_csrf_token
from tests.factories import make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES
from tests.voluntary.conftest import (
    CHESHIRE_EAST,
    CHESHIRE_WEST,
    CWVA,
    ESCAPED_SCRIPT,
    HALTON,
    PROCUREMENT_INBOX,
    SCRIPT,
    WARRINGTON,
    add_need,
    audits,
    client_for,
    date_parts,
    emails,
    entry_id,
    error_summary,
    field_error,
    get_need,
    html_of,
    in_days,
    need_data,
    need_url,
    needs_count,
    respond,
    responses_count,
    vcse_organisation,
)

BOARD = "/voluntary-sector/needs"
NEW = "/voluntary-sector/needs/new"
MINE = "/voluntary-sector/needs/mine"
QUEUE = "/officer/needs"


def officer_url(need_id: int) -> str:
    return f"/officer/needs/{need_id}"


def titles_on_board(html: str) -> set[str]:
    return set(
        re.findall(
            r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="/voluntary-sector/needs/\d+">([^<]+)</a>',
            html,
        )
    )


def post_need(client, **changes):
    return post_form(client, NEW, need_data(**changes))


def test_an_outcome_given_as_blank_text_is_no_outcome(app, client, poster):
    assert post_need(client, outcome_id=" ").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Need.outcome_id)) is None


def posted_need_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Need.id).order_by(Need.id.desc()).limit(1))


def decide(client, need_id: int, decision: str, reason: str = ""):
    return post_form(client, officer_url(need_id), {"decision": decision, "reason": reason})


@pytest.fixture
def pending(app, client, poster):
    """Vera (signed in with `client`) has posted a need; it waits for approval."""
    assert post_need(client).status_code == 302
    return posted_need_id(app)


@pytest.fixture
def published(app, pending, officer_client):
    assert decide(officer_client, pending, "approve").status_code == 302
    return pending


# --- posting ---------------------------------------------------------------------------------


def test_a_vcse_member_posts_a_need_and_the_procurement_inbox_is_told(app, client, poster):
    form = html_of(client, NEW)
    assert '<span class="govuk-caption-l">Winsford Youth Trust</span>' in form
    assert 'value="Vera Volunteer"' in form and 'value="vera@winsford-youth.example"' in form  # prefilled
    for kind in NeedKind:
        assert f'value="{kind.value}"' in form
    response = post_need(client)
    assert response.headers["Location"] == MINE
    mine = html_of(client, MINE)
    assert "Your need has been sent to the procurement unit to approve." in mine
    assert "Mentors for a youth project in Winsford" in mine and "Waiting for approval" in mine
    need = get_need(app, posted_need_id(app))
    assert need.state == NeedState.PENDING
    assert need.organisation_id == poster.organisation_id and need.entry_id is None
    assert need.posted_by_id == poster.id
    assert (need.kind, need.authority) == (NeedKind.MENTORING, CHESHIRE_WEST)
    assert (need.starts_on, need.ends_on) == (in_days(7), in_days(60))
    assert need.contact_phone == "01606 123 456"
    [record] = audits(app, "needs", need.id)
    assert (
        record.action == "need.submitted" and record.actor_id == poster.id and record.actor_kind == "supplier"
    )
    [email] = emails(app)
    assert email.template == "voluntary/need_awaiting_approval"
    assert email.recipients == [PROCUREMENT_INBOX]
    assert email.subject == "A need awaits approval: Mentors for a youth project in Winsford"
    assert (email.cause_type, email.cause_id) == ("needs", str(need.id))
    assert "From: Winsford Youth Trust" in email.body_text
    assert f"Approve or decline it: http://portal.test/officer/needs/{need.id}" in email.body_text
    # The poster sees their own pending need; nobody else does.
    assert "Waiting for approval" in html_of(client, need_url(need.id))


def test_a_need_without_a_phone_number_is_fine(app, client, poster):
    assert post_need(client, contact_phone="").status_code == 302
    assert get_need(app, posted_need_id(app)).contact_phone is None


def test_a_member_of_an_organisation_acting_for_a_directory_body_posts_in_its_name(app, client):
    with app.app_context():
        company = vcse_organisation("Acting Ltd", legal_form=LegalForm.PRIVATE_LIMITED, vcse_declared=False)
        cwva = entry_id(CWVA)
        from portal.voluntary.models import DirectoryEntry

        db.session.get(DirectoryEntry, cwva).organisation_id = company.id
        db.session.commit()
        member = make_supplier(organisation=company)
    sign_in(client, member.email)
    assert post_need(client).status_code == 302
    need = get_need(app, posted_need_id(app))
    assert (need.organisation_id, need.entry_id) == (member.organisation_id, cwva)
    assert f"From: {CWVA}" in emails(app)[0].body_text


@pytest.mark.parametrize(
    ("who", "expected"),
    [("company", "Only voluntary bodies can ask for help"), ("unregistered", "finish its profile")],
)
def test_a_supplier_who_is_not_a_registered_vcse_cannot_post(app, client, who, expected):
    with app.app_context():
        if who == "company":
            organisation = vcse_organisation(
                "A Company", legal_form=LegalForm.PRIVATE_LIMITED, vcse_declared=False
            )
        else:
            organisation = vcse_organisation("Unfinished Charity", registered=False)
        user = make_supplier(organisation=organisation)
    sign_in(client, user.email)
    response = client.get(NEW)
    assert response.status_code == 403
    assert expected in response.get_data(as_text=True)
    token = session_csrf_token(client)
    assert client.post(NEW, data={"csrf_token": token, **need_data()}).status_code == 403
    assert client.get(MINE).status_code == 403
    assert "Ask for help" not in html_of(client, BOARD)
    assert needs_count(app) == 0 and emails(app) == []


def test_a_visitor_is_sent_to_sign_in_to_post(client):
    for url in (NEW, MINE):
        assert client.get(url).headers["Location"].startswith("/login")
    assert "Ask for help" not in html_of(client, BOARD)


def test_an_officer_is_sent_to_the_officers_form(officer_client):
    assert officer_client.get(NEW).headers["Location"] == "/officer/needs/new"
    assert officer_client.get(MINE).status_code == 403


def test_an_unverified_member_is_sent_to_their_account(app, client):
    with app.app_context():
        user = make_supplier(organisation=vcse_organisation(), verified=False)
    post_form(client, "/login", {"email": user.email, "password": "correct horse battery staple"})
    assert client.get(NEW).headers["Location"] == "/account"


BAD_NEEDS = [
    ({"title": ""}, "title", "Enter a short title for the need"),
    ({"title": "a" * 121}, "title", "Title must be 120 characters or fewer"),
    ({"title": "Line\r\nbreak"}, "title", "Title must not contain special characters such as line breaks"),
    (
        {"description": "  "},
        "description",
        "Say what help you need, who it helps and what difference it makes",
    ),
    ({"description": "a" * 4001}, "description", "What help you need must be 4,000 characters or fewer"),
    ({"kind": None}, "kind", "Select the kind of help you need"),
    ({"kind": "money"}, "kind", "Not a valid choice"),
    ({"authority": ""}, "authority", "Select the area the help is for"),
    ({"authority": "E99999999"}, "authority", "Not a valid choice"),
    ({"starts_on": ["", "", ""]}, "starts_on", "Enter the date the help is needed from"),
    ({"starts_on": ["31", "2", "2027"]}, "starts_on", "From must be a real date"),
    ({"starts_on": ["1", "", "2027"]}, "starts_on", "From must include a month"),
    ({"ends_on": ["", "", ""]}, "ends_on", "Enter the date the need ends"),
    ({"ends_on": ["1", "1", "27"]}, "ends_on", "Until must be a real date, with a 4-digit year"),
    (
        {"ends_on": date_parts(in_days(6))},
        "ends_on",
        "The end date must be the same as or after the start date",
    ),
    (
        {"starts_on": date_parts(in_days(-30)), "ends_on": date_parts(in_days(-1))},
        "ends_on",
        "The end date must be today or in the future",
    ),
    ({"contact_name": ""}, "contact_name", "Enter the name of the person to contact"),
    ({"contact_email": ""}, "contact_email", "Enter the email address to contact"),
    (
        {"contact_email": "vera at winsford"},
        "contact_email",
        "Enter an email address in the correct format, like name@example.com",
    ),
    (
        {"contact_phone": "999"},
        "contact_phone",
        "Enter contact phone number as a UK number, like 01244 401272",
    ),
    ({"contact_phone": "+49 30 1234567"}, "contact_phone", "Enter contact phone number as a UK number"),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"), BAD_NEEDS, ids=[f"{f}:{m[:24]}" for _c, f, m in BAD_NEEDS]
)
def test_bad_input_is_refused_clearly_with_the_rest_kept_and_nothing_stored(
    app, client, poster, changes, field, message
):
    response = post_need(client, **changes)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    summary = error_summary(html)
    assert message in summary, summary
    assert f'href="#{field}' in summary
    assert message in field_error(html, field), html[html.find(f'id="{field}-error"') - 200 :][:600]
    assert "<title>Error: Ask for help" in html
    kept = need_data()
    for name in ("title", "contact_name", "contact_email"):
        if name != field and name not in changes:
            assert f'value="{kept[name]}"' in html, name
    if field != "description":
        assert kept["description"] in html
    assert needs_count(app) == 0
    assert emails(app) == [] and audits(app, "needs") == []


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
@pytest.mark.parametrize(
    "field", ["title", "description", "contact_name", "contact_email", "contact_phone", "kind"]
)
def test_hostile_input_never_causes_an_error(app, client, poster, field, name):
    response = post_need(client, **{field: HOSTILE_VALUES[name]})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert needs_count(app) == 0 and emails(app) == []
    else:
        assert field in ("title", "description", "contact_name")
        assert getattr(get_need(app, posted_need_id(app)), field) == HOSTILE_VALUES[name].strip()


@pytest.mark.parametrize(
    "value",
    [
        ["x", "y", "z"],
        ["1"],
        ["1", "1"],
        ["1", "1", "-2027"],
        ["\x00", "1", "2027"],
        ["0", "0", "0"],
        ["99999999999999999999", "1", "2027"],
    ],
)
def test_hostile_dates_never_cause_an_error(app, client, poster, value):
    response = post_need(client, starts_on=value)
    assert response.status_code == 200, value
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert needs_count(app) == 0


def test_markup_in_a_need_is_shown_as_text_everywhere(app, client, poster, officer_client, supplier_client):
    post_need(client, title=SCRIPT, description=SCRIPT, contact_name=SCRIPT)
    need_id = posted_need_id(app)
    decide(officer_client, need_id, "approve")
    respond(supplier_client, need_id, SCRIPT)
    for html in (
        html_of(client, need_url(need_id)),
        html_of(client, MINE),
        html_of(supplier_client, BOARD),
        html_of(supplier_client, need_url(need_id)),
        html_of(officer_client, officer_url(need_id)),
        html_of(officer_client, QUEUE, query_string={"state": "published"}),
    ):
        assert SCRIPT not in html
        assert ESCAPED_SCRIPT in html
    for email in emails(app):
        assert SCRIPT not in email.body_html
        assert "\n" not in email.subject and "\r" not in email.subject


# --- unapproved needs are invisible ----------------------------------------------------------


@pytest.mark.parametrize("state", [NeedState.PENDING, NeedState.DECLINED, NeedState.MET, NeedState.CLOSED])
def test_a_need_that_is_not_published_is_invisible_to_the_public(
    app, client, state, supplier_client, other_poster_client, other_poster
):
    with app.app_context():
        owner = make_supplier(organisation=vcse_organisation("Owner Charity", charity_number="3333333"))
        need_id = add_need(owner.id, organisation_id=owner.organisation_id, title="Hidden Need", state=state)
        shown = add_need(owner.id, organisation_id=owner.organisation_id, title="Shown Need")
    for viewer in (client, supplier_client, other_poster_client):
        board = html_of(viewer, BOARD)
        assert titles_on_board(board) == {"Shown Need"}
        assert "Hidden Need" not in html_of(viewer, BOARD, query_string={"q": "hidden"})
        assert viewer.get(need_url(need_id)).status_code == 404
        assert viewer.get(need_url(shown)).status_code == 200
    token = session_csrf_token(supplier_client)
    assert (
        supplier_client.post(
            f"{need_url(need_id)}/respond", data={"csrf_token": token, "message": "Hi"}
        ).status_code
        == 404
    )
    assert responses_count(app) == 0
    # Its poster still sees it.
    owner_client = client_for(app, owner.email)
    assert "Hidden Need" in html_of(owner_client, need_url(need_id))
    assert "Hidden Need" in html_of(owner_client, MINE)


def test_a_published_need_past_its_end_date_is_off_the_board_before_the_job_closes_it(app, client):
    with app.app_context():
        owner = make_supplier(organisation=vcse_organisation())
        add_need(
            owner.id,
            organisation_id=owner.organisation_id,
            title="Ended",
            starts_on=in_days(-9),
            ends_on=in_days(-1),
        )
        add_need(
            owner.id,
            organisation_id=owner.organisation_id,
            title="Ends Today",
            starts_on=in_days(-9),
            ends_on=in_days(0),
        )
    assert titles_on_board(html_of(client, BOARD)) == {"Ends Today"}


# --- approving and declining -----------------------------------------------------------------


def test_an_officer_approves_a_need_and_the_poster_is_emailed(app, client, pending, officer, officer_client):
    queue = html_of(officer_client, QUEUE)
    assert "Mentors for a youth project in Winsford" in queue and "Winsford Youth Trust" in queue
    page = html_of(officer_client, officer_url(pending))
    assert "Posted by <bdi>Vera Volunteer</bdi> (<bdi>vera@winsford-youth.example</bdi>)" in page
    assert 'href="tel:+441606123456"' in page
    assert 'name="decision"' in page
    response = decide(officer_client, pending, "approve")
    assert response.headers["Location"] == QUEUE
    assert "is published; Vera Volunteer has been emailed." in html_of(officer_client, QUEUE)
    need = get_need(app, pending)
    assert need.state == NeedState.PUBLISHED and need.decided_by_id == officer.id
    assert [record.action for record in audits(app, "needs", pending)] == ["need.submitted", "need.published"]
    email = emails(app, "voluntary/need_published")[0]
    assert email.recipients == ["Vera Volunteer <vera@winsford-youth.example>"]
    assert email.subject == "Your need has been approved: Mentors for a youth project in Winsford"
    assert f"See it: http://portal.test/voluntary-sector/needs/{pending}" in email.body_text
    # Now everyone sees it; the officer's form is gone.
    visitor = client.application.test_client()
    assert titles_on_board(html_of(visitor, BOARD)) == {"Mentors for a youth project in Winsford"}
    public = html_of(visitor, need_url(pending))
    assert '<a class="govuk-link" href="tel:+441606123456">01606 123 456</a>' in public
    assert 'href="mailto:vera@winsford-youth.example"' in public
    assert "Waiting for approval" not in public and "Change the need" not in public
    assert 'name="decision"' not in html_of(officer_client, officer_url(pending))
    # Deciding again changes nothing.
    decide(officer_client, pending, "decline", "Too late")
    assert get_need(app, pending).state == NeedState.PUBLISHED
    assert len(emails(app)) == 2


def test_a_decision_another_officer_got_to_first_is_refused_on_the_form_with_the_reason_kept(
    app, pending, officer_client
):
    page = officer_client.get(officer_url(pending)).get_data(as_text=True)
    token = csrf_token_from(page)
    with app.app_context():
        need = db.session.get(Need, pending)
        transition(need, "approve", actor=make_staff("first@example.com"))
        db.session.commit()
    refused = officer_client.post(
        officer_url(pending),
        data={"csrf_token": token, "decision": "decline", "reason": "Not for this board yet."},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "This need is published: it cannot be declined now" in error_summary(html)
    assert "Not for this board yet." in html  # what the officer typed is kept
    assert get_need(app, pending).state == NeedState.PUBLISHED
    assert [r.action for r in audits(app, "needs", pending)].count("need.declined") == 0


def test_a_decision_from_a_page_older_than_the_needs_last_change_is_refused_with_the_reason_kept(
    app, pending, officer_client
):
    page = officer_client.get(officer_url(pending)).get_data(as_text=True)
    token, revision = csrf_token_from(page), REVISION_INPUT.search(page).group(1)
    with app.app_context():
        need = db.session.get(Need, pending)
        need.title = "Changed by its poster meanwhile"
        db.session.commit()
    refused = officer_client.post(
        officer_url(pending),
        data={
            "csrf_token": token,
            "revision": revision,
            "decision": "approve",
            "reason": "Looks right to me.",
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "This need has changed since you opened the page: see where it is now" in error_summary(html)
    assert "Looks right to me." in html
    assert get_need(app, pending).state == NeedState.PENDING


def test_an_officer_declines_a_need_with_a_reason_the_poster_is_told(app, client, pending, officer_client):
    missing = decide(officer_client, pending, "decline")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 200
    assert "Say why the need is declined: the poster is told" in error_summary(html)
    assert "Say why the need is declined" in field_error(html, "reason")
    assert get_need(app, pending).state == NeedState.PENDING
    nothing = decide(officer_client, pending, "")
    assert "Select whether to approve or decline the need" in error_summary(nothing.get_data(as_text=True))
    decide(officer_client, pending, "decline", "Please say which project the mentors would join.")
    need = get_need(app, pending)
    assert need.state == NeedState.DECLINED
    assert need.decline_reason == "Please say which project the mentors would join."
    [record] = [r for r in audits(app, "needs", pending) if r.action == "need.declined"]
    assert record.details == {"reason": "Please say which project the mentors would join."}
    [email] = emails(app, "voluntary/need_declined")
    assert email.recipients == ["Vera Volunteer <vera@winsford-youth.example>"]
    assert email.subject == "Your need has been declined: Mentors for a youth project in Winsford"
    assert "The reason: Please say which project the mentors would join." in email.body_text
    # The poster reads the reason on the need's page; the public never sees the need.
    page = html_of(client, need_url(pending))
    assert "Declined" in page and "Please say which project the mentors would join." in page
    assert client.application.test_client().get(need_url(pending)).status_code == 404


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_decisions_never_cause_an_error(app, pending, officer_client, name):
    for data in ({"decision": HOSTILE_VALUES[name]}, {"decision": "decline", "reason": HOSTILE_VALUES[name]}):
        response = post_form(officer_client, officer_url(pending), data)
        assert response.status_code in (200, 302)
    assert get_need(app, pending).state in (NeedState.PENDING, NeedState.DECLINED)


def test_a_supplier_cannot_approve_needs(app, client, pending, supplier_client):
    for user_client in (supplier_client, client):  # an ordinary supplier, and the VCSE poster
        token = session_csrf_token(user_client)
        assert user_client.get(QUEUE).status_code == 403
        assert user_client.get(officer_url(pending)).status_code == 403
        response = user_client.post(officer_url(pending), data={"csrf_token": token, "decision": "approve"})
        assert response.status_code == 403
        assert user_client.get("/officer/needs/new").status_code == 403
    assert get_need(app, pending).state == NeedState.PENDING
    assert emails(app, "voluntary/need_published") == []
    visitor = client.application.test_client()
    assert visitor.get(QUEUE).headers["Location"].startswith("/login")


def test_the_queue_filters_by_state(app, pending, officer_client):
    row = f'href="/officer/needs/{pending}"><bdi>Mentors for a youth project'
    published = {"state": "published"}
    assert row in html_of(officer_client, QUEUE)
    assert row not in html_of(officer_client, QUEUE, query_string=published)
    decide(officer_client, pending, "approve")
    assert row not in html_of(officer_client, QUEUE)
    assert row in html_of(officer_client, QUEUE, query_string=published)
    bad = html_of(officer_client, QUEUE, query_string={"state": "lost"})
    assert "govuk-error-summary" in bad


# --- an officer posts for a directory body ---------------------------------------------------


def test_an_officer_posts_a_need_for_a_directory_body(app, officer, officer_client, client):
    with app.app_context():
        cwva = entry_id(CWVA)
    form = html_of(officer_client, "/officer/needs/new")
    assert f'<option value="{cwva}">{CWVA}</option>' in form
    response = post_form(officer_client, "/officer/needs/new", need_data(entry_id=str(cwva)))
    need_id = posted_need_id(app)
    assert response.headers["Location"] == officer_url(need_id)
    need = get_need(app, need_id)
    assert need.entry_id == cwva and need.organisation_id is None and need.posted_by_id == officer.id
    assert need.state == NeedState.PENDING
    assert f"The need is in the approval queue for {CWVA}." in html_of(officer_client, officer_url(need_id))
    [email] = emails(app, "voluntary/need_awaiting_approval")
    assert f"From: {CWVA}" in email.body_text
    decide(officer_client, need_id, "approve")
    assert f"From {CWVA}" in html_of(client, BOARD)


def test_an_officer_must_choose_a_current_body(app, officer_client):
    from portal.time import utcnow
    from portal.voluntary.models import DirectoryEntry

    with app.app_context():
        cwva = entry_id(CWVA)
        db.session.get(DirectoryEntry, cwva).retired_at = utcnow()
        db.session.commit()
    page = html_of(officer_client, "/officer/needs/new")
    bodies = page[page.index('name="entry_id"') : page.index("</select>", page.index('name="entry_id"'))]
    assert f'value="{cwva}"' not in bodies
    for chosen, message in [
        ("", "Select the directory body the need is for"),
        (str(cwva), "Not a valid choice"),
    ]:
        response = post_form(officer_client, "/officer/needs/new", need_data(entry_id=chosen))
        assert response.status_code == 200
        assert message in error_summary(response.get_data(as_text=True))
    assert needs_count(app) == 0


# --- the poster manages their need -----------------------------------------------------------


def test_the_poster_changes_a_published_need_and_it_is_approved_again(app, client, published, officer_client):
    form = html_of(client, f"{need_url(published)}/edit")
    assert 'value="Mentors for a youth project in Winsford"' in form
    assert re.search(r'value="mentoring"\s+checked', form)
    assert "after a change it is checked again, and hidden until then" in form
    response = post_form(
        client, f"{need_url(published)}/edit", need_data(title="Three mentors", kind="skills")
    )
    assert response.headers["Location"] == need_url(published)
    need = get_need(app, published)
    assert (need.title, need.kind, need.state) == ("Three mentors", NeedKind.SKILLS, NeedState.PENDING)
    assert need.decided_by_id is None
    changed = [r for r in audits(app, "needs", published) if r.action == "need.changed"]
    assert changed[0].details == {"was_published": True}
    assert (
        emails(app, "voluntary/need_awaiting_approval")[-1].subject
        == "A changed need awaits approval: Three mentors"
    )
    assert client.application.test_client().get(need_url(published)).status_code == 404
    assert "Three mentors" in html_of(officer_client, QUEUE)


def test_a_bad_change_stores_nothing(app, client, published):
    response = post_form(
        client, f"{need_url(published)}/edit", need_data(title="Kept", ends_on=date_parts(in_days(1)))
    )
    assert response.status_code == 200
    assert "The end date must be the same as or after the start date" in error_summary(
        response.get_data(as_text=True)
    )
    assert 'value="Kept"' in response.get_data(as_text=True)
    need = get_need(app, published)
    assert (need.title, need.state) == ("Mentors for a youth project in Winsford", NeedState.PUBLISHED)


def test_a_vcse_poster_cannot_change_or_close_anothers_need(
    app, client, pending, other_poster_client, supplier_client
):
    token = session_csrf_token(other_poster_client)
    edit = f"{need_url(pending)}/edit"
    # Pending: they cannot even tell it exists.
    assert other_poster_client.get(edit).status_code == 404
    assert (
        other_poster_client.post(edit, data={"csrf_token": token, **need_data(title="Mine now")}).status_code
        == 404
    )
    for move in ("met", "close"):
        assert (
            other_poster_client.post(f"{need_url(pending)}/{move}", data={"csrf_token": token}).status_code
            == 404
        )
    # Published: they see it, but may not change it.
    decide(client_for(app, make_officer(app)), pending, "approve")
    for user_client in (other_poster_client, supplier_client):
        token = session_csrf_token(user_client)
        page = html_of(user_client, need_url(pending))
        assert "Change the need" not in page and "Close it" not in page
        assert user_client.get(edit).status_code == 403
        assert (
            user_client.post(edit, data={"csrf_token": token, **need_data(title="Mine now")}).status_code
            == 403
        )
        for move in ("met", "close"):
            assert (
                user_client.post(f"{need_url(pending)}/{move}", data={"csrf_token": token}).status_code == 403
            )
    need = get_need(app, pending)
    assert (need.title, need.state) == ("Mentors for a youth project in Winsford", NeedState.PUBLISHED)


def make_officer(app) -> str:
    with app.app_context():
        return make_staff().email


@pytest.mark.parametrize(("move", "state"), [("met", NeedState.MET), ("close", NeedState.CLOSED)])
def test_the_poster_says_a_need_is_met_or_closes_it(app, client, published, move, state, poster):
    page = html_of(client, need_url(published))
    assert "It is met: close it" in page and "Close it" in page
    response = post_form(client, f"{need_url(published)}/{move}", {}, page=need_url(published))
    assert response.headers["Location"] == need_url(published)
    need = get_need(app, published)
    assert need.state == state and need.closed_at is not None
    record = audits(app, "needs", published)[-1]
    assert record.action == f"need.{state.value}" and record.actor_id == poster.id
    assert client.application.test_client().get(need_url(published)).status_code == 404
    page = html_of(client, need_url(published))
    assert "Change the need" not in page
    # A closed need cannot be changed or moved again.
    assert client.get(f"{need_url(published)}/edit").headers["Location"] == need_url(published)
    post_form(client, f"{need_url(published)}/met", {}, page=need_url(published))
    assert f"This need is {state.value}: it cannot be met now." in html_of(client, need_url(published))
    assert get_need(app, published).state == state
    assert len(audits(app, "needs", published)) == 3  # submitted, published, and this move only


def test_the_poster_can_close_a_pending_need(app, client, pending):
    page = html_of(client, need_url(pending))
    assert "It is met" not in page and "Close it" in page
    post_form(client, f"{need_url(pending)}/close", {}, page=need_url(pending))
    assert get_need(app, pending).state == NeedState.CLOSED


# --- suppliers respond -----------------------------------------------------------------------


def test_a_supplier_responds_and_the_poster_is_emailed(
    app, client, published, supplier, supplier_client, officer_client, other_poster_client
):
    page = html_of(supplier_client, need_url(published))
    assert "Offer help" in page and 'name="message"' in page
    assert "Vera Volunteer is emailed your offer and your contact details." in page
    response = respond(supplier_client, published)
    assert response.headers["Location"] == need_url(published)
    assert "Your offer has been sent to Vera Volunteer, who will contact you." in html_of(
        supplier_client, need_url(published)
    )
    with app.app_context():
        [stored] = db.session.scalars(sa.select(NeedResponse)).all()
        assert (stored.need_id, stored.organisation_id, stored.user_id) == (
            published,
            supplier.organisation_id,
            supplier.id,
        )
        assert stored.message == "We can offer 40 volunteer hours in March."
    answered = [r for r in audits(app, "needs", published) if r.action == "need.answered"]
    assert answered[0].actor_id == supplier.id
    [email] = emails(app, "voluntary/need_answered")
    assert email.recipients == ["Vera Volunteer <vera@winsford-youth.example>"]
    assert (
        email.subject == "Bollin Valley Joinery answered your need: Mentors for a youth project in Winsford"
    )
    assert "We can offer 40 volunteer hours in March." in email.body_text
    assert "Contact Sam Supplier at sam@bollin-valley.example." in email.body_text
    assert email.cause_type == "need_responses"
    assert re.search(
        r'<td class="govuk-table__cell govuk-table__cell--numeric">1</td>', html_of(client, MINE)
    )
    # The response is kept with the need: its poster and officers read it, other suppliers do not
    # (the supplier's own organisation reads its answers: test_need_answers).
    for reader in (client, officer_client):
        html = html_of(reader, need_url(published) if reader is client else officer_url(published))
        assert "Offers from suppliers" in html
        assert "We can offer 40 volunteer hours in March." in html and "Bollin Valley Joinery" in html
        assert 'href="mailto:sam@bollin-valley.example"' in html
    assert "We can offer 40 volunteer hours" not in html_of(other_poster_client, need_url(published))


def test_the_response_goes_to_the_needs_contact_not_the_account_that_posted_it(
    app, client, poster, officer_client, supplier_client
):
    post_need(client, contact_name="Projects Team", contact_email="projects@winsford-youth.example")
    need_id = posted_need_id(app)
    decide(officer_client, need_id, "approve")
    respond(supplier_client, need_id)
    for template in ("voluntary/need_published", "voluntary/need_answered"):
        assert emails(app, template)[0].recipients == ["Projects Team <projects@winsford-youth.example>"]


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "Say what your organisation can offer, like 40 volunteer hours in March"),
        ("   ", "Say what your organisation can offer"),
        ("a" * 2001, "What your organisation can offer must be 2,000 characters or fewer"),
        ("bell\x07", "What your organisation can offer must not contain special characters"),
    ],
)
def test_a_bad_response_is_refused_and_nothing_stored(app, published, supplier_client, message, error):
    response = respond(supplier_client, published, message)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error in error_summary(html) and error in field_error(html, "message")
    assert 'href="#message"' in error_summary(html)
    assert "<title>Error: Mentors for a youth project in Winsford" in html
    assert responses_count(app) == 0 and emails(app, "voluntary/need_answered") == []


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_responses_never_cause_an_error(app, published, supplier_client, name):
    response = respond(supplier_client, published, HOSTILE_VALUES[name])
    assert response.status_code in (200, 302)
    assert responses_count(app) == (1 if response.status_code == 302 else 0)


def test_who_may_respond(app, client, published, officer_client):
    # A visitor is asked to sign in (and a post is sent to sign in).
    visitor = app.test_client()
    page = html_of(visitor, need_url(published))
    assert "as a supplier to offer help" in page and 'name="message"' not in page
    token = session_csrf_token(visitor)
    response = visitor.post(f"{need_url(published)}/respond", data={"csrf_token": token, "message": "Hi"})
    assert response.headers["Location"].startswith("/login")
    # The poster does not answer their own need; an officer does not answer at all.
    for user_client in (client, officer_client):
        assert 'name="message"' not in html_of(user_client, need_url(published))
        assert respond(user_client, published).status_code == 403
    assert responses_count(app) == 0


def test_a_need_past_its_end_date_takes_no_more_responses(app, supplier_client):
    with app.app_context():
        owner = make_supplier(organisation=vcse_organisation())
        ended = add_need(
            owner.id, organisation_id=owner.organisation_id, starts_on=in_days(-9), ends_on=in_days(-1)
        )
    response = respond(supplier_client, ended)
    assert response.headers["Location"] == need_url(ended)
    assert "This need is no longer open for answers." in html_of(supplier_client, need_url(ended))
    assert responses_count(app) == 0


# --- the board: filters and search together ----------------------------------------------------


@pytest.fixture
def board(app):
    with app.app_context():
        owner = make_supplier(organisation=vcse_organisation("Board Charity", charity_number="4444444"))
        cwva = entry_id(CWVA)
        for title, kind, authority, description in [
            ("Mentors in Crewe", NeedKind.MENTORING, CHESHIRE_EAST, "Mentoring young carers."),
            ("Volunteers in Crewe", NeedKind.VOLUNTEERING, CHESHIRE_EAST, "A garden to dig."),
            ("Laptops for Runcorn", NeedKind.GOODS, HALTON, "Old laptops for a homework club."),
            ("Mentors in Warrington", NeedKind.MENTORING, WARRINGTON, "Business mentoring."),
            (
                "Placements in Chester",
                NeedKind.PLACEMENTS,
                CHESHIRE_WEST,
                "Work experience for 100% of leavers.",
            ),
        ]:
            add_need(
                owner.id,
                organisation_id=owner.organisation_id,
                entry_id=cwva if authority == CHESHIRE_WEST else None,
                title=title,
                kind=kind,
                authority=authority,
                description=description,
            )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {},
            {
                "Mentors in Crewe",
                "Volunteers in Crewe",
                "Laptops for Runcorn",
                "Mentors in Warrington",
                "Placements in Chester",
            },
        ),
        ({"kind": "mentoring"}, {"Mentors in Crewe", "Mentors in Warrington"}),
        ({"area": CHESHIRE_EAST}, {"Mentors in Crewe", "Volunteers in Crewe"}),
        ({"kind": "mentoring", "area": CHESHIRE_EAST}, {"Mentors in Crewe"}),
        ({"q": "crewe", "kind": "volunteering_hours"}, {"Volunteers in Crewe"}),
        ({"q": "laptops", "area": HALTON, "kind": "goods"}, {"Laptops for Runcorn"}),
        ({"q": "laptops", "area": WARRINGTON}, set()),
        ({"q": "mentoring", "area": WARRINGTON}, {"Mentors in Warrington"}),  # in the description
        ({"q": "100%"}, {"Placements in Chester"}),
        ({"q": "%"}, {"Placements in Chester"}),  # a literal %
        ({"q": "funding"}, set()),
        ({"kind": "funding", "area": HALTON}, set()),
    ],
)
def test_filters_and_search_together(client, board, params, expected):
    html = html_of(client, BOARD, query_string=params)
    assert titles_on_board(html) == expected
    assert "govuk-error-summary" not in html
    if not expected:
        assert "No open needs match your search." in html


def test_the_board_shows_who_asks_and_what_and_where(client, board, supplier_client):
    html = html_of(client, BOARD)
    assert f"From {CWVA}" in html and "From Board Charity" in html
    assert "Goods · Halton · until" in html
    assert "Sign in as a supplier to offer help." in html
    assert "Sign in as a supplier" not in html_of(supplier_client, BOARD)  # already signed in


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_filters_never_cause_an_error(client, board, name):
    for field in ("q", "area", "kind", "before", "after"):
        response = client.get(BOARD, query_string={field: HOSTILE_VALUES[name]})
        assert response.status_code == 200
        assert SCRIPT not in response.get_data(as_text=True)


def test_an_unknown_kind_is_shown_as_an_error_and_ignored(client, board):
    html = html_of(client, BOARD, query_string={"kind": "money", "area": HALTON})
    assert "Not a valid choice" in error_summary(html)
    assert len(titles_on_board(html)) == 5


# --- pagination and query counts -------------------------------------------------------------


def add_needs(app, owner_id: int, organisation_id: int, count: int, start: int = 0, **columns) -> list[int]:
    with app.app_context():
        cwva = entry_id(CWVA)
        return [
            add_need(
                owner_id,
                organisation_id=organisation_id,
                entry_id=None if n % 2 else cwva,  # the first asks for a directory body
                title=f"Bulk need {n:02d}",
                **columns,
            )
            for n in range(start, start + count)
        ]


def test_the_board_is_paginated_newest_first(app, client, poster):
    add_needs(app, poster.id, poster.organisation_id, 30)
    first = html_of(client, BOARD)
    assert len(titles_on_board(first)) == 25 and "Bulk need 29" in first and "Bulk need 04" not in first
    older = re.search(r'href="(/voluntary-sector/needs\?before=\d+)" rel="next"', first).group(1)
    assert titles_on_board(html_of(client, older)) == {f"Bulk need {n:02d}" for n in range(5)}


@pytest.mark.parametrize(
    ("url", "who"),
    [
        (BOARD, "visitor"),
        (BOARD + "?q=bulk&area=" + CHESHIRE_WEST + "&kind=mentoring", "visitor"),
        (BOARD, "poster"),
        (BOARD, "supplier"),
        (MINE, "poster"),
        (QUEUE + "?state=published", "officer"),
    ],
)
def test_the_lists_run_the_same_number_of_queries_for_1_or_30_needs(
    app, client, poster, supplier_client, officer_client, url, who
):
    reader = {
        "visitor": app.test_client(),
        "poster": client,
        "supplier": supplier_client,
        "officer": officer_client,
    }[who]
    [first] = add_needs(app, poster.id, poster.organisation_id, 1)
    with app.app_context():
        db.session.add(
            NeedResponse(
                need_id=first, organisation_id=poster.organisation_id, user_id=poster.id, message="Hi"
            )
        )
        db.session.commit()
    reader.get(url)
    with count_queries(app) as few:
        assert reader.get(url).status_code == 200
    add_needs(app, poster.id, poster.organisation_id, 29, start=1)
    with count_queries(app) as many:
        html = html_of(reader, url)
    assert "Bulk need 29" in html
    assert len(many) == len(few) <= 14, many
    assert not any(
        "count(*)" in statement.lower() and "need_responses" not in statement for statement in many
    )


@pytest.mark.parametrize("who", ["poster", "officer"])
def test_a_needs_page_runs_the_same_number_of_queries_for_1_or_30_responses(
    app, client, published, officer_client, who
):
    reader, url = (
        (client, need_url(published)) if who == "poster" else (officer_client, officer_url(published))
    )
    with app.app_context():
        suppliers = [
            make_supplier(organisation=vcse_organisation(f"Responder {n}", legal_form=None))
            for n in range(30)
        ]

    def add_response(user) -> None:
        with app.app_context():
            db.session.add(
                NeedResponse(
                    need_id=published,
                    organisation_id=user.organisation_id,
                    user_id=user.id,
                    message=f"Offer from {user.email}",
                )
            )
            db.session.commit()

    add_response(suppliers[0])
    reader.get(url)
    with count_queries(app) as few:
        reader.get(url)
    for user in suppliers[1:]:
        add_response(user)
    with count_queries(app) as many:
        html = html_of(reader, url)
    assert html.count("Offer from ") == 30
    assert len(many) == len(few) <= 14, many
