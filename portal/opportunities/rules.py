"""The strategy's rules for an opportunity (PRODUCT.md section 3), as plain functions of its
figures and the reference figures in force (portal.reference.figures.figures_on): when social value
applies, the weighting and when lowering it needs a reason, the value including VAT and whether it
is above the public procurement threshold."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from portal.formats import money
from portal.opportunities.models import Procedure

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class Ruling:
    """A rule's answer with the words that show its inputs and where it comes from."""

    applies: bool
    explanation: str


def plain_number(value: Decimal) -> str:
    """A percentage or rate as people write it: 10, 12.5 (not 10.00 or 1E+1)."""
    return f"{value.normalize():f}"


def value_including_vat(value_ex_vat: Decimal, vat_rate: Decimal) -> Decimal:
    return (value_ex_vat * (1 + vat_rate / 100)).quantize(PENNY, rounding=ROUND_HALF_UP)


def social_value_required(value_ex_vat: Decimal, procedure: Procedure, figures: dict) -> Ruling:
    """Required for advertised tenders over the policy's figure excluding VAT; optional for
    invited quotations, call-offs and smaller tenders."""
    minimum = figures["social_value.min_value_ex_vat"]
    if procedure is not Procedure.TENDER:
        return Ruling(
            False,
            f"Social value is optional: this is not an advertised tender (the policy applies it to "
            f"tenders over {money(minimum, short=True)} excluding VAT).",
        )
    if value_ex_vat > minimum:
        return Ruling(
            True,
            f"Social value applies: an advertised tender worth {money(value_ex_vat, short=True)} excluding VAT, "
            f"over the policy's {money(minimum, short=True)}.",
        )
    return Ruling(
        False,
        f"Social value is optional: {money(value_ex_vat, short=True)} excluding VAT is not over the policy's "
        f"{money(minimum, short=True)}.",
    )


def default_weighting(value_ex_vat: Decimal, procedure: Procedure, figures: dict) -> Decimal:
    """The weighting a new opportunity starts with: the policy's default where social value
    applies, none where it is optional."""
    if social_value_required(value_ex_vat, procedure, figures).applies:
        return figures["social_value.default_weighting"]
    return Decimal(0)


def weighting_needs_reason(
    weighting: Decimal, value_ex_vat: Decimal, procedure: Procedure, figures: dict
) -> bool:
    """Lowering the weighting below the default, or removing it, where social value applies needs
    a recorded reason ("relevant and proportionate"); raising it does not."""
    required = social_value_required(value_ex_vat, procedure, figures).applies
    return required and weighting < figures["social_value.default_weighting"]


def above_threshold(value_ex_vat: Decimal, vat_rate: Decimal, figures: dict) -> Ruling:
    """Whether the value including VAT is above the public procurement threshold in force (the
    sub-central threshold for goods and services, which includes VAT)."""
    threshold = figures["procurement.threshold_sub_central_goods_services"]
    including = value_including_vat(value_ex_vat, vat_rate)
    if including > threshold:
        return Ruling(
            True,
            f"Above the public procurement threshold: {money(including, short=True)} including VAT, over {money(threshold, short=True)}.",
        )
    return Ruling(
        False,
        f"Below the public procurement threshold: {money(including, short=True)} including VAT, not over {money(threshold, short=True)}.",
    )
