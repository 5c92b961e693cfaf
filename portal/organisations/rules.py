"""The strategy's classification rules, as pure functions. The figures (thresholds, rates) are
passed in from the dated reference table, never written here; each result carries its inputs
and the rule it applied, because the portal shows them wherever it classifies.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from portal.enums import LabelledEnum

Figures = Mapping[str, Decimal]
# A local status (its value) in words, wherever the portal names one.
LOCAL_STATUS_WORDS = {"local": "Local", "declared": "Declared, to be verified", "not_local": "Not local"}


@dataclass(frozen=True)
class Result:
    """A classification with the words that explain it ("SME: 42 staff and turnover GBP 3.1m ...")."""

    value: object
    explanation: str

    def __bool__(self) -> bool:
        return bool(self.value)


def gbp(amount: Decimal | int) -> str:
    """Money as explanations write it: GBP 3.1m where millions say it exactly, else in full
    (GBP 44,000,000.01 must not read as GBP 44m beside a verdict that turns on the penny)."""
    amount = Decimal(amount)
    if amount >= 1_000_000 and amount % 10_000 == 0:
        return f"GBP {(amount / 1_000_000).normalize():f}m"
    return f"GBP {amount:,.2f}".removesuffix(".00")


class SizeBand(enum.StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


def classify_sme(
    staff: int | None, turnover: Decimal | None, balance_sheet: Decimal | None, figures: Figures
) -> Result:
    """Procurement Act 2023 s.123: fewer than 250 staff AND (turnover or balance sheet within its
    limit). The latest year's figures are used; the Companies Act's two-year rule is not."""
    if staff is None or (turnover is None and balance_sheet is None):
        return Result(
            None, "SME: not known until the staff headcount and turnover or balance sheet total are given"
        )
    few_enough = staff < figures["sme.staff_fewer_than"]
    turnover_ok = turnover is not None and turnover <= figures["sme.max_turnover"]
    balance_ok = balance_sheet is not None and balance_sheet <= figures["sme.max_balance_sheet"]
    is_sme = few_enough and (turnover_ok or balance_ok)
    inputs = [f"{staff:,} staff"]
    if turnover is not None:
        inputs.append(f"turnover {gbp(turnover)}")
    if balance_sheet is not None:
        inputs.append(f"balance sheet {gbp(balance_sheet)}")
    verdict = "SME" if is_sme else "not an SME"
    rule = (
        f"Procurement Act 2023 test: fewer than {int(figures['sme.staff_fewer_than']):,} staff and turnover "
        f"up to {gbp(figures['sme.max_turnover'])} or balance sheet up to {gbp(figures['sme.max_balance_sheet'])}"
    )
    return Result(is_sme, f"{verdict}: {', '.join(inputs)} ({rule})")


def size_band(
    staff: int | None, turnover: Decimal | None, balance_sheet: Decimal | None, figures: Figures
) -> Result:
    """Companies Act 2006 bands: the smallest band whose limits it meets on at least 2 of 3 tests."""
    if staff is None or turnover is None or balance_sheet is None:
        return Result(
            None, "Size band: not known until headcount, turnover and balance sheet total are given"
        )
    for band in (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM):
        met = sum(
            [
                turnover <= figures[f"size.{band}.max_turnover"],
                balance_sheet <= figures[f"size.{band}.max_balance_sheet"],
                staff <= figures[f"size.{band}.max_staff"],
            ]
        )
        if met >= 2:
            return Result(
                band, f"{band.value.capitalize()} (Companies Act 2006: meets 2 of the 3 {band.value} limits)"
            )
    return Result(SizeBand.LARGE, "Large (Companies Act 2006: over the medium limits on 2 of the 3 tests)")


def needs_modern_slavery_statement(turnover: Decimal | None, figures: Figures) -> Result:
    """Modern Slavery Act 2015 s.54: a statement is required at or over the turnover threshold."""
    threshold = figures["modern_slavery.turnover_threshold"]
    if turnover is None:
        return Result(None, "Modern slavery statement: not known until the turnover is given")
    required = turnover >= threshold
    verb = "required" if required else "not required"
    return Result(
        required,
        f"Modern slavery statement {verb}: turnover {gbp(turnover)} "
        f"(Modern Slavery Act 2015 s.54: turnover of {gbp(threshold)} or more)",
    )


class LegalForm(LabelledEnum):
    """Legal forms, named as the Central Digital Platform names them where it has a name."""

    PRIVATE_LIMITED = "private_limited_company", "Private limited company"
    PUBLIC_LIMITED = "public_limited_company", "Public limited company"
    LLP = "limited_liability_partnership", "Limited liability partnership"
    PARTNERSHIP = "partnership", "Partnership"
    SOLE_TRADER = "sole_trader", "Sole trader"
    CHARITY = "registered_charity", "Registered charity"
    CIO = "charitable_incorporated_organisation", "Charitable incorporated organisation (CIO)"
    CIC = "community_interest_company", "Community interest company (CIC)"
    COOPERATIVE = "cooperative_society", "Co-operative society"
    COMMUNITY_BENEFIT = "community_benefit_society", "Community benefit society"
    UNINCORPORATED = "unincorporated_association", "Voluntary or community group (unincorporated)"
    OTHER = "other", "Other"


# Forms that are a voluntary, community or social enterprise by what they are (Ethical
# Procurement Policy 3b); any other form is one only by declaring it (a social enterprise that
# is a company, a mutual, a voluntary or community group).
VCSE_FORMS = {
    LegalForm.CHARITY,
    LegalForm.CIO,
    LegalForm.CIC,
    LegalForm.COOPERATIVE,
    LegalForm.COMMUNITY_BENEFIT,
    LegalForm.UNINCORPORATED,
}


def classify_vcse(legal_form: LegalForm | None, declared: bool | None) -> Result:
    if legal_form is None:
        return Result(None, "VCSE: not known until the legal form is given")
    if legal_form in VCSE_FORMS:
        return Result(
            True,
            f"VCSE: its legal form ({LEGAL_FORM_NAMES[legal_form]}) is a voluntary, "
            "community or social enterprise form (Ethical Procurement Policy 3b)",
        )
    if declared:
        return Result(
            True,
            "VCSE: declared a social enterprise, mutual, or voluntary or community "
            "organisation (Ethical Procurement Policy 3b)",
        )
    return Result(False, f"Not a VCSE: {LEGAL_FORM_NAMES[legal_form].lower()}, not declared one")


LEGAL_FORM_NAMES = LegalForm.labels()
