"""Officers maintain the directory: add, change, confirm, retire and restore an entry, link it to a
registered VCSE organisation; every change audited; suppliers and visitors kept out; bad and
hostile input refused with nothing stored; the officer's list in a fixed number of queries."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.organisations.rules import LegalForm
from portal.time import london_today
from portal.voluntary.models import DirectoryEntry
from tests.conftest import count_queries, post_form, session_csrf_token
from tests.hostile import HOSTILE_VALUES
from tests.voluntary.conftest import (
    CE_CVS,
    CHARITY_NUMBER,
    CHESHIRE_EAST,
    CHESHIRE_WEST,
    ESCAPED_SCRIPT,
    SCRIPT,
    ST_HELENS,
    STRATEGY,
    WVA,
    add_entry,
    audits,
    count_rows,
    entry_data,
    entry_id,
    error_summary,
    field_error,
    html_of,
    vcse_organisation,
)

LIST = "/officer/voluntary-sector"
NEW = "/officer/voluntary-sector/new"


def edit_url(entry: int) -> str:
    return f"/officer/voluntary-sector/{entry}/edit"


def stored(app, entry: int) -> DirectoryEntry:
    with app.app_context():
        found = db.session.get(DirectoryEntry, entry)
        found.areas  # load the areas (selectin) before letting go of it  # noqa: B018
        db.session.expunge(found)
        return found


def entries_count(app) -> int:
    return count_rows(app, DirectoryEntry)


def cvs_id(app) -> int:
    with app.app_context():
        return entry_id(CE_CVS)


def change(client, entry: int, action: str):
    """Press one of the entry page's officer buttons (confirm, retire, restore)."""
    return post_form(
        client, f"/officer/voluntary-sector/{entry}/{action}", {}, page=f"/voluntary-sector/{entry}"
    )


# --- who may ---------------------------------------------------------------------------------


def officer_urls(entry: int) -> list[tuple[str, str]]:
    return [
        ("GET", LIST),
        ("GET", NEW),
        ("POST", NEW),
        ("GET", edit_url(entry)),
        ("POST", edit_url(entry)),
        ("POST", f"/officer/voluntary-sector/{entry}/confirm"),
        ("POST", f"/officer/voluntary-sector/{entry}/retire"),
        ("POST", f"/officer/voluntary-sector/{entry}/restore"),
    ]


def test_a_supplier_cannot_edit_the_directory(app, supplier_client, poster, client):
    """Neither an ordinary supplier nor a VCSE member: every officer page and action is 403."""
    cvs = cvs_id(app)
    for user_client in (supplier_client, client):
        token = session_csrf_token(user_client)
        for method, url in officer_urls(cvs):
            data = {"csrf_token": token, **entry_data(name="Hijacked")} if method == "POST" else None
            response = user_client.open(url, method=method, data=data)
            assert response.status_code == 403, (method, url)
        # The public entry page offers them no officer buttons.
        assert "For officers" not in html_of(user_client, f"/voluntary-sector/{cvs}")
    entry = stored(app, cvs)
    assert entry.name == CE_CVS and entry.checked_on is None and entry.retired_at is None
    assert entries_count(app) == 4
    assert audits(app, "directory_entries") == []


def test_a_visitor_is_sent_to_sign_in(app, client):
    cvs = cvs_id(app)
    token = session_csrf_token(client)
    for method, url in officer_urls(cvs):
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)
    assert stored(app, cvs).retired_at is None


# --- the officer's list ----------------------------------------------------------------------


def names_in(html: str) -> set[str]:
    return set(
        re.findall(
            r'<td class="govuk-table__cell"><a class="govuk-link" href="/voluntary-sector/\d+">([^<]+)</a>',
            html,
        )
    )


def test_the_officers_list_filters_by_keyword_area_and_status(app, officer_client):
    with app.app_context():
        retired = add_entry("Retired Body", [ST_HELENS])
    change(officer_client, retired, "retire")
    everything = html_of(officer_client, LIST)
    assert len(names_in(everything)) == 5
    assert "Never: from Procurement Strategy 2022-2025" in everything
    assert re.search(
        r"Retired Body</a> <strong class=\"govuk-tag govuk-tag--grey\">Retired</strong>", everything
    )
    assert names_in(html_of(officer_client, LIST, query_string={"status": "retired"})) == {"Retired Body"}
    assert "Retired Body" not in names_in(html_of(officer_client, LIST, query_string={"status": "current"}))
    assert names_in(html_of(officer_client, LIST, query_string={"area": ST_HELENS, "q": "body"})) == {
        "Retired Body"
    }
    bad = html_of(officer_client, LIST, query_string={"status": "gone", "area": "nowhere"})
    assert "govuk-error-summary" in bad and len(names_in(bad)) == 5


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_filters_never_cause_an_error(officer_client, name):
    for field in ("q", "area", "status", "before"):
        response = officer_client.get(LIST, query_string={field: HOSTILE_VALUES[name]})
        assert response.status_code == 200, field
        assert SCRIPT not in response.get_data(as_text=True)


