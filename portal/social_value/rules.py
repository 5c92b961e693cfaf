"""Social value's rules as pure functions: whether an offer is ready to send, and how its figures
and places read (shared by its pages and the opportunities' sealed responses)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES

if TYPE_CHECKING:
    from portal.social_value.models import Offer


def quantity_text(amount: Decimal | None) -> str:
    """40.00 as "40", 12.50 as "12.5"."""
    if amount is None:
        return ""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def area_name(code: str | None) -> str:
    """A force-area council's name from its code; empty for none."""
    return FORCE_AREA_AUTHORITIES.get(code or "", "")


def incomplete(offer: Offer) -> list[str]:
    """What the offer still lacks before it can be submitted (the steps' names)."""
    lacking = {
        "theme": offer.theme_id is None,
        "outcomes": not offer.outcomes,
        "indicator": offer.indicator_id is None,
        "description": not offer.description,
        "quantity": offer.measure_id is None or offer.quantity is None,
        "where": offer.authority is None,
        "when": offer.due_on is None,
        "partner": not offer.partner_answered,
    }
    return [step for step, missing in lacking.items() if missing]


def matrix_problems(offer: Offer) -> list[str]:
    """Answers that no longer fit together (an outcome of another theme, a measure that does not
    evidence the indicator), in the words shown to the supplier."""
    problems = []
    if any(outcome.theme_id != offer.theme_id for outcome in offer.outcomes):
        problems.append("An outcome you chose is not one of the theme's: choose the outcomes again")
    if offer.indicator is not None and offer.indicator.theme_id != offer.theme_id:
        problems.append("The indicator you chose is not one of the theme's: choose it again")
    if (
        offer.measure is not None
        and offer.indicator is not None
        and offer.indicator not in offer.measure.indicators
    ):
        problems.append("The measure you chose does not evidence the indicator: choose the quantity again")
    return problems
