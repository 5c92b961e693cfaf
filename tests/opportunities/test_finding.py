"""Finding opportunities: the public list at /opportunities (keyword search through each
database's full-text search, each filter, both together, closed and closing soon, pages by closing
date), each opportunity's page with the rules that apply, drafts hidden from all but officers,
unknown filter values and hostile input, and a fixed number of SQL statements a page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import User
from portal.extensions import db
from portal.opportunities.models import Opportunity, Procedure
from portal.time import london_datetime, utcnow
from tests.conftest import count_queries
from tests.factories import make_opportunity, make_staff
from tests.hostile import HOSTILE_VALUES
from tests.social_value.conftest import text_of

URL = "/opportunities"
SCRIPT = "<script>alert(1)</script>"
DRAFT_WARNING = "This is a draft: only officers can see it."
NO_WORDS = "Your keywords held no words to search for, so every opportunity is shown."

_RESULT = re.compile(r'<li class="portal-result">(.*?)</li>', re.S)
_TITLE = re.compile(r'<a class="govuk-link" href="/opportunities/\d+">([^<]+)</a>')


# --- reading the page ------------------------------------------------------------------------


def page_of(client: FlaskClient, params: dict | None = None, url: str = URL) -> str:
    response = client.get(url, query_string=params)
    assert response.status_code == 200, (params, response.status_code)
    return response.get_data(as_text=True)


def titles(html: str) -> list[str]:
    """The opportunities listed, in the order shown."""
    return [unescape(_TITLE.search(item).group(1)) for item in _RESULT.findall(html)]


def result_text(html: str, title: str) -> str:
    """The words of one result as a person reads them."""
    [item] = [item for item in _RESULT.findall(html) if f">{title}</a>" in item]
    return text_of(item)


def found(client: FlaskClient, **params) -> list[str]:
    return titles(page_of(client, params))


def error_summary(html: str) -> str:
    match = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S)
    return text_of(match.group(0)) if match else ""


def link(html: str, rel: str) -> str | None:
    """The pagination link marked rel="next" or rel="prev", unescaped; None without one."""
    match = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return unescape(match.group(1)) if match else None


# --- data ------------------------------------------------------------------------------------


@pytest.fixture
def officer(app: Flask, transaction) -> User:
    with app.app_context():
        return make_staff("olive@example.com", name="Olive Officer")


@pytest.fixture
def add(app: Flask, officer: User):
    """Add an opportunity (make_opportunity's defaults unless told otherwise), committed; its id."""

    def add(title: str, **values) -> int:
        with app.app_context():
            opportunity = make_opportunity(officer=officer, title=title, **values)
            db.session.commit()
            return opportunity.id

    return add


STATION = "Station cleaning"
MEALS = "Custody meals"
TYRES = "Fleet tyres"
YOUTH = "Youth diversion programme"
OFFICE = "Office cleaning, Runcorn"
CAMERAS = "Body-worn cameras"
PRINTING = "Leaflet printing"  # closed: its closing time has passed
CATERING = "Canteen catering"  # closed early by an officer
DRAFT = "Secret cleaning draft"
OPEN_BY_CLOSING = [MEALS, YOUTH, OFFICE, STATION, TYRES, CAMERAS]


@pytest.fixture
def catalogue(add) -> dict[str, int]:
    """Six open opportunities, two closed ones and a draft, with their ids by title."""
    day = timedelta(days=1)
    return {
        STATION: add(
            STATION,
            reference="CC-2026-041",
            summary="Cleaning of police stations across Cheshire.",
            cpv_division="90",
            value_ex_vat=Decimal("120000"),
            procedure=Procedure.TENDER,
            suitable_sme=True,
            suitable_vcse=False,
            closes_in=14 * day,
        ),
        MEALS: add(
            MEALS,
            reference="CC-2026-052",
            summary="Meals for detainees in the Middlewich and Macclesfield custody suites.",
            cpv_division="55",
            value_ex_vat=Decimal("40000"),
            procedure=Procedure.QUOTATION,
            suitable_sme=True,
            suitable_vcse=True,
            closes_in=3 * day,
        ),
        TYRES: add(
            TYRES,
            reference="NW-TYRE-7",
            summary="Tyres and puncture repairs for the police fleet.",
            cpv_division="34",
            value_ex_vat=Decimal("600000"),
            procedure=Procedure.CALL_OFF,
            suitable_sme=False,
            suitable_vcse=False,
            closes_in=30 * day,
        ),
        YOUTH: add(
            YOUTH,
            reference="CC-2026-060",
            summary="A charity-run diversion programme for young people in Halton.",
            cpv_division="85",
            value_ex_vat=Decimal("25000"),
            procedure=Procedure.QUOTATION,
            suitable_sme=False,
            suitable_vcse=True,
            closes_in=5 * day,
        ),
        OFFICE: add(
            OFFICE,
            reference="CC-2026-061",
            summary="Cleaning of the Runcorn office twice a week.",
            cpv_division="90",
            value_ex_vat=Decimal("25000.01"),
            procedure=Procedure.QUOTATION,
            suitable_sme=False,
            suitable_vcse=True,
            closes_in=10 * day,
        ),
        CAMERAS: add(
            CAMERAS,
            reference="CC-2026-070",
            summary="Body-worn video cameras and their docking stations.",
            cpv_division="35",
            value_ex_vat=Decimal("2000000"),
            procedure=Procedure.TENDER,
            suitable_sme=False,
            suitable_vcse=False,
            closes_in=60 * day,
        ),
        PRINTING: add(
            PRINTING,
            summary="Cleaning leaflets printed for the summer campaign.",
            cpv_division="22",
            closes_in=-2 * day,
        ),
        CATERING: add(
            CATERING,
            summary="Cleaning and catering for the canteen.",
            cpv_division="55",
            state="closed",
            closed_at=utcnow() - timedelta(hours=1),
            closes_in=20 * day,
        ),
        DRAFT: add(
            DRAFT, reference="CC-DRAFT-1", summary="Cleaning that is not yet published.", state="draft"
        ),
    }


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_open_opportunities_soonest_closing_first_with_their_facts(client, catalogue):
    html = page_of(client)
    assert titles(html) == OPEN_BY_CLOSING
    assert "Open opportunities, closing soonest first" in html
    assert f'href="/opportunities/{catalogue[STATION]}"' in html
    station = result_text(html, STATION)
    assert "CC-2026-041 · Sewage, refuse, cleaning and environmental services" in station
    assert "£120,000 excluding VAT · Tender (advertised)" in station
    assert "Suitable for SMEs" in station and "Suitable for VCSEs" not in station
    assert "Closes " in station
    meals = result_text(html, MEALS)
    assert "Suitable for SMEs" in meals and "Suitable for VCSEs" in meals
    assert "Quotation (three quotes invited)" in meals


def test_members_are_offered_their_alerts_page_visitors_are_told_of_it_and_officers_are_not(
    app, client, officer_client, catalogue, member
):
    alerts = 'href="/opportunities/alerts"'
    assert "Choose the categories your organisation is emailed about" in page_of(client)  # `member`
    assert "Registered suppliers can be" in page_of(app.test_client())
    assert alerts in page_of(app.test_client())
    assert alerts not in page_of(officer_client)
    assert titles(page_of(officer_client)) == OPEN_BY_CLOSING


# --- keywords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("tyres", [TYRES]),  # the title
        ("detainees", [MEALS]),  # the summary
        ("Macclesfield", [MEALS]),
        ("CC-2026-041", [STATION]),  # the reference, as written
        ("cc-2026-041", [STATION]),
        ("NW-TYRE-7", [TYRES]),
        ("CC-2026-052", [MEALS]),
        ("CLEANING", [OFFICE, STATION]),  # any case; drafts and closed ones never
        ("police", [STATION, TYRES]),
        ("body-worn", [CAMERAS]),
        ("nothing like it", []),
    ],
)
def test_keywords_find_opportunities_by_title_summary_and_reference(client, catalogue, q, expected):
    html = page_of(client, {"q": q})
    assert titles(html) == expected
    assert "govuk-error-summary" not in html
    assert f'value="{q}"' in html  # what was typed stays in the box
    if not expected:
        assert "No opportunities match your search." in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cleaning", True),
        ("clean", True),
        ("cleans", True),
        ("cleaned", True),
        # Both databases' English stemmers keep "cleaner" a word of its own: it does not find
        # "cleaning", and "cleaning" does not find "cleaner".
        ("cleaner", False),
    ],
)
def test_stemming_is_the_same_on_both_databases(client, add, q, expected):
    add("Window cleaning", summary="Windows at Crewe police station.", reference="W-1")
    add("Cleaner's cupboards", summary="Shelving for the cupboards at Crewe.", reference="W-2")
    assert ("Window cleaning" in found(client, q=q)) is expected
    assert found(client, q="cleaner") == ["Cleaner's cupboards"]


