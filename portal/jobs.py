"""Daily jobs (`flask jobs daily`, from cron): each registered task runs at most once per day in
Europe/London, so running the command twice in a day sends nothing twice.

A task's work and its run record are committed together: a task that fails leaves no record and
runs again next time; a second run the same day finds the record (or loses the race on its
unique key) and skips the task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Timestamp, db
from portal.time import london_today, utcnow

log = logging.getLogger(__name__)

DailyTask = Callable[[datetime], object]
DAILY_TASKS: dict[str, DailyTask] = {}


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("name", "run_on", name="uq_job_runs_name_run_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    run_on: Mapped[date]
    finished_at: Mapped[Timestamp]


def daily_task(name: str) -> Callable[[DailyTask], DailyTask]:
    """Register `task(now)`: it flushes its work; `run_daily` commits it with the run record."""

    def register(task: DailyTask) -> DailyTask:
        DAILY_TASKS[name] = task
        return task

    return register


def run_daily(now: datetime | None = None) -> dict[str, str]:
    """Run each task not yet run today; returns each task's outcome."""
    now = now or utcnow()
    today = london_today(now)
    return {name: _run_once_a_day(name, now, today) for name in sorted(DAILY_TASKS)}


def _run_once_a_day(name: str, now: datetime, today: date) -> str:
    """Run the task with its run record, unless it ran today; its outcome."""
    done = db.session.scalar(sa.select(JobRun.id).where(JobRun.name == name, JobRun.run_on == today))
    if done:
        return "already ran today"
    try:
        db.session.add(JobRun(name=name, run_on=today))
        db.session.flush()  # a concurrent run of the same task fails here, before any work
        DAILY_TASKS[name](now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return "already ran today"
    except Exception:
        db.session.rollback()
        log.exception("daily task %s failed; it will run again next time", name)
        return "failed"
    return "done"


jobs_cli = AppGroup("jobs", help="Scheduled jobs.")


@jobs_cli.command("daily")
def daily_command() -> None:
    """Run today's daily tasks (safe to run more than once a day)."""
    outcomes = run_daily()
    for name, outcome in outcomes.items():
        click.echo(f"{name}: {outcome}")
    if "failed" in outcomes.values():
        raise SystemExit(1)


def refresh_statistics() -> None:
    """Let the query planner know the tables' sizes (SQLite keeps no statistics until told; it
    then chooses the officers' queue index over a sort). PostgreSQL's autovacuum does the same on
    its own; running it here too is harmless."""
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


@daily_task("database.refresh_statistics")
def refresh_statistics_daily(_now: datetime) -> str:
    refresh_statistics()
    return "statistics refreshed"
