"""The public directory: the seeded bodies, search and area filters together, the body for a
postcode, each entry's page, retired entries hidden, bad and hostile input, query counts."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.postcodes.models import Postcode
from portal.time import utcnow
from portal.voluntary.models import DirectoryEntry
from portal.voluntary.services import directory_rows
from tests.conftest import count_queries
from tests.hostile import HOSTILE_VALUES
from tests.voluntary.conftest import (
    CE_CVS,
    CHESHIRE_EAST,
    CHESHIRE_WEST,
    CWVA,
    ESCAPED_SCRIPT,
    HALTON,
    HALTON_VCA,
    SCRIPT,
    SEEDED_IN_HTML,
    ST_HELENS,
    STRATEGY,
    WARRINGTON,
    WVA,
    add_entry,
    entry_id,
    error_summary,
    field_error,
    html_of,
)

URL = "/voluntary-sector/"


def results(html: str) -> set[str]:
    """The names listed under "Organisations" (not the postcode result)."""
    listed = html.split('<h2 class="govuk-heading-m">Organisations</h2>', 1)[1]
    return set(
        re.findall(r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="[^"]+">([^<]+)</a>', listed)
    )


def postcode_result(html: str) -> str:
    match = re.search(r'<div class="govuk-inset-text" id="postcode-result">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


def bodies_in(result: str) -> set[str]:
    return set(re.findall(r'<li><a class="govuk-link" href="/voluntary-sector/\d+">([^<]+)</a>', result))


# --- the list --------------------------------------------------------------------------------


def test_the_directory_lists_the_four_bodies_with_their_areas_and_where_the_details_came_from(client):
    html = html_of(client, URL)
    assert results(html) == set(SEEDED_IN_HTML)
    assert '<h1 class="govuk-heading-l">Voluntary-sector directory</h1>' in html
    assert "Serves Halton, St Helens" in html
    assert "Serves Cheshire West and Chester" in html
    assert html.count(f"Details from {STRATEGY}; not yet checked by the procurement unit.") == 4
    assert 'href="/voluntary-sector/needs"' in html
    # Each body's contact details are in the list, as in the strategy's contact list (Appendix A).
    assert 'Phone: <a class="govuk-link" href="tel:+441744457100">01744 457100</a>' in html
    assert 'Other phone: <a class="govuk-link" href="tel:+441928592405">01928 592 405</a>' in html
    assert 'Email: <a class="govuk-link portal-break" href="mailto:info@haltonsthelensvca.org.uk">' in html
    assert (
        'Website: <a class="govuk-link portal-break" href="https://www.haltonsthelensvca.org.uk" rel="noopener noreferrer">'
        in html
    )
    # The directory is reached without signing in, as the start page's link promises.
    assert 'href="/voluntary-sector/"' in html_of(client, "/")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("warrington", {WVA}),
        ("WARRINGTON VOLUNTARY", {WVA}),
        ("cvs", {CE_CVS}),
        ("Voluntary Action", {CWVA, WVA}),
        ("st helens", {HALTON_VCA}),  # in the name, and in what it brokers
        ("volunteer opportunities", set(SEEDED_IN_HTML)),  # what each brokers
        ("  halton  ", {HALTON_VCA}),
        ("%", set()),  # a wildcard is a character like any other
        ("_", set()),
        ("nothing like it", set()),
    ],
)
def test_search_by_name_or_keyword(client, q, expected):
    html = html_of(client, URL, query_string={"q": q})
    assert results(html) == expected
    if not expected:
        assert "No organisations match your search." in html


def test_the_keyword_search_reads_the_trigram_indexes_on_postgresql(app, client, database_kind):
    """A keyword anywhere in a name or in what an entry brokers: PostgreSQL finds the entries
    that may hold a rare word from each column's trigram index, not by reading all 5,000."""
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's trigram indexes (SQLite reads every entry)")
    query, values = directory_rows("lifeboats", "")  # a word no entry holds
    with app.app_context():
        connection = db.session.connection()
        connection.exec_driver_sql(
            "INSERT INTO directory_entries (name, brokers, phones, source, created_at) "
            "SELECT (ARRAY['Chester', 'Crewe', 'Widnes', 'Runcorn', 'Northwich'])[1 + mod(g, 5)] || ' ' "
            "|| (ARRAY['Youth', 'Arts', 'Sports', 'Food', 'Care', 'Advice', 'Green'])[1 + mod(g, 7)] || ' Network ' || g, "
            "'Volunteering in ' || (ARRAY['gardens', 'schools', 'sport', 'music'])[1 + mod(g, 4)] || ' projects.', "
            "'[]', 'test', now() "
            "FROM generate_series(1, 5000) AS g"
        )
        for index in ("ix_directory_entries_name_trigrams", "ix_directory_entries_brokers_trigrams"):
            # New rows wait in a GIN index's pending list until a vacuum, as a day's would.
            connection.exec_driver_sql(f"SELECT gin_clean_pending_list('{index}'::regclass)")
        connection.exec_driver_sql("ANALYZE directory_entries")
        statement = query.compile(dialect=connection.dialect)
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute(f"EXPLAIN {statement}", {**statement.params, **values})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ix_directory_entries_name_trigrams" in plan
    assert "ix_directory_entries_brokers_trigrams" in plan


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (CHESHIRE_EAST, {CE_CVS}),
        (CHESHIRE_WEST, {CWVA}),
        (HALTON, {HALTON_VCA}),
        (WARRINGTON, {WVA}),
        (ST_HELENS, {HALTON_VCA}),
        ("", set(SEEDED_IN_HTML)),
    ],
)
def test_filter_by_area_served(client, area, expected):
    html = html_of(client, URL, query_string={"area": area})
    assert results(html) == expected
    assert "govuk-error-summary" not in html