def test_every_word_must_match(client, catalogue):
    assert found(client, q="cleaning police") == [STATION]
    assert found(client, q="cleaning runcorn") == [OFFICE]
    assert found(client, q="police tyres") == [TYRES]
    assert found(client, q="cleaning tyres") == []
    assert found(client, q="runcorn   OFFICE, twice!") == [OFFICE]  # punctuation and spaces between


def test_a_changed_title_is_searched_by_its_new_words_not_its_old_ones(app, client, add):
    opportunity_id = add("Vehicle valeting", summary="Pool cars, weekly.", reference="V-1")
    with app.app_context():
        db.session.get(Opportunity, opportunity_id).title = "Vehicle recovery"
        db.session.commit()
    assert found(client, q="recovery") == ["Vehicle recovery"]
    assert found(client, q="valeting") == []  # the search's copy was changed with the row
    assert found(client, q="vehicle pool") == ["Vehicle recovery"]


@pytest.mark.parametrize("q", ['"', "*", "-", "🎉🚓", "()", "...", "&|!"])
def test_keywords_without_words_show_everything_with_a_note(client, catalogue, q):
    html = page_of(client, {"q": q})
    assert titles(html) == OPEN_BY_CLOSING
    assert NO_WORDS in text_of(html)


def test_words_beside_symbols_are_searched_and_the_symbols_ignored(client, catalogue):
    assert found(client, q="🎉 cleaning* police") == [STATION]
    assert found(client, q='"cleaning" (police)') == [STATION]
    assert found(client, q="NEAR(cleaning police)") == []  # NEAR is a word here, in no opportunity


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "90"}, [OFFICE, STATION]),
        ({"category": "55"}, [MEALS]),  # not the closed canteen catering
        ({"category": "03"}, []),
        ({"value": "under-25k"}, [YOUTH]),  # £25,000 is in the lower band
        ({"value": "25k-50k"}, [MEALS, OFFICE]),  # £25,000.01 is in the next
        ({"value": "50k-250k"}, [STATION]),
        ({"value": "250k-1m"}, [TYRES]),
        ({"value": "over-1m"}, [CAMERAS]),
        ({"procedure": "quotation"}, [MEALS, YOUTH, OFFICE]),
        ({"procedure": "tender"}, [STATION, CAMERAS]),
        ({"procedure": "call_off"}, [TYRES]),
        ({"suitable": "sme"}, [MEALS, STATION]),
        ({"suitable": "vcse"}, [MEALS, YOUTH, OFFICE]),
        ({"status": "open"}, OPEN_BY_CLOSING),
        ({"status": "closing-soon"}, [MEALS, YOUTH]),
        ({"status": "closed"}, [CATERING, PRINTING]),
        ({"status": ""}, OPEN_BY_CLOSING),
    ],
)
def test_each_filter(client, catalogue, params, expected):
    html = page_of(client, params)
    assert titles(html) == expected
    assert "govuk-error-summary" not in html
    [value] = params.values()
    if value:
        assert re.search(rf'<option value="{value}"\s+selected', html)  # the choice stays chosen


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "cleaning", "category": "90"}, [OFFICE, STATION]),
        ({"q": "cleaning", "procedure": "quotation"}, [OFFICE]),
        ({"q": "cleaning", "suitable": "sme"}, [STATION]),
        ({"q": "cleaning", "value": "25k-50k", "suitable": "vcse"}, [OFFICE]),
        ({"q": "cleaning", "status": "closed"}, [CATERING, PRINTING]),
        ({"q": "catering", "status": "closed", "category": "55"}, [CATERING]),
        ({"q": "police", "value": "over-1m"}, []),
        ({"q": "police", "procedure": "call_off", "suitable": ""}, [TYRES]),
        ({"q": "custody", "status": "closing-soon", "suitable": "vcse"}, [MEALS]),
        ({"q": "programme", "status": "closing-soon", "category": "85", "value": "under-25k"}, [YOUTH]),
        (
            {
                "q": "cleaning",
                "category": "90",
                "value": "50k-250k",
                "procedure": "tender",
                "suitable": "sme",
            },
            [STATION],
        ),
        ({"q": "cleaning", "category": "90", "suitable": "vcse", "status": "closing-soon"}, []),
    ],
)
def test_search_and_filters_together(client, catalogue, params, expected):
    html = page_of(client, params)
    assert titles(html) == expected
    assert f'value="{params["q"]}"' in html


