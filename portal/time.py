"""Time for the portal: stored in UTC, shown and reckoned by day in Europe/London."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
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


# A time of day as people type it: "17:30", "17.30", "5:30pm", "5.30 pm", "5pm", "12pm".
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\Z", re.ASCII)
_WORDS = {"midday": time(12), "noon": time(12), "midnight": time(0)}


def read_time(text: str) -> time | None:
    """The time of day typed, on either clock or in words ("midday", "midnight"); None when it
    is not one ("25:00", "13pm", "9:60")."""
    text = text.strip().lower().replace(" ", "")
    if text in _WORDS:
        return _WORDS[text]
    found = _CLOCK.match(text)
    if found is None:
        return None
    hour, minute, half = int(found[1]), int(found[2] or 0), found[3]
    if minute > 59 or (half and not 1 <= hour <= 12) or (not half and (hour > 23 or found[2] is None)):
        return None
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return time(hour, minute)


def read_month(text: str) -> int | None:
    """A month typed as a number or a name ("4", "April", "apr", "Sept"); None when it is neither."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    if len(text) >= 3:
        for number, name in enumerate(MONTHS, 1):
            if name.lower().startswith(text) or (text == "sept" and number == 9):
                return number
    return None


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