@pytest.mark.parametrize(
    ("q", "area", "expected"),
    [
        ("voluntary action", WARRINGTON, {WVA}),
        ("voluntary action", CHESHIRE_WEST, {CWVA}),
        ("voluntary action", CHESHIRE_EAST, set()),
        ("voluntary action", ST_HELENS, set()),
        ("community", ST_HELENS, {HALTON_VCA}),
        ("cheshire", CHESHIRE_EAST, {CE_CVS}),
        ("cheshire", HALTON, set()),
    ],
)
def test_search_and_area_filter_together(client, q, area, expected):
    html = html_of(client, URL, query_string={"q": q, "area": area})
    assert results(html) == expected
    # The choices stay in the form.
    assert f'value="{q}"' in html
    assert re.search(rf'<option value="{area}"\s+selected', html)


def test_an_unknown_area_or_an_overlong_search_is_shown_as_an_error_and_ignored(client):
    html = html_of(client, URL, query_string={"area": "E99999999", "q": "warrington"})
    assert "Not a valid choice" in error_summary(html)
    assert results(html) == set(SEEDED_IN_HTML)
    html = html_of(client, URL, query_string={"q": "a" * 101})
    assert "Name or keyword must be 100 characters or fewer" in error_summary(html)
    assert "Name or keyword must be 100 characters or fewer" in field_error(html, "q")
    assert results(html) == set(SEEDED_IN_HTML)


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_search_and_postcode_never_cause_an_error(client, name):
    value = HOSTILE_VALUES[name]
    for params in ({"q": value}, {"area": value}, {"postcode": value}, {"before": value}, {"after": value}):
        response = client.get(URL, query_string=params)
        assert response.status_code == 200, params
        html = response.get_data(as_text=True)
        assert SCRIPT not in html


def test_a_page_cursor_of_superscript_digits_is_ignored(client):
    assert client.get(URL, query_string={"before": "²"}).status_code == 200


# --- the body for a postcode ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "expected", "explained"),
    [
        ("CW1 2AB", {CE_CVS}, "CW1 2AB is in Cheshire East"),  # an inside district, Cheshire East
        ("cw72ua", {CWVA}, "CW7 2UA is in Cheshire West and Chester"),  # any spacing or case
        ("WA1 1AA", {WVA}, "WA1 1AA is in Warrington"),
        # Halton has no district wholly its own in the table: WA8 is Halton's, not confirmed inside.
        (
            "WA8 7AA",
            {HALTON_VCA},
            "WA8 7AA may be in Halton: postcode district WA8 is not confirmed to lie wholly inside "
            "the force area (postcode district table).",
        ),
        # A district straddling the force area's boundary: the body for its authority, with a caution.
        (
            "CW12 1AA",
            {CE_CVS},
            "CW12 1AA may be in Cheshire East: postcode district CW12 is not confirmed to lie wholly "
            "inside the force area (postcode district table).",
        ),
    ],
)
def test_a_postcode_in_each_authority_finds_its_body(client, postcode, expected, explained):
    html = html_of(client, URL, query_string={"postcode": postcode})
    result = postcode_result(html)
    assert bodies_in(result) == expected
    assert explained in result
    assert "could be in" not in result
    assert "say which council area" not in result  # the supplier's question, not asked here
    assert "govuk-error-summary" not in html
    assert f'value="{postcode}"' in html  # what was typed stays in the box
    # The list below still shows every body.
    assert results(html) == set(SEEDED_IN_HTML)


