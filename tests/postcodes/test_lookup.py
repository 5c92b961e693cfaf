"""The postcode lookup: the directory first, then the district table; one query either way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.postcodes import FORCE_AREA_AUTHORITIES, PostcodeAnswer, lookup_postcode, normalise_postcode
from portal.postcodes.models import Postcode, PostcodeDistrict, PostcodeImport
from portal.postcodes.seed import seed_postcode_districts
from tests.conftest import count_queries
from tests.hostile import HOSTILE_VALUES

CE, CWAC, HALTON, WARRINGTON = "E06000049", "E06000050", "E06000006", "E06000007"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CW7 2UA", "CW7 2UA"),
        ("  cw7 2ua ", "CW7 2UA"),
        ("CW72UA", "CW7 2UA"),
        ("cw72ua", "CW7 2UA"),
        ("cw7\t2ua\n", "CW7 2UA"),
        ("c w 7 2 u a", "CW7 2UA"),
        ("M11AE", "M1 1AE"),
        ("m1  1ae", "M1 1AE"),
        ("CW102AB", "CW10 2AB"),
        ("sw1a2aa", "SW1A 2AA"),
        ("W1A 0AX", "W1A 0AX"),
        ("EH11YZ", "EH1 1YZ"),
    ],
)
def test_normalise_accepts_any_spacing_and_case(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ABC",
        "12345",
        "CW7",
        "CW7 2U",
        "CW7 2UAA",
        "7CW 2UA",
        "CW7 AUA",
        "CWW7 2UA",
        "CW7-2UA",
        "CW7 2ÜA",
        "CW7 2Uı",  # dotless i, which upper() would turn into I
        "CW7\x002UA",
        "C" * 20_000,
        *HOSTILE_VALUES.values(),
    ],
)
def test_normalise_refuses_what_is_not_a_postcode_without_error(text):
    assert normalise_postcode(text) is None


def test_normalise_refuses_what_is_not_text():
    assert normalise_postcode(None) is None  # type: ignore[arg-type]
    assert normalise_postcode(12345) is None  # type: ignore[arg-type]


@pytest.fixture
def districts(app, transaction):
    """The shipped district table (`flask seed` loads it into the tests' database), and no directory."""
    with app.app_context():
        seed_postcode_districts()
        db.session.commit()


@pytest.fixture
def directory(app, districts):
    """A few directory rows over the district table, imported on 27 November 2026."""
    with app.app_context():
        db.session.add_all(
            [
                Postcode(postcode="CW7 2UA", authority=CWAC),
                Postcode(postcode="WA7 1TD", authority=HALTON),
                Postcode(postcode="CH1 4JG", authority=CWAC),
                Postcode(postcode="CH1 6ZX", authority="W06000005"),
                Postcode(postcode="SK12 9QX", authority="E07000037"),
                Postcode(postcode="M1 1AE", authority="E08000003"),
            ]
        )
        moment = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
        db.session.add(
            PostcodeImport(
                file_name="ONSPD_NOV_2026_UK.csv",
                file_format="ONSPD",
                row_count=6,
                terminated_count=0,
                rejected_count=0,
                started_at=moment,
                imported_at=moment,
            )
        )
        db.session.commit()


def ask(app, text: str) -> PostcodeAnswer:
    with app.app_context():
        return lookup_postcode(text)


def test_the_four_force_area_authorities():
    assert FORCE_AREA_AUTHORITIES == {
        CE: "Cheshire East",
        CWAC: "Cheshire West and Chester",
        HALTON: "Halton",
        WARRINGTON: "Warrington",
    }


# --- from the district table -----------------------------------------------------------------


def test_a_district_inside_with_one_authority_is_local(app, districts):
    answer = ask(app, "cw7 1aa")
    assert answer == PostcodeAnswer(
        postcode="CW7 1AA",
        status="local",
        authorities=((CWAC, "Cheshire West and Chester"),),
        source="postcode district table",
        explanation=(
            "CW7 1AA is in Cheshire West and Chester: postcode district CW7 lies wholly inside the "
            "force area (postcode district table)."
        ),
    )
    assert answer.district == "CW7"


def test_a_district_inside_with_two_authorities_is_local_and_names_both(app, districts):
    answer = ask(app, "CW4 7AA")
    assert answer.status == "local"
    assert answer.authorities == ((CE, "Cheshire East"), (CWAC, "Cheshire West and Chester"))
    assert answer.explanation.startswith("CW4 7AA is in Cheshire East or Cheshire West and Chester:")
    # The table's order is kept: CW9 is mostly Cheshire West and Chester.
    assert ask(app, "CW9 1AA").authorities[0] == (CWAC, "Cheshire West and Chester")


def test_an_unconfirmed_district_asks_which_council_area(app, districts):
    answer = ask(app, "WA7 2AA")
    assert answer.status == "ask"
    assert answer.authorities == ((HALTON, "Halton"), (CWAC, "Cheshire West and Chester"))
    assert answer.source == "postcode district table"
    assert "not confirmed" in answer.explanation
    assert "say which council area the premises are in" in answer.explanation


def test_a_district_partly_inside_asks_which_council_area(app, districts):
    answer = ask(app, "CH1 2AA")
    assert answer.status == "ask"
    assert answer.authorities == ((CWAC, "Cheshire West and Chester"),)
    assert answer.explanation == (
        "CH1 straddles the force area's boundary: say which council area the premises are in "
        "(postcode district table)."
    )


def test_a_district_not_in_the_table_is_outside(app, districts):
    answer = ask(app, "M1 1AE")
    assert answer.status == "outside"
    assert answer.authorities == ()
    assert answer.source == "postcode district table"
    assert "postcode district M1 is not one of the force area's" in answer.explanation


def test_with_no_table_and_no_directory_every_postcode_is_outside(app, transaction):
    with app.app_context():
        db.session.execute(sa.delete(PostcodeDistrict))
        db.session.commit()
    assert ask(app, "CW7 2UA").status == "outside"


# --- from the directory ----------------------------------------------------------------------


def test_a_directory_hit_on_a_force_area_authority_is_local(app, directory):
    answer = ask(app, "CW72UA")
    assert answer == PostcodeAnswer(
        postcode="CW7 2UA",
        status="local",
        authorities=((CWAC, "Cheshire West and Chester"),),
        source="ONS Postcode Directory",
        explanation="CW7 2UA is in Cheshire West and Chester (ONS Postcode Directory, imported 27 November 2026).",
    )


def test_the_directory_settles_districts_that_would_ask(app, directory):
    runcorn = ask(app, "WA7 1TD")  # WA7 is unconfirmed in the table
    assert (runcorn.status, runcorn.authorities) == ("local", ((HALTON, "Halton"),))
    chester = ask(app, "CH1 4JG")  # CH1 straddles the boundary
    assert (chester.status, chester.source) == ("local", "ONS Postcode Directory")
    flintshire = ask(app, "CH1 6ZX")
    assert (flintshire.status, flintshire.source) == ("outside", "ONS Postcode Directory")


def test_a_directory_hit_outside_overrides_an_inside_district(app, directory):
    answer = ask(app, "SK12 9QX")  # SK12 is inside in the table; the directory knows better
    assert answer.status == "outside"
    assert answer.authorities == ()
    assert answer.source == "ONS Postcode Directory"
    assert answer.explanation == (
        "SK12 9QX is outside the force area: it is in local authority E07000037 "
        "(ONS Postcode Directory, imported 27 November 2026)."
    )


def test_a_postcode_the_directory_lacks_falls_back_to_its_district(app, directory):
    answer = ask(app, "CW7 2UB")
    assert (answer.status, answer.source) == ("local", "postcode district table")
    assert answer.explanation.endswith(
        "(postcode district table; CW7 2UB is not in the ONS Postcode Directory, imported 27 November 2026)."
    )
    assert ask(app, "CH1 2AA").status == "ask"
    assert ask(app, "LL11 9ZZ").status == "outside"


def test_the_newest_import_dates_the_answer(app, directory):
    with app.app_context():
        moment = datetime(2027, 2, 1, 0, 30, tzinfo=UTC)
        db.session.add(
            PostcodeImport(
                file_name="ONSPD_FEB_2027_UK.csv",
                file_format="ONSPD",
                row_count=6,
                terminated_count=0,
                rejected_count=0,
                started_at=moment,
                imported_at=moment,
            )
        )
        db.session.commit()
    assert ask(app, "CW7 2UA").explanation.endswith("(ONS Postcode Directory, imported 1 February 2027).")


# --- refusals and cost -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ABC", "12345", "C" * 20_000, "CW7\x002UA", "", *HOSTILE_VALUES.values()])
def test_text_that_is_not_a_postcode_asks_without_a_query(app, districts, text):
    with count_queries(app) as statements:
        answer = ask(app, text)
    assert answer == PostcodeAnswer(
        postcode=None,
        status="ask",
        authorities=(),
        source=None,
        explanation="That is not a UK postcode: say which council area the premises are in.",
    )
    assert statements == []


@pytest.mark.parametrize("text", ["CW7 2UA", "CW7 2UB", "CH1 2AA", "M1 1AE", "ZZ9 9ZZ"])
def test_a_lookup_is_one_query(app, directory, text):
    with count_queries(app) as statements:
        ask(app, text)
    assert len(statements) == 1, statements


def test_the_answer_is_frozen(app, districts):
    answer = ask(app, "CW7 1AA")
    with pytest.raises(AttributeError):
        answer.status = "outside"  # type: ignore[misc]
