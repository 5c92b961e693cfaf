from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import DAILY_TASKS, JobRun, daily_task, run_daily
from portal.outbox import notify
from portal.outbox.worker import run_until_idle


@pytest.fixture
def reminder_task():
    """A daily task that emails a reminder, as later areas' tasks will."""
    calls = []

    @daily_task("test.reminder")
    def remind(now):
        calls.append(now)
        notify("outbox/smtp_check", to="supplier@example.com", subject="Reminder", context={"server": "s"})

    yield calls
    DAILY_TASKS.pop("test.reminder")


def test_the_daily_job_run_twice_in_a_day_sends_nothing_twice(app, transaction, smtp_server, reminder_task):
    morning = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 in London, after the clocks change
    evening = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # 23:30 in London, the same day
    with app.app_context():
        assert run_daily(morning)["test.reminder"] == "done"
        assert run_daily(evening)["test.reminder"] == "already ran today"
        run_until_idle()
    assert len(reminder_task) == 1
    assert len(smtp_server.messages) == 1


def test_the_day_is_the_london_day(app, transaction, reminder_task):
    late_utc = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # already 1 July in London (BST)
    next_morning = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    with app.app_context():
        run_daily(late_utc)
        assert run_daily(next_morning)["test.reminder"] == "already ran today"
        run_on = db.session.scalar(sa.select(JobRun.run_on).where(JobRun.name == "test.reminder"))
        assert run_on.isoformat() == "2026-07-01"


def test_a_failed_task_leaves_no_record_and_runs_again(app, transaction):
    attempts = []

    @daily_task("test.flaky")
    def flaky(now):
        attempts.append(now)
        notify("outbox/smtp_check", to="x@example.com", subject="half-written", context={"server": "s"})
        if len(attempts) == 1:
            raise RuntimeError("first run fails")

    try:
        with app.app_context():
            assert run_daily()["test.flaky"] == "failed"
            assert run_daily()["test.flaky"] == "done"
            subjects = db.session.scalars(sa.text("SELECT subject FROM outbox_messages")).all()
            assert subjects == ["half-written"]  # the failed run's email was rolled back with it
    finally:
        DAILY_TASKS.pop("test.flaky")


def test_flask_jobs_daily_lists_each_task(runner, reminder_task):
    result = runner.invoke(args=["jobs", "daily"])
    assert result.exit_code == 0, result.output
    assert "test.reminder: done" in result.output
    assert "outbox.purge_expired_secrets: done" in result.output
    assert "test.reminder: already ran today" in runner.invoke(args=["jobs", "daily"]).output