def test_the_officers_list_runs_the_same_number_of_queries_for_1_or_30_entries(app, officer_client):
    with app.app_context():
        organisation = vcse_organisation(charity_number=CHARITY_NUMBER)
        add_entry("Linked Body", [ST_HELENS], organisation_id=organisation.id)
    officer_client.get(LIST)
    with count_queries(app) as few:
        officer_client.get(LIST)
    with app.app_context():
        for n in range(29):
            add_entry(f"Bulk Body {n:02d}", [CHESHIRE_EAST])
        newest = add_entry(
            "Newest Linked", [ST_HELENS], organisation_id=vcse_organisation("Other", charity_number="2").id
        )
    with count_queries(app) as many:
        html = html_of(officer_client, LIST)
    assert "Newest Linked" in html and "<bdi>Other</bdi> acts for it" in html and 'rel="next"' in html
    assert newest
    assert len(many) == len(few) <= 8, many
    assert not any("count(" in statement.lower() for statement in many)


# --- adding ----------------------------------------------------------------------------------


def test_an_officer_adds_a_body(app, officer, officer_client, client):
    form = html_of(officer_client, NEW)
    assert "Add a body to the directory" in form
    response = post_form(officer_client, NEW, entry_data(phone_2="+44 (0)1606 111 222"))
    assert response.status_code == 302
    added = int(re.fullmatch(r"/voluntary-sector/(\d+)", response.headers["Location"]).group(1))
    entry = stored(app, added)
    assert entry.name == "Vale Royal Volunteer Centre"
    assert entry.areas == [CHESHIRE_WEST]
    assert entry.phones == ["01606 862 862", "+44 (0)1606 111 222"]  # as written
    assert entry.website == "https://vale-royal.example"
    assert entry.email == "hello@vale-royal.example"
    assert entry.source == "The body's website, 27 November 2026"
    assert entry.checked_on is None and entry.organisation_id is None and entry.retired_at is None
    [record] = audits(app, "directory_entries", added)
    assert record.action == "directory.added"
    assert record.actor_id == officer.id and record.actor_kind == "officer"
    assert record.details == {"fields": ["areas", "brokers", "email", "name", "phones", "source", "website"]}
    # The officer lands on its page with a message; the public sees it at once.
    assert "Vale Royal Volunteer Centre is saved." in html_of(officer_client, response.headers["Location"])
    public = html_of(client, f"/voluntary-sector/{added}")
    assert 'href="tel:+441606862862"' in public and 'href="tel:+441606111222"' in public
    assert (
        "Details from The body&#39;s website, 27 November 2026; not yet checked by the procurement unit."
        in public
    )
    assert "Vale Royal Volunteer Centre" in html_of(client, "/voluntary-sector/", query_string={"q": "vale"})


