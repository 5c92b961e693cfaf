"""How social value's figures and places read: pure functions, shared by its pages and the
opportunities' sealed responses."""

from __future__ import annotations

from decimal import Decimal

from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES


def quantity_text(amount: Decimal | None) -> str:
    """40.00 as "40", 12.50 as "12.5"."""
    if amount is None:
        return ""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def area_name(code: str | None) -> str:
    """A force-area council's name from its code; empty for none."""
    return FORCE_AREA_AUTHORITIES.get(code or "", "")