def test_closing_soon_is_the_next_seven_days(client, add):
    add("In six days", closes_in=timedelta(days=6, hours=23))
    add("In eight days", closes_in=timedelta(days=7, hours=1))
    add("In an hour", closes_in=timedelta(hours=1))
    add("An hour ago", closes_in=timedelta(hours=-1))
    assert found(client, status="closing-soon") == ["In an hour", "In six days"]


# --- the search form --------------------------------------------------------------------------


def test_a_search_keeps_its_choices_in_the_form(client, catalogue):
    first = page_of(client, {"q": "cleaning", "category": "90", "suitable": "sme"})
    assert titles(first) == [STATION]
    assert '<option value="90" selected>' in first and 'value="cleaning"' in first
    assert found(client, q="cleaning", category="90") == [OFFICE, STATION]
    assert found(client) == OPEN_BY_CLOSING


def test_a_refused_value_is_shown_and_ignored_and_the_others_still_apply(client, catalogue):
    html = page_of(client, {"q": "cleaning", "category": "99"})
    assert "Not a valid choice" in error_summary(html)
    assert "<title>Error: Opportunities" in html
    assert titles(html) == [OFFICE, STATION]


def test_the_pages_of_a_search_keep_it_and_ignore_other_parameters(client, add):
    for hours in range(1, 31):
        add(f"Cleaning {hours:02d}", closes_in=timedelta(hours=hours))
    first = page_of(client, {"q": "cleaning", "campaign": "autumn"})
    second = page_of(client, url=link(first, "next"))
    assert titles(second) == [f"Cleaning {hours}" for hours in range(26, 31)]
    assert 'value="cleaning"' in second


