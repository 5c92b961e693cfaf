"""Reminders by email: accreditations about to expire or expired, and size figures over 15 months
old. Every run goes through `run_daily(now)` with an explicit time, as cron would run it."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import run_daily
from portal.organisations.models import Accreditation, AccreditationKind, Organisation
from portal.organisations.reminders import months_before
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_until_idle
from portal.time import utcnow
from tests.conftest import count_queries
from tests.factories import make_organisation, make_supplier

ACCREDITATIONS = "organisations.accreditation_reminders"
SIZE = "organisations.size_reminders"
TODAY = date(2027, 3, 10)


def morning(day: date) -> datetime:
    """07:00 UTC on `day`: the same day in London, winter or summer."""
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)


def registered_organisation(
    name: str = "Winsford Widgets", *, members: int = 1, registered: bool = True, **columns
) -> int:
    organisation = make_organisation(name)
    organisation.registered_at = utcnow() if registered else None
    for column, value in columns.items():
        setattr(organisation, column, value)
    for n in range(members):
        make_supplier(
            f"{name.split()[0].lower()}{n}@example.com", name=f"Member {n}", organisation=organisation
        )
    return organisation.id


def add_accreditation(organisation_id: int, expires_on: date, **columns) -> int:
    accreditation = Accreditation(
        organisation_id=organisation_id,
        kind=AccreditationKind.ISO_14001,
        certificate_number="EMS 123456",
        expires_on=expires_on,
        **columns,
    )
    db.session.add(accreditation)
    db.session.commit()
    return accreditation.id


def messages(template: str = "organisations/accreditation_expiring") -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id)
        )
    )


def reminded(accreditation_id: int) -> tuple:
    accreditation = db.session.get(Accreditation, accreditation_id)
    db.session.refresh(accreditation)
    return (
        accreditation.reminded_30_at is not None,
        accreditation.reminded_7_at is not None,
        accreditation.reminded_expired_at is not None,
    )


# --- accreditations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "expected", "subject_end"),
    [
        (31, None, None),
        (30, "30", "expires on 9 April 2027"),
        (29, "30", "expires on 8 April 2027"),
        (8, "30", "expires on 18 March 2027"),
        (7, "7", "expires on 17 March 2027"),
        (6, "7", "expires on 16 March 2027"),
        (1, "7", "expires on 11 March 2027"),
        (0, "expired", "expires today"),
        (-1, "expired", "expired on 9 March 2027"),
    ],
)
def test_each_boundary_sends_the_one_reminder_that_fits(app, transaction, days_left, expected, subject_end):
    with app.app_context():
        organisation_id = registered_organisation()
        accreditation_id = add_accreditation(organisation_id, TODAY + timedelta(days=days_left))
        assert run_daily(morning(TODAY))[ACCREDITATIONS] == "done"
        sent = messages()
        flags = reminded(accreditation_id)
    if expected is None:
        assert sent == []
        assert flags == (False, False, False)
        return
    [message] = sent
    assert message.recipients == ["Member 0 <winsford0@example.com>"]
    assert message.subject.startswith("ISO 14001 (environmental management) for Winsford Widgets ")
    assert message.subject.endswith(subject_end)
    assert (message.cause_type, message.cause_id) == ("accreditations", str(accreditation_id))
    assert (
        flags
        == {"30": (True, False, False), "7": (False, True, False), "expired": (False, False, True)}[expected]
    )


def test_the_day_is_the_london_day(app, transaction):
    late = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # already 1 July in London (BST)
    with app.app_context():
        accreditation_id = add_accreditation(registered_organisation(), date(2027, 7, 31))  # 30 days on
        run_daily(late)
        [message] = messages()
        assert reminded(accreditation_id) == (True, False, False)
    assert message.subject.endswith("expires on 31 July 2027")


def test_running_twice_a_day_or_on_later_days_sends_nothing_twice(app, transaction):
    with app.app_context():
        accreditation_id = add_accreditation(registered_organisation(members=2), TODAY + timedelta(days=30))
        assert run_daily(morning(TODAY))[ACCREDITATIONS] == "done"
        assert run_daily(morning(TODAY).replace(hour=22))[ACCREDITATIONS] == "already ran today"
        for later in range(1, 23):  # every day until the 7-day reminder is due: nothing new
            run_daily(morning(TODAY + timedelta(days=later)))
        assert len(messages()) == 2  # one 30-day reminder to each member
        run_daily(morning(TODAY + timedelta(days=23)))  # 7 days left
        run_daily(morning(TODAY + timedelta(days=23)).replace(hour=20))
        assert len(messages()) == 4
        for later in range(24, 40):
            run_daily(morning(TODAY + timedelta(days=later)))
        assert reminded(accreditation_id) == (True, True, True)
        subjects = [m.subject for m in messages()]
    assert len(subjects) == 6  # 30 days, 7 days and expiry, to each of the two members
    assert sum("expires today" in s for s in subjects) == 2


def test_the_task_itself_never_sends_a_reminder_twice(app, transaction):
    """Even called twice without the daily run record (as a retried task would be)."""
    from portal.organisations.reminders import remind_accreditations

    with app.app_context():
        add_accreditation(registered_organisation(), TODAY + timedelta(days=7))
        assert remind_accreditations(morning(TODAY)) == 1
        assert remind_accreditations(morning(TODAY)) == 0
        assert remind_accreditations(morning(TODAY + timedelta(days=1))) == 0
        assert len(messages()) == 1


def test_a_skipped_week_sends_only_the_most_relevant_reminder(app, transaction):
    with app.app_context():
        organisation_id = registered_organisation()
        five_days = add_accreditation(organisation_id, TODAY + timedelta(days=5))
        twelve_days = add_accreditation(organisation_id, TODAY + timedelta(days=12))
        already_expired = add_accreditation(organisation_id, TODAY - timedelta(days=3))
        run_daily(morning(TODAY))  # the job had not run for weeks
        assert reminded(five_days) == (False, True, False)  # the 7-day one, not the 30-day one too
        assert reminded(twelve_days) == (True, False, False)
        assert reminded(already_expired) == (False, False, True)
        assert len(messages()) == 3
        run_daily(morning(TODAY + timedelta(days=1)))
        assert len(messages()) == 3  # the skipped 30-day reminder is never sent late
        run_daily(morning(TODAY + timedelta(days=8)))  # a week missed: 4 days left, 3 days past
        assert reminded(five_days) == (False, True, True)
        assert reminded(twelve_days) == (True, True, False)
        assert len(messages()) == 5


def test_disabled_and_unconfirmed_members_are_not_emailed(app, transaction):
    with app.app_context():
        organisation = make_organisation("Crewe Cleaning")
        organisation.registered_at = utcnow()
        make_supplier("active@example.com", organisation=organisation)
        make_supplier("disabled@example.com", organisation=organisation, disabled=True)
        make_supplier("unconfirmed@example.com", organisation=organisation, verified=False)
        add_accreditation(organisation.id, TODAY + timedelta(days=7))
        run_daily(morning(TODAY))
        recipients = [m.recipients for m in messages()]
    assert recipients == [["Sam Supplier <active@example.com>"]]


def test_an_organisation_nobody_can_read_is_reminded_once_someone_can(app, transaction):
    from portal.accounts.models import User

    with app.app_context():
        organisation = make_organisation("Crewe Cleaning")
        organisation.registered_at = utcnow()
        user = make_supplier("disabled@example.com", organisation=organisation, disabled=True)
        accreditation_id = add_accreditation(organisation.id, TODAY + timedelta(days=20))
        run_daily(morning(TODAY))
        assert messages() == []
        assert reminded(accreditation_id) == (False, False, False)
        db.session.get(User, user.id).is_disabled = False
        db.session.commit()
        run_daily(morning(TODAY + timedelta(days=1)))
        assert [m.recipients for m in messages()] == [["Sam Supplier <disabled@example.com>"]]
        assert reminded(accreditation_id) == (True, False, False)


def test_an_unregistered_organisation_is_not_reminded(app, transaction):
    with app.app_context():
        accreditation_id = add_accreditation(
            registered_organisation(registered=False), TODAY + timedelta(days=7)
        )
        run_daily(morning(TODAY))
        assert messages() == []
        assert reminded(accreditation_id) == (False, False, False)


def test_the_reminders_are_selected_in_a_fixed_number_of_queries(app, transaction):
    def run(organisations: int, day: date) -> tuple[int, int]:
        with app.app_context():
            for n in range(organisations):
                organisation_id = registered_organisation(f"Org{day:%j}n{n} Ltd", members=2)
                for days_left in (30, 7, 0):
                    add_accreditation(organisation_id, day + timedelta(days=days_left))
            before = len(messages())
        with count_queries(app) as statements, app.app_context():
            run_daily(morning(day))
        with app.app_context():
            sent = len(messages()) - before
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements), sent

    one_selects, one_sent = run(1, TODAY)
    many_selects, many_sent = run(8, TODAY + timedelta(days=100))
    assert one_sent == 6  # three accreditations, two members each
    assert many_sent == 8 * 6 + 2 * 2  # and the first run's 30- and 7-day ones have now expired
    assert one_selects == many_selects


def test_the_reminder_arrives_by_email(app, transaction, smtp_server):
    with app.app_context():
        add_accreditation(registered_organisation(), TODAY + timedelta(days=7))
        run_daily(morning(TODAY))
        run_until_idle()
    [email] = smtp_server.messages
    assert email["To"] == "Member 0 <winsford0@example.com>"
    assert (
        email["Subject"]
        == "ISO 14001 (environmental management) for Winsford Widgets expires on 17 March 2027"
    )
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert (
        "The ISO 14001 (environmental management) certificate of Winsford Widgets (number EMS 123456)" in text
    )
    assert "expires on 17 March 2027, in 7 days." in text
    assert "http://portal.test/organisation/profile/accreditations" in text
    assert 'href="http://portal.test/organisation/profile/accreditations"' in html


# --- size figures -----------------------------------------------------------------------------


def size_messages() -> list[OutboxMessage]:
    return messages("organisations/size_figures_old")


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(date(2027, 7, 1), 15) == date(2026, 4, 1)
    assert months_before(date(2027, 5, 31), 15) == date(2026, 2, 28)
    assert months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
    assert months_before(date(2027, 1, 15), 1) == date(2026, 12, 15)


@pytest.mark.parametrize(
    ("year_end", "due"),
    [
        (date(2026, 4, 1), False),  # exactly 15 months before 1 July 2027
        (date(2026, 3, 31), True),  # a day more
        (date(2026, 6, 30), False),  # a year and a day: its accounts may still be closing
        (None, False),  # no figures yet: the profile asks for them
    ],
)
def test_size_figures_over_15_months_old_are_reminded(app, transaction, year_end, due):
    today = date(2027, 7, 1)
    with app.app_context():
        organisation_id = registered_organisation(financial_year_end=year_end)
        db.session.commit()
        run_daily(morning(today))
        sent = size_messages()
        reminded_at = db.session.get(Organisation, organisation_id).size_reminded_at
    assert len(sent) == (1 if due else 0)
    assert (reminded_at is not None) is due
    if due:
        assert sent[0].subject == "Update the size figures for Winsford Widgets"
        assert (sent[0].cause_type, sent[0].cause_id) == ("organisations", str(organisation_id))


def test_the_size_reminder_comes_once_a_year(app, transaction):
    first = date(2027, 7, 1)
    with app.app_context():
        registered_organisation(members=2, financial_year_end=date(2026, 3, 31))
        registered_organisation("Halton Haulage", registered=False, financial_year_end=date(2020, 3, 31))
        db.session.commit()
        run_daily(morning(first))
        assert len(size_messages()) == 2  # each active member of the registered one
        for day in (first + timedelta(days=1), date(2028, 6, 30)):
            run_daily(morning(day))
        run_daily(morning(first).replace(hour=21))
        assert len(size_messages()) == 2
        run_daily(morning(date(2028, 7, 1)))  # a year on, and the figures were never updated
        assert len(size_messages()) == 4


def test_updated_figures_are_not_reminded(app, transaction):
    with app.app_context():
        organisation_id = registered_organisation(financial_year_end=date(2026, 3, 31))
        db.session.commit()
        run_daily(morning(date(2027, 7, 1)))
        db.session.get(Organisation, organisation_id).financial_year_end = date(2027, 3, 31)
        db.session.commit()
        run_daily(morning(date(2028, 6, 30)))  # the new figures are 15 months old tomorrow
        assert len(size_messages()) == 1
        run_daily(morning(date(2028, 7, 1)))
        assert len(size_messages()) == 2


def test_the_size_reminder_arrives_by_email_with_a_link_to_the_size_step(app, transaction, smtp_server):
    with app.app_context():
        organisation = make_organisation("Crewe Cleaning")
        organisation.registered_at = utcnow()
        organisation.financial_year_end = date(2025, 12, 31)
        make_supplier("active@example.com", name="Ash Active", organisation=organisation)
        make_supplier("disabled@example.com", organisation=organisation, disabled=True)
        run_daily(morning(date(2027, 7, 1)))
        run_until_idle()
    [email] = smtp_server.messages
    assert email["To"] == "Ash Active <active@example.com>"
    assert email["Subject"] == "Update the size figures for Crewe Cleaning"
    text = email.get_body(("plain",)).get_content()
    assert "the financial year that ended on 31 December 2025" in text
    assert "http://portal.test/organisation/profile/size" in text
    assert 'href="http://portal.test/organisation/profile/size"' in email.get_body(("html",)).get_content()
