"""The classification rules at and around every boundary, with the figures from data/."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from portal.organisations.rules import (
    LegalForm,
    Premises,
    SizeBand,
    classify_local,
    classify_sme,
    classify_vcse,
    needs_modern_slavery_statement,
    size_band,
)
from portal.postcodes.lookup import PostcodeAnswer

M = Decimal(1_000_000)


@pytest.fixture(scope="module")
def figures():
    """The figures in force today, straight from the shipped data file (newest row per key)."""
    with open(Path(__file__).parents[2] / "data" / "reference-figures.csv") as file:
        rows = list(csv.DictReader(file))
    newest: dict[str, tuple[str, Decimal]] = {}
    for row in rows:
        if row["key"] not in newest or row["effective_from"] > newest[row["key"]][0]:
            newest[row["key"]] = (row["effective_from"], Decimal(row["value"]))
    return {key: value for key, (_, value) in newest.items()}


@pytest.mark.parametrize(
    ("staff", "turnover", "balance", "is_sme"),
    [
        (249, 44 * M, None, True),
        (250, 44 * M, None, False),  # "medium" under the Companies Act, not an SME under the Act
        (249, 44 * M + Decimal("0.01"), None, False),
        (249, 44 * M + Decimal("0.01"), 38 * M, True),  # the balance sheet test rescues it
        (249, 44 * M + Decimal("0.01"), 38 * M + Decimal("0.01"), False),
        (249, None, 38 * M, True),
        (0, Decimal(0), None, True),
        (10_000, Decimal(1), Decimal(1), False),
    ],
)
def test_sme_by_the_procurement_act_test(figures, staff, turnover, balance, is_sme):
    result = classify_sme(staff, turnover, balance, figures)
    assert result.value is is_sme
    assert "Procurement Act 2023 test" in result.explanation
    assert f"{staff:,} staff" in result.explanation


def test_sme_explains_its_inputs_in_plain_words(figures):
    result = classify_sme(42, Decimal("3100000"), None, figures)
    assert result.explanation.startswith("SME: 42 staff, turnover £3.1m (Procurement Act 2023 test")


@pytest.mark.parametrize(("staff", "turnover", "balance"), [(None, M, M), (10, None, None)])
def test_sme_is_unknown_without_its_inputs(figures, staff, turnover, balance):
    assert classify_sme(staff, turnover, balance, figures).value is None


@pytest.mark.parametrize(
    ("staff", "turnover", "balance", "band"),
    [
        (10, 1 * M, Decimal(500_000), SizeBand.MICRO),
        (11, 1 * M, Decimal(500_000), SizeBand.MICRO),  # 2 of 3
        (11, 1 * M + 1, Decimal(500_000), SizeBand.SMALL),
        (50, 15 * M, Decimal(7_500_000), SizeBand.SMALL),
        (51, 15 * M + 1, Decimal(7_500_000), SizeBand.MEDIUM),
        (250, 54 * M, 27 * M, SizeBand.MEDIUM),
        (251, 54 * M + 1, 27 * M, SizeBand.LARGE),
        (251, 54 * M, 28 * M, SizeBand.LARGE),
    ],
)
def test_size_band_by_the_companies_act_two_of_three_tests(figures, staff, turnover, balance, band):
    assert size_band(staff, turnover, balance, figures).value == band


@pytest.mark.parametrize(
    ("staff", "turnover", "band"),
    [
        (1, Decimal(0), SizeBand.MICRO),
        (10, 1 * M, SizeBand.MICRO),  # both at the micro limits
        (11, 1 * M, SizeBand.SMALL),  # the headcount over them: the balance sheet would decide
        (10, 1 * M + 1, SizeBand.SMALL),
        (50, 15 * M, SizeBand.SMALL),
        (51, 15 * M, SizeBand.MEDIUM),
        (250, 54 * M, SizeBand.MEDIUM),
        (251, 54 * M + 1, SizeBand.LARGE),  # both over the medium limits
        (251, 54 * M, None),  # either side of them: not known without the balance sheet
        (250, 54 * M + 1, None),
    ],
)
def test_size_band_without_a_balance_sheet_from_the_headcount_and_turnover(figures, staff, turnover, band):
    result = size_band(staff, turnover, None, figures)
    assert result.value == band
    if band in (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM):
        assert result.explanation.endswith("2 of the 3 tests; no balance sheet given)")
    elif band is None:
        assert "not known without the balance sheet total" in result.explanation


def test_size_band_needs_the_headcount_and_turnover(figures):
    for staff, turnover in ((None, M), (5, None)):
        result = size_band(staff, turnover, Decimal(1), figures)
        assert result.value is None and "headcount and turnover" in result.explanation


@pytest.mark.parametrize(
    ("turnover", "required"),
    [(36 * M - Decimal("0.01"), False), (36 * M, True), (36 * M + 1, True), (Decimal(0), False)],
)
def test_modern_slavery_statement_from_36m_turnover(figures, turnover, required):
    result = needs_modern_slavery_statement(turnover, figures)
    assert result.value is required
    assert "£36m" in result.explanation


@pytest.mark.parametrize(
    ("form", "declared", "is_vcse"),
    [
        (LegalForm.CHARITY, None, True),
        (LegalForm.CIO, False, True),
        (LegalForm.CIC, None, True),
        (LegalForm.COOPERATIVE, None, True),
        (LegalForm.COMMUNITY_BENEFIT, None, True),
        (LegalForm.UNINCORPORATED, None, True),
        (LegalForm.PRIVATE_LIMITED, False, False),
        (LegalForm.PRIVATE_LIMITED, True, True),  # a social enterprise that is a company
        (LegalForm.SOLE_TRADER, None, False),
    ],
)
def test_vcse_from_the_legal_form_and_the_declaration(form, declared, is_vcse):
    assert classify_vcse(form, declared).value is is_vcse


def test_vcse_is_unknown_without_a_legal_form():
    assert classify_vcse(None, True).value is None


def premises(what: str, postcode: str, status: str, declared: str | None = None) -> Premises:
    answer = PostcodeAnswer(postcode, status, f"{postcode} looked up.")
    return Premises(what, postcode, answer, declared)


LOCAL = premises("Depot", "CW7 2UA", "local")
OUTSIDE = premises("the registered address", "M1 1AE", "outside")
ASKED = premises("Office", "CW12 1AA", "ask")
DECLARED = premises("Shop", "CW12 1AB", "ask", declared="E06000049")
DECLARED_OUTSIDE = premises("Yard", "CW12 1AC", "ask", declared="outside")


@pytest.mark.parametrize(
    ("found", "value", "explanation"),
    [
        ([OUTSIDE, ASKED, LOCAL], "local", "Local: Depot is in the force area. CW7 2UA looked up."),
        (
            [OUTSIDE, ASKED, DECLARED],
            None,
            "Local: not known until you say which council area Office (CW12 1AA) is in.",
        ),
        (
            [OUTSIDE, DECLARED, DECLARED_OUTSIDE],
            "declared",
            "Declared local, to be verified: you say Shop (CW12 1AB) is in Cheshire East, which its "
            "postcode cannot confirm.",
        ),
        (
            [OUTSIDE, DECLARED_OUTSIDE],
            "not_local",
            "Not local: no premises in the force area (Cheshire East, Cheshire West and Chester, Halton, "
            "Warrington); postcodes M1 1AE, CW12 1AC.",
        ),
    ],
)
def test_local_from_the_premises_in_order_local_unknown_declared_not_local(found, value, explanation):
    result = classify_local(found)
    assert (result.value, result.explanation) == (value, explanation)


def test_local_has_no_result_without_premises():
    assert classify_local([]) is None