def test_optional_details_may_be_left_out(app, officer_client):
    response = post_form(
        officer_client, NEW, entry_data(website="", phone_1="", email="", areas=[ST_HELENS, CHESHIRE_EAST])
    )
    assert response.status_code == 302
    entry = stored(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert entry.website is None and entry.email is None and entry.phones == []
    assert entry.areas == [CHESHIRE_EAST, ST_HELENS]  # in the order of AREAS


BAD_ENTRIES = [
    ({"name": ""}, "name", "Enter the body's name"),
    ({"name": "   "}, "name", "Enter the body's name"),
    ({"name": "a" * 201}, "name", "Name must be 200 characters or fewer"),
    ({"brokers": ""}, "brokers", "Say what the body brokers, in a sentence or two"),
    ({"brokers": "a" * 2001}, "brokers", "What it brokers must be 2,000 characters or fewer"),
    ({"areas": None}, "areas", "Select the areas the body serves"),
    ({"areas": ["E99999999"]}, "areas", "not a valid choice"),
    ({"website": "www.vale-royal.example"}, "website", "Enter the website's full address, starting https://"),
    ({"website": "javascript:alert(1)"}, "website", "Enter the website's full address, starting https://"),
    ({"website": "https://"}, "website", "Enter the website's full address, starting https://"),
    ({"website": "https://" + "a" * 300 + ".example"}, "website", "Website must be 300 characters or fewer"),
    ({"phone_1": "12345"}, "phone_1", "Enter phone number as a UK number, like 01244 401272"),
    ({"phone_1": "+1 212 555 0100"}, "phone_1", "Enter phone number as a UK number, like 01244 401272"),
    ({"phone_1": "0" * 31}, "phone_1", "Phone number must be 30 characters or fewer"),
    ({"phone_2": "ring us"}, "phone_2", "Enter second phone number as a UK number, like 01244 401272"),
    (
        {"email": "not-an-email"},
        "email",
        "Enter an email address in the correct format, like name@example.com",
    ),
    ({"email": "a@b"}, "email", "Enter an email address in the correct format, like name@example.com"),
    ({"source": ""}, "source", "Say where these details come from"),
    ({"source": "a" * 301}, "source", "Where these details come from must be 300 characters or fewer"),
    (
        {"organisation_number": "99999999"},
        "organisation_number",
        "No registered VCSE organisation on the portal",
    ),
    ({"organisation_number": "a" * 21}, "organisation_number", "The number must be 20 characters or fewer"),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"), BAD_ENTRIES, ids=[f"{f}:{m[:20]}" for _c, f, m in BAD_ENTRIES]
)
def test_bad_input_is_refused_clearly_with_the_rest_kept_and_nothing_stored(
    app, officer_client, changes, field, message
):
    response = post_form(officer_client, NEW, entry_data(**changes))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    summary = error_summary(html)
    assert message in summary, summary
    assert f'href="#{field}"' in summary
    assert message in field_error(html, field)
    assert "<title>Error: Add a body to the directory" in html
    # What else was typed is kept.
    for kept, value in entry_data().items():
        if kept != field and kept not in changes and isinstance(value, str) and value:
            assert f'value="{value}"'.replace("'", "&#39;") in html or value.replace("'", "&#39;") in html, (
                kept
            )
    assert entries_count(app) == 4
    assert audits(app, "directory_entries") == []


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
@pytest.mark.parametrize(
    "field", ["name", "brokers", "source", "website", "phone_1", "email", "organisation_number"]
)
def test_hostile_input_never_causes_an_error_and_is_never_run(app, officer_client, client, field, name):
    response = post_form(officer_client, NEW, entry_data(**{field: HOSTILE_VALUES[name]}))
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert entries_count(app) == 4
        return
    # Accepted (markup, SQL, a line break in a multi-line field): stored as typed, shown as text.
    added = int(response.headers["Location"].rsplit("/", 1)[1])
    assert field in ("name", "brokers", "source")
    assert getattr(stored(app, added), field) == HOSTILE_VALUES[name].strip()
    for html in (html_of(client, f"/voluntary-sector/{added}"), html_of(officer_client, LIST)):
        assert SCRIPT not in html


def test_markup_in_a_new_entry_is_shown_as_text(app, officer_client, client):
    response = post_form(officer_client, NEW, entry_data(name=SCRIPT, brokers=SCRIPT, source=SCRIPT))
    added = int(response.headers["Location"].rsplit("/", 1)[1])
    for html in (
        html_of(client, f"/voluntary-sector/{added}"),
        html_of(client, "/voluntary-sector/"),
        html_of(officer_client, LIST),
        html_of(officer_client, edit_url(added)),
    ):
        assert SCRIPT not in html and ESCAPED_SCRIPT in html


# --- changing --------------------------------------------------------------------------------


def test_the_change_form_shows_the_entry_as_it_is(app, officer_client):
    with app.app_context():
        organisation = vcse_organisation(charity_number=CHARITY_NUMBER)
        linked = add_entry(
            "Linked Body",
            [CHESHIRE_EAST, ST_HELENS],
            phones=["01270 111111", "01270 222222"],
            website="https://linked.example",
            email="hi@linked.example",
            organisation_id=organisation.id,
        )
    html = html_of(officer_client, edit_url(linked))
    assert '<h1 class="govuk-heading-l">Change Linked Body</h1>' in html
    for value in (
        "Linked Body",
        "01270 111111",
        "01270 222222",
        "https://linked.example",
        "hi@linked.example",
        CHARITY_NUMBER,
    ):
        assert f'value="{value}"' in html, value
    assert re.search(rf'value="{CHESHIRE_EAST}"\s+checked', html)
    assert re.search(rf'value="{ST_HELENS}"\s+checked', html)
    assert not re.search(rf'value="{CHESHIRE_WEST}"\s+checked', html)
    assert officer_client.get(edit_url(999999)).status_code == 404


def test_an_officer_changes_an_entry_and_the_change_is_audited(app, officer, officer_client, client):
    cvs = cvs_id(app)
    before = stored(app, cvs)
    data = entry_data(
        name=CE_CVS,
        brokers=before.brokers,
        areas=[CHESHIRE_EAST, ST_HELENS],
        website=before.website,
        phone_1="01270 763 101",
        email=before.email,
        source=before.source,
    )
    response = post_form(officer_client, edit_url(cvs), data)
    assert response.headers["Location"] == f"/voluntary-sector/{cvs}"
    entry = stored(app, cvs)
    assert entry.phones == ["01270 763 101"]
    assert entry.areas == [CHESHIRE_EAST, ST_HELENS]
    [record] = audits(app, "directory_entries", cvs)
    assert record.action == "directory.changed" and record.actor_id == officer.id
    assert record.details == {"fields": ["areas", "phones"]}
    assert CE_CVS in html_of(client, "/voluntary-sector/", query_string={"area": ST_HELENS})
    # Saving again with nothing changed writes no audit record.
    post_form(officer_client, edit_url(cvs), data)
    assert len(audits(app, "directory_entries", cvs)) == 1


def test_a_bad_change_stores_nothing(app, officer_client):
    cvs = cvs_id(app)
    response = post_form(officer_client, edit_url(cvs), entry_data(name="Renamed", email="nope"))
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in error_summary(response.get_data(as_text=True))
    assert 'value="Renamed"' in response.get_data(as_text=True)
    assert stored(app, cvs).name == CE_CVS
    assert audits(app, "directory_entries") == []


def test_an_officer_confirms_the_details(app, officer, officer_client, client):
    cvs = cvs_id(app)
    response = change(officer_client, cvs, "confirm")
    assert response.headers["Location"] == f"/voluntary-sector/{cvs}"
    entry = stored(app, cvs)
    assert entry.checked_on == london_today() and entry.checked_by_id == officer.id
    [record] = audits(app, "directory_entries", cvs)
    assert record.action == "directory.confirmed" and record.actor_id == officer.id
    today = london_today()
    public = html_of(client, f"/voluntary-sector/{cvs}")
    assert f"Details from {STRATEGY}; checked by the procurement unit on {today.day} {today:%B %Y}." in public
    assert "Checked by Olive Officer." in public
    assert "not yet checked" not in public
    listing = html_of(client, "/voluntary-sector/", query_string={"q": "cvs"})
    assert f"checked by the procurement unit on {today.day} {today:%B %Y}." in listing
    assert f"{today.day} {today:%B %Y}" in html_of(officer_client, LIST, query_string={"q": "cvs"})


def test_an_officer_retires_and_restores_an_entry(app, officer_client, client):
    cvs = cvs_id(app)
    page = html_of(officer_client, f"/voluntary-sector/{cvs}")
    assert "Retire it (hide it from the public)" in page and "Show it to the public again" not in page
    response = change(officer_client, cvs, "retire")
    assert "is retired: the public no longer see it" in html_of(officer_client, response.headers["Location"])
    assert stored(app, cvs).retired_at is not None
    assert client.get(f"/voluntary-sector/{cvs}").status_code == 404
    assert CE_CVS not in html_of(client, "/voluntary-sector/")
    page = html_of(officer_client, f"/voluntary-sector/{cvs}")
    assert "Show it to the public again" in page and "Retire it" not in page
    change(officer_client, cvs, "restore")
    assert stored(app, cvs).retired_at is None
    assert client.get(f"/voluntary-sector/{cvs}").status_code == 200
    assert [record.action for record in audits(app, "directory_entries", cvs)] == [
        "directory.retired",
        "directory.restored",
    ]
    # Retired is kept: the row is still there, for the history.
    assert entries_count(app) == 4


def test_an_entry_action_without_a_csrf_token_changes_nothing(app, officer_client):
    cvs = cvs_id(app)
    response = officer_client.post(f"/officer/voluntary-sector/{cvs}/retire", data={})
    assert response.status_code in (302, 400)
    assert stored(app, cvs).retired_at is None
    assert officer_client.post("/officer/voluntary-sector/1/explode", data={}).status_code == 404


def test_the_entry_page_links_to_its_audit_log(app, officer_client):
    cvs = cvs_id(app)
    change(officer_client, cvs, "confirm")
    page = html_of(officer_client, f"/voluntary-sector/{cvs}")
    audit_link = re.search(r'href="(/officer/audit\?[^"]+)">Changes to this entry', page).group(1)
    assert "directory.confirmed" in html_of(officer_client, audit_link.replace("&amp;", "&"))


# --- linking an entry to a VCSE organisation -------------------------------------------------


def test_linking_an_entry_to_a_vcse_organisation_lets_its_members_post_for_it(app, officer_client, client):
    from tests.factories import make_supplier, sign_in

    with app.app_context():
        organisation = vcse_organisation("Warrington Youth Charity", charity_number=CHARITY_NUMBER)
        member = make_supplier("wes@warrington-youth.example", organisation=organisation)
        organisation_id = organisation.id
        wva = entry_id(WVA)
    before = stored(app, wva)
    data = entry_data(
        name=before.name,
        brokers=before.brokers,
        areas=before.areas,
        website=before.website,
        phone_1=before.phones[0],
        email=before.email,
        source=before.source,
        organisation_number=f" {CHARITY_NUMBER[:3]} {CHARITY_NUMBER[3:]} ",
    )
    assert post_form(officer_client, edit_url(wva), data).status_code == 302
    assert stored(app, wva).organisation_id == organisation_id
    assert audits(app, "directory_entries", wva)[0].details == {"fields": ["organisation_id"]}
    assert "Warrington Youth Charity acts for it" in html_of(client, f"/voluntary-sector/{wva}")
    # Its member now asks for help in the body's name.
    sign_in(client, member.email)
    form = html_of(client, "/voluntary-sector/needs/new")
    assert '<span class="govuk-caption-l">Warrington Voluntary Action</span>' in form
    # Emptying the number unlinks it.
    post_form(officer_client, edit_url(wva), {**data, "organisation_number": ""})
    assert stored(app, wva).organisation_id is None


def test_a_non_vcse_or_unregistered_or_taken_organisation_cannot_be_linked(app, officer_client):
    with app.app_context():
        vcse_organisation(
            "A Company", legal_form=LegalForm.PRIVATE_LIMITED, companies_house_number="01234567"
        )
        vcse_organisation("Unfinished Charity", charity_number="7654321", registered=False)
        taken = vcse_organisation("Taken Charity", charity_number=CHARITY_NUMBER)
        add_entry("Already Linked", [ST_HELENS], organisation_id=taken.id)
        cvs = entry_id(CE_CVS)
    for number, message in [
        (
            "01234567",
            "No registered VCSE organisation on the portal has that charity or Companies House number",
        ),
        (
            "7654321",
            "No registered VCSE organisation on the portal has that charity or Companies House number",
        ),
        (CHARITY_NUMBER, "Taken Charity already acts for Already Linked"),
    ]:
        response = post_form(
            officer_client, edit_url(cvs), entry_data(name="Renamed", organisation_number=number)
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert message in error_summary(html) and message in field_error(html, "organisation_number")
        assert 'value="Renamed"' in html
        assert stored(app, cvs).name == CE_CVS and stored(app, cvs).organisation_id is None
    assert audits(app, "directory_entries", cvs) == []


def test_a_new_entry_cannot_take_an_organisation_already_acting_for_another(app, officer_client):
    with app.app_context():
        taken = vcse_organisation("Taken Charity", charity_number=CHARITY_NUMBER)
        add_entry("Already Linked", [ST_HELENS], organisation_id=taken.id)
    response = post_form(officer_client, NEW, entry_data(organisation_number=CHARITY_NUMBER))
    assert response.status_code == 200
    assert "Taken Charity already acts for Already Linked" in error_summary(response.get_data(as_text=True))
    assert entries_count(app) == 5


def test_the_entry_page_runs_a_fixed_number_of_queries_for_an_officer(app, officer_client):
    cvs = cvs_id(app)
    change(officer_client, cvs, "confirm")
    with count_queries(app) as statements:
        officer_client.get(f"/voluntary-sector/{cvs}")
    assert len(statements) <= 6, statements