def test_a_postcode_the_imported_directory_places_in_halton_finds_the_halton_body(app, client):
    with app.app_context():
        db.session.add(Postcode(postcode="WA7 1AB", authority=HALTON))
        db.session.commit()
    result = postcode_result(html_of(client, URL, query_string={"postcode": "WA7 1AB"}))
    assert bodies_in(result) == {HALTON_VCA}
    assert "WA7 1AB is in Halton (ONS Postcode Directory" in result


@pytest.mark.parametrize(
    ("postcode", "expected", "authorities"),
    [
        ("CW4 7AA", {CE_CVS, CWVA}, "Cheshire East or Cheshire West and Chester"),
        ("WA4 1AA", {WVA, HALTON_VCA}, "Warrington or Halton"),
        ("WA7 2AA", {HALTON_VCA, CWVA}, "Halton or Cheshire West and Chester"),  # unconfirmed
    ],
)
def test_a_postcode_that_could_be_in_two_authorities_shows_the_bodies_of_both(
    client, postcode, expected, authorities
):
    result = postcode_result(html_of(client, URL, query_string={"postcode": postcode}))
    assert bodies_in(result) == expected
    assert f"It could be in {authorities}: the bodies for each are below." in result


@pytest.mark.parametrize("postcode", ["M1 1AA", "SW1A 1AA", "LL11 1AA"])
def test_a_postcode_outside_the_force_area_says_so(client, postcode):
    html = html_of(client, URL, query_string={"postcode": postcode})
    result = postcode_result(html)
    assert f"{postcode} is outside the force area" in result
    assert "That postcode is outside the force area" in result
    assert bodies_in(result) == set()
    assert "govuk-error-summary" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a postcode"),
        ("   ", "Enter a postcode"),
        ("hello", "Enter a real postcode, like CW7 2UA"),
        ("CW7", "Enter a real postcode, like CW7 2UA"),
        ("CW7 2UA CW7 2UA", "Enter a real postcode, like CW7 2UA"),  # over 10 characters
        ("CW7\n2UA", "Postcode must not contain special characters such as line breaks"),
    ],
)
def test_text_that_is_not_a_postcode_gets_a_clear_message(client, typed, message):
    html = html_of(client, URL, query_string={"postcode": typed})
    assert message in error_summary(html)
    assert 'href="#postcode"' in error_summary(html)
    assert message in field_error(html, "postcode")
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: Voluntary-sector directory" in html
    assert postcode_result(html) == ""
    assert results(html) == set(SEEDED_IN_HTML)


def test_a_postcode_in_an_area_no_body_serves_says_so(app, client):
    with app.app_context():
        retired = db.session.get(DirectoryEntry, entry_id("Warrington Voluntary Action"))
        retired.retired_at = utcnow()
        db.session.commit()
    result = postcode_result(html_of(client, URL, query_string={"postcode": "WA1 1AA"}))
    assert bodies_in(result) == set()
    assert "No body in the directory covers that area yet." in result


# --- an entry's page -----------------------------------------------------------------------


def test_an_entry_has_its_own_page_with_tel_and_mailto_links(app, client):
    with app.app_context():
        halton = entry_id("Halton & St Helens Voluntary and Community Action")
    html = html_of(client, f"/voluntary-sector/{halton}")
    assert f'<h1 class="govuk-heading-l">{HALTON_VCA}</h1>' in html
    assert '<a class="govuk-link" href="tel:+441744457100">01744 457100</a>' in html
    assert '<a class="govuk-link" href="tel:+441928592405">01928 592 405</a>' in html
    assert 'href="mailto:info@haltonsthelensvca.org.uk"' in html
    assert 'href="https://www.haltonsthelensvca.org.uk" rel="noopener noreferrer"' in html
    assert "Halton, St Helens" in html
    assert "not yet checked by the procurement unit" in html
    assert "For officers" not in html and "/officer/" not in html
    # Each listed body links to its page.
    assert f'href="/voluntary-sector/{halton}"' in html_of(client, URL)


