"""The strategy's rules for an opportunity, at their boundaries, with the figures from the
reference table (never written into the rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.opportunities import rules
from portal.opportunities.models import Procedure
from portal.reference.figures import figures_on

FIGURES = {
    "social_value.min_value_ex_vat": Decimal(50000),
    "social_value.default_weighting": Decimal(10),
    "procurement.threshold_sub_central_goods_services": Decimal(207720),
}


@pytest.mark.parametrize(
    ("value", "procedure", "applies"),
    [
        ("50000", Procedure.TENDER, False),
        ("50000.01", Procedure.TENDER, True),
        ("1000000", Procedure.TENDER, True),
        ("50000.01", Procedure.QUOTATION, False),
        ("1000000", Procedure.QUOTATION, False),
        ("1000000", Procedure.CALL_OFF, False),
        ("0", Procedure.TENDER, False),
    ],
)
def test_social_value_applies_to_advertised_tenders_over_the_figure(value, procedure, applies):
    ruling = rules.social_value_required(Decimal(value), procedure, FIGURES)
    assert ruling.applies is applies
    assert ruling.explanation.startswith("Social value applies") is applies
    assert "£50,000" in ruling.explanation


def test_the_explanation_shows_the_value_it_read():
    ruling = rules.social_value_required(Decimal("50000.01"), Procedure.TENDER, FIGURES)
    assert ruling.explanation == (
        "Social value applies: an advertised tender worth £50,000.01 excluding VAT, over the policy's £50,000."
    )


def test_the_rules_read_the_figures_they_are_given():
    raised = {**FIGURES, "social_value.min_value_ex_vat": Decimal(100000)}
    assert rules.social_value_required(Decimal(75000), Procedure.TENDER, FIGURES).applies
    assert not rules.social_value_required(Decimal(75000), Procedure.TENDER, raised).applies


@pytest.mark.parametrize(
    ("value", "procedure", "weighting"),
    [
        ("50000.01", Procedure.TENDER, "10"),
        ("50000", Procedure.TENDER, "0"),
        ("900000", Procedure.QUOTATION, "0"),
    ],
)
def test_the_default_weighting(value, procedure, weighting):
    assert rules.default_weighting(Decimal(value), procedure, FIGURES) == Decimal(weighting)


@pytest.mark.parametrize(
    ("weighting", "value", "procedure", "needs"),
    [
        ("9.99", "60000", Procedure.TENDER, True),
        ("0", "60000", Procedure.TENDER, True),
        ("10", "60000", Procedure.TENDER, False),
        ("25", "60000", Procedure.TENDER, False),
        ("0", "50000", Procedure.TENDER, False),  # optional there: no default to lower
        ("0", "60000", Procedure.QUOTATION, False),
    ],
)
def test_lowering_the_weighting_where_social_value_applies_needs_a_reason(weighting, value, procedure, needs):
    assert rules.weighting_needs_reason(Decimal(weighting), Decimal(value), procedure, FIGURES) is needs


@pytest.mark.parametrize(
    ("value_ex_vat", "rate", "including"),
    [
        ("100", "20", "120.00"),
        ("173100", "20", "207720.00"),
        ("0.05", "20", "0.06"),
        ("1000", "0", "1000.00"),
    ],
)
def test_value_including_vat(value_ex_vat, rate, including):
    assert rules.value_including_vat(Decimal(value_ex_vat), Decimal(rate)) == Decimal(including)


def test_the_threshold_reads_the_value_including_vat():
    # £173,100 + 20% VAT is exactly the threshold: not above it; a penny more is.
    assert not rules.above_threshold(Decimal("173100"), Decimal(20), FIGURES).applies
    above = rules.above_threshold(Decimal("173100.01"), Decimal(20), FIGURES)
    assert above.applies
    assert above.explanation == (
        "Above the public procurement threshold: £207,720.01 including VAT, over £207,720."
    )
    # Excluding VAT it would be far below: the rule never reads that figure.
    assert rules.above_threshold(Decimal("207000"), Decimal(20), FIGURES).applies


def test_the_threshold_in_force_on_its_effective_date(app, transaction):
    """The seeded figures: £214,904 until 31 December 2025, £207,720 from 1 January 2026."""
    value = Decimal("175000")  # £210,000 including VAT: between the two thresholds
    with app.app_context():
        before = figures_on(date(2025, 12, 31))
        after = figures_on(date(2026, 1, 1))
    assert before["procurement.threshold_sub_central_goods_services"] == Decimal(214904)
    assert not rules.above_threshold(value, Decimal(20), before).applies
    assert rules.above_threshold(value, Decimal(20), after).applies