def test_a_long_refused_search_is_shown_and_the_other_filters_still_apply(client, catalogue):
    html = page_of(client, {"q": "cleaning " * 70, "suitable": "sme"})
    assert "Keywords must be 200 characters or fewer" in error_summary(html)
    assert titles(html) == [MEALS, STATION]  # the other filter still applies


def test_the_search_form_shows_the_categories_read_after_a_seed(app, client, catalogue):
    from portal.reference import cpv
    from portal.reference.models import CpvDivision

    assert "Sewage, refuse, cleaning and environmental services (90000000-7)" in page_of(client)
    with app.app_context():
        db.session.get(CpvDivision, "90").title = "Cleaning services"
        db.session.commit()
    cpv.forget_division_choices()  # what `flask seed` does in the process it runs in
    assert "Cleaning services (90000000-7)" in page_of(client)


# --- unknown filter values and hostile input --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("category", "99", "Not a valid choice"),
        ("category", "90000000-7", "Not a valid choice"),
        ("value", "over-9000", "Not a valid choice"),
        ("procedure", "auction", "Not a valid choice"),
        ("suitable", "large", "Not a valid choice"),
        ("status", "archived", "Not a valid choice"),
    ],
)
def test_an_unknown_filter_value_is_ignored_with_a_note_and_the_others_still_apply(
    client, catalogue, name, value, message
):
    html = page_of(client, {"q": "cleaning", name: value})
    assert message in error_summary(html)
    assert html.count('class="govuk-error-message"') == 1  # beside that one field
    assert titles(html) == [OFFICE, STATION]  # the keyword still applies
    assert "<title>Error: Opportunities" in html


def test_an_overlong_search_is_ignored_with_a_note_and_the_filters_still_apply(client, catalogue):
    html = page_of(client, {"q": "cleaning " * 30, "suitable": "vcse"})
    assert "Keywords must be 200 characters or fewer" in error_summary(html)
    assert titles(html) == [MEALS, YOUTH, OFFICE]


