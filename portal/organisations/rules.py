"""The strategy's classification rules, as pure functions. The figures (thresholds, rates) are
passed in from the dated reference table, never written here; each result carries its inputs
and the rule it applied, because the portal shows them wherever it classifies.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.enums import LabelledEnum
from portal.formats import money
from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES, PostcodeAnswer

Figures = Mapping[str, Decimal]
# A local status (its value) in words, wherever the portal names one.
LOCAL_STATUS_WORDS = {"local": "Local", "declared": "Declared, to be verified", "not_local": "Not local"}
FORCE_AREA = ", ".join(sorted(FORCE_AREA_AUTHORITIES.values()))


@dataclass(frozen=True)
class Result:
    """A classification with the words that explain it ("SME: 42 staff and turnover £3.1m ...")."""

    value: object
    explanation: str

    def __bool__(self) -> bool:
        return bool(self.value)


@dataclass(frozen=True)
class Premises:
    """One of an organisation's premises as the local rule reads it."""

    what: str  # "the registered address", or a site's label
    postcode: str
    answer: PostcodeAnswer  # what the postcode look-up made of it
    declared_authority: str | None  # the council area the supplier says it is in, where asked

    @property
    def needs_council_area(self) -> bool:
        """Its postcode cannot tell, and the supplier has not said which council area it is in."""
        return self.answer.status == "ask" and self.declared_authority is None

    @property
    def declared_in(self) -> str | None:
        """The force-area council the supplier says it is in, where its postcode cannot tell."""
        return FORCE_AREA_AUTHORITIES.get(self.declared_authority) if self.answer.status == "ask" else None


def classify_local(premises: Sequence[Premises]) -> Result | None:
    """Local if any premises is in the force area by its postcode. Otherwise not known while a
    premises whose postcode cannot tell has no answer to "which council area?"; declared (to be
    verified) if the supplier says one is in the force area; not local if none is. The value is
    a local status's ("local", "declared", "not_local") or None; no premises, no result."""
    for rule in (_local, _not_known, _declared_local, _not_local):
        if (result := rule(premises)) is not None:
            return result
    return None


def _local(premises: Sequence[Premises]) -> Result | None:
    local = [place for place in premises if place.answer.status == "local"]
    if not local:
        return None
    return Result("local", f"Local: {local[0].what} is in the force area. {local[0].answer.explanation}")


def _not_known(premises: Sequence[Premises]) -> Result | None:
    unanswered = [f"{place.what} ({place.postcode})" for place in premises if place.needs_council_area]
    if not unanswered:
        return None
    verb = "is" if len(unanswered) == 1 else "are"
    return Result(
        None, f"Local: not known until you say which council area {' and '.join(unanswered)} {verb} in."
    )


def _declared_local(premises: Sequence[Premises]) -> Result | None:
    declared = [
        f"{place.what} ({place.postcode}) is in {place.declared_in}"
        for place in premises
        if place.declared_in
    ]
    if not declared:
        return None
    return Result(
        "declared",
        f"Declared local, to be verified: you say {'; '.join(declared)}, which its postcode cannot confirm.",
    )


def _not_local(premises: Sequence[Premises]) -> Result | None:
    """Asked last: every premises is outside the force area."""
    if not premises:
        return None
    postcodes = ", ".join(place.postcode for place in premises)
    return Result(
        "not_local", f"Not local: no premises in the force area ({FORCE_AREA}); postcodes {postcodes}."
    )


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
    is_sme = _within_sme_limits(staff, turnover, balance_sheet, figures)
    verdict = "SME" if is_sme else "not an SME"
    return Result(is_sme, f"{verdict}: {_size_inputs(staff, turnover, balance_sheet)} ({_sme_rule(figures)})")


def _within_sme_limits(
    staff: int, turnover: Decimal | None, balance_sheet: Decimal | None, figures: Figures
) -> bool:
    few_enough = staff < figures["sme.staff_fewer_than"]
    turnover_ok = turnover is not None and turnover <= figures["sme.max_turnover"]
    balance_ok = balance_sheet is not None and balance_sheet <= figures["sme.max_balance_sheet"]
    return few_enough and (turnover_ok or balance_ok)


def _size_inputs(staff: int, turnover: Decimal | None, balance_sheet: Decimal | None) -> str:
    """ "42 staff, turnover £3.1m": the figures given."""
    inputs = [f"{staff:,} staff"]
    if turnover is not None:
        inputs.append(f"turnover {money(turnover, short=True)}")
    if balance_sheet is not None:
        inputs.append(f"balance sheet {money(balance_sheet, short=True)}")
    return ", ".join(inputs)


def _sme_rule(figures: Figures) -> str:
    return (
        f"Procurement Act 2023 test: fewer than {int(figures['sme.staff_fewer_than']):,} staff and turnover "
        f"up to {money(figures['sme.max_turnover'], short=True)} or balance sheet up to {money(figures['sme.max_balance_sheet'], short=True)}"
    )


def size_band(
    staff: int | None, turnover: Decimal | None, balance_sheet: Decimal | None, figures: Figures
) -> Result:
    """Companies Act 2006 bands: the smallest band whose limits it meets on at least 2 of 3 tests.
    Without a balance sheet (a sole trader has none) the other two decide, where they agree: both
    within a band's limits meet 2 of its 3; both over the medium ones make it large."""
    if staff is None or turnover is None:
        return Result(None, "Size band: not known until the headcount and turnover are given")
    for band in (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM):
        if _limits_met(band, staff, turnover, balance_sheet, figures) >= 2:
            return Result(
                band, f"{band.value.capitalize()} (Companies Act 2006: {_tests_met(band, balance_sheet)})"
            )
    if balance_sheet is None and _limits_met(SizeBand.MEDIUM, staff, turnover, None, figures) == 1:
        return Result(
            None,
            "Size band: not known without the balance sheet total "
            "(the headcount and turnover fall either side of the medium limits)",
        )
    return Result(SizeBand.LARGE, "Large (Companies Act 2006: over the medium limits on 2 of the 3 tests)")


def _tests_met(band: SizeBand, balance_sheet: Decimal | None) -> str:
    if balance_sheet is None:
        return f"within the {band.value} limits on headcount and turnover, 2 of the 3 tests; no balance sheet given"
    return f"meets 2 of the 3 {band.value} limits"


def _limits_met(
    band: SizeBand, staff: int, turnover: Decimal, balance_sheet: Decimal | None, figures: Figures
) -> int:
    """How many of the band's three limits (turnover, balance sheet, staff) the figures are within;
    a balance sheet not given is within none."""
    return sum(
        [
            turnover <= figures[f"size.{band}.max_turnover"],
            balance_sheet is not None and balance_sheet <= figures[f"size.{band}.max_balance_sheet"],
            staff <= figures[f"size.{band}.max_staff"],
        ]
    )


def needs_modern_slavery_statement(turnover: Decimal | None, figures: Figures) -> Result:
    """Modern Slavery Act 2015 s.54: a statement is required at or over the turnover threshold."""
    threshold = figures["modern_slavery.turnover_threshold"]
    if turnover is None:
        return Result(None, "Modern slavery statement: not known until the turnover is given")
    required = turnover >= threshold
    verb = "required" if required else "not required"
    return Result(
        required,
        f"Modern slavery statement {verb}: turnover {money(turnover, short=True)} "
        f"(Modern Slavery Act 2015 s.54: turnover of {money(threshold, short=True)} or more)",
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
