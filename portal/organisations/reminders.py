"""Reminders to suppliers, as daily tasks (`flask jobs daily`): accreditations about to expire
or expired, and size figures that have grown old.

Each task flushes its emails and the columns that say they were sent; `run_daily` commits both
with the task's run record, so a reminder is recorded if and only if its emails are queued.
"Today" is the day in Europe/London. Each task selects what is due, with the organisations and
their members, in a fixed number of queries whatever the number of rows.

Only registered organisations are reminded (`registered_at` set): the reminders exist to keep
the record officers rely on current, and an organisation still writing its profile (or one that
gave up half way) has no such record yet. It sees every date again on "check your answers"
before it registers, and once it has, the next run sends whichever reminder is due by then.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from portal.accounts.models import User
from portal.extensions import db
from portal.jobs import daily_task
from portal.organisations import emails
from portal.organisations.models import ACCREDITATION_NAMES, Accreditation, Organisation
from portal.time import LONDON, london_today

# Accreditation reminders, by stage: (days before expiry from which it is due, column).
THIRTY_DAYS = 30
SEVEN_DAYS = 7
STAGE_COLUMNS = {
    "30": "reminded_30_at",
    "7": "reminded_7_at",
    "expired": "reminded_expired_at",
}

# Size figures are old when their financial year ended more than 15 months before today: the
# figures describe one year, so 12 months after its end a newer year has closed, and 3 months
# more lets the organisation close its books for that year (headcount and turnover are known
# from them well before the accounts are filed). Waiting for the statutory filing deadlines
# instead (9 months for a private company, 10 for a charity) would leave the SME test and size
# band reading figures nearly two years old.
SIZE_FIGURES_MONTHS = 15


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def london_midnight(day: date) -> datetime:
    """The start of a London day, in UTC (for comparing with stored times)."""
    return datetime.combine(day, time(), tzinfo=LONDON).astimezone(UTC)


def active_member():
    """A member who can read the email: not disabled, address confirmed."""
    return sa.and_(User.is_disabled.is_(False), User.email_verified_at.is_not(None))


def accreditation_name(accreditation: Accreditation) -> str:
    return accreditation.other_name or ACCREDITATION_NAMES[accreditation.kind]


def stage_for(days_left: int) -> str | None:
    """The one reminder that fits `days_left` (days from today to the expiry date).

    Only the most relevant is ever sent: a run that finds a certificate 5 days from expiry sends
    the 7-day reminder even if the 30-day one was never sent (the job did not run), not both; one
    that finds it expired sends only the expiry reminder. The expiry date itself counts as expiry.
    """
    if days_left <= 0:
        return "expired"
    if days_left <= SEVEN_DAYS:
        return "7"
    if days_left <= THIRTY_DAYS:
        return "30"
    return None


def due_accreditations(today: date) -> sa.Select:
    """Accreditations whose current stage's reminder has not been sent, with their registered
    organisation (joined) and its members (one more query)."""
    return (
        sa.select(Accreditation)
        .join(Accreditation.organisation)
        .where(
            _reminder_due(today),
            Organisation.registered_at.is_not(None),
            # An organisation nobody can be emailed at is left for when someone can: the reminder
            # due then goes out at once.
            Organisation.members.any(active_member()),
        )
        .options(contains_eager(Accreditation.organisation).selectinload(Organisation.members))
        .order_by(Accreditation.id)
    )


def _reminder_due(today: date) -> sa.ColumnElement[bool]:
    """The stage `today` puts the expiry date in (see `stage_for`), its reminder not yet sent."""
    week = today + timedelta(days=SEVEN_DAYS)
    month = today + timedelta(days=THIRTY_DAYS)
    expires_on = Accreditation.expires_on
    return sa.or_(
        sa.and_(expires_on <= today, Accreditation.reminded_expired_at.is_(None)),
        sa.and_(expires_on > today, expires_on <= week, Accreditation.reminded_7_at.is_(None)),
        sa.and_(expires_on > week, expires_on <= month, Accreditation.reminded_30_at.is_(None)),
    )


def subject_for(days_left: int, name: str, organisation: str, expires: str) -> str:
    if days_left < 0:
        return f"{name} for {organisation} expired on {expires}"
    if days_left == 0:
        return f"{name} for {organisation} expires today"
    return f"{name} for {organisation} expires on {expires}"


@daily_task("organisations.accreditation_reminders")
def remind_accreditations(now: datetime) -> int:
    """Email every active member about each accreditation at 30 and 7 days before it expires,
    and once on or after its expiry date; each reminder at most once per accreditation."""
    today = london_today(now)
    sent = 0
    for accreditation in db.session.scalars(due_accreditations(today)):
        sent += _remind_once(accreditation, (accreditation.expires_on - today).days, now)
    db.session.flush()
    return sent


def _remind_once(accreditation: Accreditation, days_left: int, now: datetime) -> int:
    """Send the reminder `days_left` calls for, marked sent at `now`; how many were emailed."""
    stage = stage_for(days_left)
    if stage is None or getattr(accreditation, STAGE_COLUMNS[stage]) is not None:
        return 0  # cannot happen with the query above; never send twice all the same
    setattr(accreditation, STAGE_COLUMNS[stage], now)
    return _remind(accreditation, days_left, stage)


def _remind(accreditation: Accreditation, days_left: int, stage: str) -> int:
    """Email the stage's reminder to the organisation's active members; how many were emailed."""
    name = accreditation_name(accreditation)
    expires = f"{accreditation.expires_on:%-d %B %Y}"
    subject = subject_for(days_left, name, accreditation.organisation.name, expires)
    return emails.accreditation_expiring(
        accreditation, name=name, subject=subject, expires=expires, days_left=days_left, stage=stage
    )


def due_size_reminders(today: date) -> sa.Select:
    """Registered organisations whose size figures are old and who were not reminded in the last
    year (a reminder on a London day a year or more before today no longer counts)."""
    stale_before = months_before(today, SIZE_FIGURES_MONTHS)
    reminded_since = london_midnight(months_before(today, 12) + timedelta(days=1))
    return (
        sa.select(Organisation)
        .where(
            Organisation.registered_at.is_not(None),
            Organisation.financial_year_end < stale_before,
            sa.or_(Organisation.size_reminded_at.is_(None), Organisation.size_reminded_at < reminded_since),
            Organisation.members.any(active_member()),
        )
        .options(selectinload(Organisation.members))
        .order_by(Organisation.id)
    )


@daily_task("organisations.size_reminders")
def remind_size_figures(now: datetime) -> int:
    """Email every active member when the size figures are over 15 months old, at most once a
    year, asking them to update the "Size" step."""
    today = london_today(now)
    sent = 0
    for organisation in db.session.scalars(due_size_reminders(today)):
        sent += emails.size_figures_old(organisation)
        organisation.size_reminded_at = now
    db.session.flush()
    return sent
