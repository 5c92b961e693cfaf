"""Time for the portal: stored in UTC, shown and reckoned by day in Europe/London."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def london_today(now: datetime | None = None) -> date:
    """The calendar day in Cheshire, which is what "daily" means for reminders."""
    return (now or utcnow()).astimezone(LONDON).date()


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both databases (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(value: date) -> str:
    """A day as people read it: "3 July 2026" (as strftime's "%-d %B %Y", in English always)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def month_year(value: date) -> str:
    """A month as people read it: "July 2026"."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def london_datetime(value: datetime | None) -> str:
    """A time as people in Cheshire read it: "27 November 2026 at 8:05am". Written out rather
    than with strftime, which took three quarters of the time (lists show 25 of these), and
    English whatever the server's locale."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{long_date(local)} at {clock(local)}"


def clock(local: datetime) -> str:
    """The time of day as GOV.UK writes it: "9am", "9:30am", "midday", "midnight"."""
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = f"{local.hour % 12 or 12}" + (f":{local.minute:02d}" if local.minute else "")
    return hour + ("am" if local.hour < 12 else "pm")


def spoken_duration(seconds: int) -> str:
    """A length of time as people say it, to its two largest units: "30 minutes", "45 seconds",
    "1 hour and 30 minutes" (never "0 minutes" for a limit under a minute)."""
    parts = []
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " and ".join(parts[:2]) or "0 seconds"
