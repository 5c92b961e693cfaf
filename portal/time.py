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


def london_datetime(value: datetime | None) -> str:
    """A time as people in Cheshire read it: "27 November 2026 at 8:05am"."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