def test_a_phone_number_that_is_not_a_uk_number_is_shown_without_a_link(app, client):
    with app.app_context():
        odd = add_entry("Odd Numbers", [ST_HELENS], phones=["ask at reception", "+44 (0)1244 401272"])
    html = html_of(client, f"/voluntary-sector/{odd}")
    assert "ask at reception" in html and 'href="tel:ask' not in html
    assert 'href="tel:+441244401272">+44 (0)1244 401272</a>' in html


def test_markup_in_an_entry_is_shown_as_text(app, client):
    with app.app_context():
        hostile = add_entry(
            SCRIPT,
            [CHESHIRE_EAST],
            brokers=f"Brokers {SCRIPT}",
            source=SCRIPT,
            email='"><b>x</b>@example.com',
        )
    for html in (
        html_of(client, f"/voluntary-sector/{hostile}"),
        html_of(client, URL, query_string={"q": "script"}),
    ):
        assert SCRIPT not in html
        assert ESCAPED_SCRIPT in html
        assert "<b>x</b>" not in html


def test_an_unknown_entry_is_not_found(client):
    assert client.get("/voluntary-sector/999999").status_code == 404
    assert client.get("/voluntary-sector/not-a-number").status_code == 404


def test_a_retired_entry_is_hidden_from_the_public_but_kept(app, client, supplier_client, officer_client):
    with app.app_context():
        cvs = entry_id(CE_CVS)
        db.session.get(DirectoryEntry, cvs).retired_at = utcnow()
        db.session.commit()
    assert results(html_of(client, URL)) == set(SEEDED_IN_HTML) - {CE_CVS}
    assert results(html_of(client, URL, query_string={"q": "cvs"})) == set()
    assert results(html_of(client, URL, query_string={"area": CHESHIRE_EAST})) == set()
    assert bodies_in(postcode_result(html_of(client, URL, query_string={"postcode": "CW1 2AB"}))) == set()
    assert client.get(f"/voluntary-sector/{cvs}").status_code == 404
    assert supplier_client.get(f"/voluntary-sector/{cvs}").status_code == 404
    # An officer still reads it, marked as retired.
    html = html_of(officer_client, f"/voluntary-sector/{cvs}")
    assert "Retired" in html and "Hidden from the public since" in html


# --- pagination and query counts -------------------------------------------------------------


def add_bodies(app, count: int, start: int = 0) -> None:
    with app.app_context():
        for n in range(start, start + count):
            add_entry(f"Bulk Body {n:02d}", [CHESHIRE_EAST, ST_HELENS], phones=["01270 000000"])


def test_the_list_is_paginated_newest_first(app, client):
    add_bodies(app, 30)
    first = html_of(client, URL)
    assert len(results(first)) == 25
    assert "Bulk Body 29" in first and "Bulk Body 05" in first and "Bulk Body 04" not in first
    older = re.search(r'href="(/voluntary-sector/\?before=\d+)" rel="next"', first).group(1)
    second = html_of(client, older)
    assert results(second) == {f"Bulk Body {n:02d}" for n in range(5)} | set(SEEDED_IN_HTML)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # The filters are kept from page to page.
    filtered = html_of(client, URL, query_string={"area": ST_HELENS})
    assert re.search(rf'href="/voluntary-sector/\?before=\d+&amp;area={ST_HELENS}"', filtered)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "body", "area": CHESHIRE_EAST}, {"postcode": "CW1 2AB"}, {"postcode": "CW4 7AA"}],
)
def test_the_directory_runs_the_same_number_of_queries_for_1_or_30_bodies(app, client, params):
    add_bodies(app, 1)
    client.get(URL)  # anything done once per process is done
    with count_queries(app) as few:
        assert client.get(URL, query_string=params).status_code == 200
    add_bodies(app, 29, start=1)
    with count_queries(app) as many:
        html = html_of(client, URL, query_string=params)
    assert "Bulk Body 29" in html
    # The page of bodies and their areas; for a postcode, the look-up and its bodies' areas too.
    assert len(many) == len(few) <= (5 if "postcode" in params else 3), many
    assert not any("count(" in statement.lower() for statement in many)


def test_an_entry_page_runs_a_fixed_number_of_queries(app, client):
    with app.app_context():
        cvs = entry_id(CE_CVS)
    with count_queries(app) as statements:
        client.get(f"/voluntary-sector/{cvs}")
    assert len(statements) <= 3, statements
