"""How the portal writes money, days and times, once, for every template, email and explanation:
"£355,400", "£38,500.50", "£3.1m"; "6 December 2026"; "9am", "9:30am", "midday", "midnight".
Templates use the filters (`amount | money`, `day | long_date`, `moment | london_datetime`); CSV
exports keep plain numbers and ISO dates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from portal.time import london_datetime, long_date, month_year, spoken_duration

if TYPE_CHECKING:
    from flask import Flask


def money(amount: Decimal | int | float, *, short: bool = False) -> str:
    """Pounds as people read them: "£355,400", with pence only where there are some
    ("£38,500.50"). `short`, for explanations: millions as "£3.1m" where that says the amount
    exactly, else in full (£44,000,000.01 must not read as £44m beside a verdict that turns on
    the penny)."""
    amount = Decimal(amount)
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    if short and amount >= 1_000_000 and amount % 10_000 == 0:
        return f"{sign}£{(amount / 1_000_000).normalize():f}m"
    return f"{sign}£{amount:,.2f}".removesuffix(".00")


def utc_stamp(value: datetime) -> str:
    """The exact moment in UTC, for a record kept as evidence: "2026-12-06 09:30:00"."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def init_formats(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money,
        long_date=long_date,
        month_year=month_year,
        london_datetime=london_datetime,
        spoken_duration=spoken_duration,
        utc_stamp=utc_stamp,
    )