FTS_SYNTAX = [
    "NEAR(",
    "NEAR(cleaning police, 2)",
    '"cleaning',
    'cleaning"',
    '""',
    "clean*",
    "*",
    "AND OR NOT",
    "cleaning AND NOT police",
    "cleaning OR tyres",
    "-cleaning",
    "cleaning -police",
    "-",
    "--",
    "title:cleaning",
    "{title summary}: cleaning",
    "^cleaning",
    "cleaning + police",
    "(cleaning",
    "cleaning)",
    "cleaning & police | !tyres",
    "cleaning <-> police",
    "clean:*",
    "'cleaning'",
    "\\",
    "%",
    "_",
    "'; DROP TABLE opportunities; --",
    "1' OR '1'='1",
    'cleaning" OR "1"="1',
    "🎉🚓 emoji only",
    "ŵ ẅ Ŵ",
    "² ³ ½",
    "İstanbul",
    "word " * 40,
    "x" * 200,
    "a" * 10_000,
    "cleaning\x00police",
    "\x00",
]


@pytest.mark.parametrize("q", FTS_SYNTAX + sorted(HOSTILE_VALUES.values()))
def test_a_search_of_any_length_or_content_never_causes_an_error(client, catalogue, q):
    html = page_of(client, {"q": q})  # 200, never a server error
    assert SCRIPT not in html
    assert DRAFT not in html
    listed = set(titles(html))
    assert listed <= set(OPEN_BY_CLOSING)


@pytest.mark.parametrize("q", ["a" * 10_000, "cleaning\x00police", "bell\x07escape"])
def test_an_overlong_search_or_one_with_control_characters_is_refused_with_a_message(client, catalogue, q):
    html = page_of(client, {"q": q})
    assert error_summary(html)
    assert titles(html) == OPEN_BY_CLOSING


@pytest.mark.parametrize(
    "value", ["NEAR(", '"', "*", SCRIPT, "a" * 10_000, "x\x00y", "'; DROP TABLE users; --", "🎉"]
)
@pytest.mark.parametrize("name", ["category", "value", "procedure", "suitable", "status", "before", "after"])
def test_hostile_filter_values_and_cursors_never_cause_an_error(client, catalogue, name, value):
    html = page_of(client, {name: value})
    assert SCRIPT not in html
    assert titles(html) == OPEN_BY_CLOSING


# --- drafts and closed opportunities ------------------------------------------------------------


def test_drafts_are_never_listed(client, officer_client, catalogue):
    for params in ({}, {"q": "draft"}, {"q": "CC-DRAFT-1"}, {"status": "closed"}, {"category": "90"}):
        assert DRAFT not in found(client, **params), params
        assert DRAFT not in titles(page_of(officer_client, params)), params  # nor to officers here


def test_a_draft_is_404_to_the_public_and_to_suppliers_and_shown_to_officers(
    app, client, officer_client, catalogue, member
):
    url = f"{URL}/{catalogue[DRAFT]}"
    assert client.get(url).status_code == 404  # `client` is signed in as `member`
    assert app.test_client().get(url).status_code == 404
    response = officer_client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert DRAFT_WARNING in text_of(html)
    assert "Register interest" not in html


def test_closed_opportunities_are_listed_only_under_closed_latest_first(client, add):
    now = utcnow()
    add("Closed a week ago", closes_in=timedelta(days=-7))
    add("Closed an hour ago", closes_in=timedelta(hours=-1))
    early = add(
        "Closed early today",
        state="closed",
        closed_at=now - timedelta(minutes=30),
        closes_in=timedelta(days=10),
    )
    add("Still open", closes_in=timedelta(days=2))
    add("Draft past its date", state="draft", closes_in=timedelta(days=-1))
    assert found(client) == ["Still open"]
    assert found(client, status="closing-soon") == ["Still open"]
    html = page_of(client, {"status": "closed"})
    assert titles(html) == ["Closed early today", "Closed an hour ago", "Closed a week ago"]
    assert "Closed opportunities, latest first" in html
    # Each says when it closed: the one closed early by the day an officer closed it, not by the
    # closing date it never reached.
    early_text = result_text(html, "Closed early today")
    assert f"Closed early on {london_datetime(now - timedelta(minutes=30))}" in early_text
    assert f"Closed {london_datetime(now - timedelta(hours=1))}" in result_text(html, "Closed an hour ago")
    page = client.get(f"{URL}/{early}")
    assert page.status_code == 200  # closed opportunities stay readable
    assert '<strong class="govuk-tag govuk-tag--grey">Closed</strong>' in page.get_data(as_text=True)


# --- pages -------------------------------------------------------------------------------------


def test_pages_follow_the_closing_date_forwards_and_back_keeping_the_filters(client, add):
    names = [f"Contract {n:02d}" for n in range(1, 31)]
    for hours, name in enumerate(names, start=1):
        add(name, closes_in=timedelta(hours=hours), suitable_sme=True)
    add("Not for SMEs", closes_in=timedelta(minutes=30), suitable_sme=False)

    first = page_of(client, {"suitable": "sme"})
    assert titles(first) == names[:25]
    assert link(first, "prev") is None
    following = link(first, "next")
    assert following and "suitable=sme" in following and "before=" in following

    second = page_of(client, url=following)
    assert titles(second) == names[25:]
    assert link(second, "next") is None
    back = link(second, "prev")
    assert back and "suitable=sme" in back and "after=" in back
    assert titles(page_of(client, url=back)) == names[:25]


@pytest.mark.parametrize("walk", [1, 2, 5, 26, 300])
def test_a_search_finds_the_same_pages_however_far_it_walks(app, client, add, monkeypatch, walk):
    """On PostgreSQL a search walks the list by closing date and reads the index of words when
    the walk ends first: each walk length, ending before, at or after a page's last match,
    gives the same pages forwards and back."""
    monkeypatch.setitem(app.config, "OPPORTUNITY_SEARCH_WALK", walk)
    expected = []
    for n in range(1, 61):
        words = "cleaning" if n % 3 else "catering"
        add(
            f"Contract {n:02d}",
            summary=f"Station {words}.",
            suitable_sme=n % 4 != 0,
            closes_in=timedelta(hours=n),
        )
        if n % 3 and n % 4:
            expected.append(f"Contract {n:02d}")
    params = {"q": "cleaning", "suitable": "sme"}
    first = page_of(client, params)
    assert titles(first) == expected[:25]
    second = page_of(client, url=link(first, "next"))
    assert titles(second) == expected[25:] and len(expected) == 30
    assert link(second, "next") is None
    assert titles(page_of(client, url=link(second, "prev"))) == expected[:25]


def test_a_search_whose_walk_ends_first_runs_one_statement_more(app, client, add, monkeypatch, database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite's search reads its index of words at once")
    for n in range(1, 6):
        add(f"Contract {n}", summary="Station catering.", closes_in=timedelta(hours=n))
    add("Rare zebra crossing", closes_in=timedelta(hours=6))
    assert len(statements_for(app, client, URL, {"q": "zebra"})) == 1  # the walk saw every row
    monkeypatch.setitem(app.config, "OPPORTUNITY_SEARCH_WALK", 3)
    assert len(statements_for(app, client, URL, {"q": "zebra"})) == 2
    assert found(client, q="zebra") == ["Rare zebra crossing"]
    assert found(client, q="catering") == [f"Contract {n}" for n in range(1, 6)]


def test_closed_pages_run_latest_first_forwards_and_back(client, add):
    names = [f"Closed {n:02d}" for n in range(1, 28)]  # Closed 01 closed most recently
    for hours, name in enumerate(names, start=1):
        add(name, closes_in=timedelta(hours=-hours))
    first = page_of(client, {"status": "closed"})
    assert titles(first) == names[:25]
    second = page_of(client, url=link(first, "next"))
    assert titles(second) == names[25:]
    assert titles(page_of(client, url=link(second, "prev"))) == names[:25]


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "1.2.3",
        "-5.3",
        "1",
        "1.",
        ".1",
        "١٢٣.٤",  # Arabic-Indic digits
        "²³.4",
        "1 .2",
        "999999999999999999.1",  # 18 digits of microseconds: more than the pattern takes
        "1.9999999999999999999",  # 19 digits of id
        "0x10.1",
    ],
)
@pytest.mark.parametrize("name", ["before", "after"])
def test_a_tampered_cursor_shows_the_first_page(client, add, name, cursor):
    names = [f"Contract {n:02d}" for n in range(1, 28)]
    for hours, title in enumerate(names, start=1):
        add(title, closes_in=timedelta(hours=hours))
    html = page_of(client, {name: cursor})
    assert titles(html) == names[:25]
    assert link(html, "prev") is None


@pytest.mark.parametrize(
    "cursor", ["0.0", "99999999999999999.999999999999999999", "1800000000000000.1", "99999999999999999.1"]
)
@pytest.mark.parametrize("name", ["before", "after"])
@pytest.mark.parametrize("status", ["open", "closed"])
def test_a_well_formed_cursor_far_from_any_row_is_never_an_error(client, catalogue, name, cursor, status):
    html = page_of(client, {name: cursor, "status": status})
    assert set(titles(html)) <= {*OPEN_BY_CLOSING, CATERING, PRINTING}


# --- statements a page ---------------------------------------------------------------------------


def statements_for(app: Flask, client: FlaskClient, url: str, params: dict | None = None) -> list[str]:
    client.get(url, query_string=params)  # warm the caches the first request fills
    with count_queries(app) as statements:
        response = client.get(url, query_string=params)
    assert response.status_code == 200
    return statements


def test_the_list_runs_a_fixed_number_of_statements_for_one_opportunity_or_thirty_with_lots(app, client, add):
    params = {"q": "cleaning", "category": "90", "suitable": "sme"}
    add("Cleaning 00", lots=3)
    one = statements_for(app, client, URL, params)
    assert len(found(client, **params)) == 1
    for n in range(1, 30):
        add(f"Cleaning {n:02d}", lots=3, closes_in=timedelta(days=14, hours=n))
    thirty = statements_for(app, client, URL, params)
    assert len(found(client, **params)) == 25
    assert len(one) == len(thirty) == 1, thirty


def test_the_list_runs_a_fixed_number_of_statements_for_a_signed_in_member(app, client, add, member):
    add("Cleaning 00", lots=2)
    one = statements_for(app, client, URL, {"q": "cleaning"})
    for n in range(1, 30):
        add(f"Cleaning {n:02d}", lots=2)
    assert len(statements_for(app, client, URL, {"q": "cleaning"})) == len(one)


def test_an_opportunitys_page_runs_a_fixed_number_of_statements_whatever_its_lots(app, client, add, member):
    without = add("Without lots")
    with_lots = add("With lots", lots=8)
    anonymous = app.test_client()
    for reader in (anonymous, client):
        few = statements_for(app, reader, f"{URL}/{without}")
        many = statements_for(app, reader, f"{URL}/{with_lots}")
        assert len(few) == len(many), many
    assert "Lot 8" in page_of(anonymous, url=f"{URL}/{with_lots}")


# --- an opportunity's page -----------------------------------------------------------------------


def page_text(client: FlaskClient, opportunity_id: int) -> str:
    return text_of(page_of(client, url=f"{URL}/{opportunity_id}"))


@pytest.mark.parametrize(
    ("values", "shown", "not_shown"),
    [
        (
            {"value_ex_vat": Decimal("120000"), "procedure": Procedure.TENDER, "weighting": Decimal("10")},
            [
                "Social value applies: an advertised tender worth £120,000 excluding VAT, over the "
                "policy's £50,000.",
                "Social value is 10% of the total score. Make your response on this portal, as a social "
                "value offer for this opportunity.",
            ],
            ["Why the weighting", "optional"],
        ),
        (
            {"value_ex_vat": Decimal("50000.01"), "procedure": Procedure.TENDER, "weighting": Decimal("10")},
            ["Social value applies: an advertised tender worth £50,000.01 excluding VAT"],
            ["optional"],
        ),
        (
            {"value_ex_vat": Decimal("50000"), "procedure": Procedure.TENDER, "weighting": Decimal("0")},
            [
                "Social value is optional: £50,000 excluding VAT is not over the policy's £50,000.",
                "Social value is not scored for this opportunity.",
            ],
            ["Social value applies", "Why the weighting"],
        ),
        (
            {"value_ex_vat": Decimal("80000"), "procedure": Procedure.QUOTATION, "weighting": Decimal("0")},
            [
                "Social value is optional: this is not an advertised tender (the policy applies it to "
                "tenders over £50,000 excluding VAT)."
            ],
            ["Social value applies"],
        ),
        (
            {
                "value_ex_vat": Decimal("300000"),
                "procedure": Procedure.TENDER,
                "weighting": Decimal("5"),
                "weighting_reason": "One maker builds this forensic equipment.",
                "response_route": "tender_box",
            },
            [
                "Social value is 5% of the total score. Make your response in the tender box, with the "
                "rest of the bid.",
                "Why the weighting is under the usual 10%: One maker builds this forensic equipment.",
            ],
            [],
        ),
        (
            {
                "value_ex_vat": Decimal("300000"),
                "procedure": Procedure.TENDER,
                "weighting": Decimal("0"),
                "weighting_reason": "A framework fixed the evaluation.",
            },
            [
                "Social value applies",
                "Social value is not scored for this opportunity.",
                "Why the weighting is under the usual 10%: A framework fixed the evaluation.",
            ],
            [],
        ),
        (
            {"value_ex_vat": Decimal("300000"), "procedure": Procedure.TENDER, "weighting": Decimal("15")},
            ["Social value is 15% of the total score."],
            ["Why the weighting"],
        ),
    ],
)
def test_the_page_shows_the_social_value_rule_and_weighting(client, add, values, shown, not_shown):
    text = page_text(client, add("Rules", **values))
    for words in shown:
        assert words in text
    for words in not_shown:
        assert words not in text


@pytest.mark.parametrize(
    ("value", "vat", "published", "expected"),
    [
        # The threshold from 1 January 2026 is £207,720 including VAT; before it, £214,904.
        (
            "200000",
            "20",
            None,
            "Above the public procurement threshold: £240,000 including VAT, over £207,720.",
        ),
        (
            "173100",
            "20",
            None,
            "Below the public procurement threshold: £207,720 including VAT, not over £207,720.",
        ),
        (
            "207720.01",
            "0",
            None,
            "Above the public procurement threshold: £207,720.01 including VAT, over £207,720.",
        ),
        (
            "175000",
            "20",
            datetime(2026, 1, 1, tzinfo=UTC),
            "Above the public procurement threshold: £210,000 including VAT, over £207,720.",
        ),
        (
            "175000",
            "20",
            datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
            "Below the public procurement threshold: £210,000 including VAT, not over £214,904.",
        ),
    ],
)
def test_the_page_says_whether_the_value_with_vat_is_above_the_threshold_in_force_when_published(
    client, add, value, vat, published, expected
):
    values = {"value_ex_vat": Decimal(value), "vat_rate": Decimal(vat)}
    if published:
        values["published_at"] = published
    text = page_text(client, add("Threshold", **values))
    assert expected in text
    including = expected.split(": ")[1].split(" including")[0]
    assert f"{including} including VAT at {vat}%" in text


def test_the_page_shows_lots_the_category_and_how_to_bid(client, add):
    text = page_text(
        client,
        add(
            "Lots and notice",
            value_ex_vat=Decimal("90000"),
            lots=3,
            notice_url="https://www.find-tender.service.gov.uk/Notice/012345-2026",
        ),
    )
    assert "Lot Title Value, excluding VAT 1 Lot 1 £30,000 2 Lot 2 £30,000 3 Lot 3 £30,000" in text
    assert "Category Sewage, refuse, cleaning and environmental services (CPV 90000000-7)" in text
    assert "Bids are made through the notice: read the notice and bid for Lots and notice." in text
    assert "Sign in or create an account to register your organisation's interest." in text
    text = page_text(client, add("No lots", notice_url=None))
    assert "This opportunity is not divided into lots." in text
    assert "The procurement unit will invite quotes directly." in text


def test_an_unknown_opportunity_is_404(client, catalogue):
    assert client.get(f"{URL}/{max(catalogue.values()) + 1000}").status_code == 404
    assert client.get(f"{URL}/99999999999999999999").status_code == 404


@pytest.mark.parametrize(
    ("sme", "vcse", "expected"),
    [
        (True, False, "Suitable for Small and medium-sized enterprises (SMEs) Public"),
        (False, True, "Suitable for Voluntary, community and social enterprises (VCSEs) Public"),
        (
            True,
            True,
            "Suitable for Small and medium-sized enterprises (SMEs) and voluntary, community and social "
            "enterprises (VCSEs) Public",
        ),
        (False, False, "Suitable for Not marked as suited to SMEs or VCSEs Public"),
    ],
)
def test_the_page_says_whom_the_opportunity_suits(client, add, sme, vcse, expected):
    assert expected in page_text(client, add("Suits", suitable_sme=sme, suitable_vcse=vcse))
