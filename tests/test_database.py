import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.accounts.access import public
from portal.database import WriteInSafeRequestError
from portal.extensions import db


class ScratchBase(DeclarativeBase):
    """A table of the tests' own, outside the portal's metadata (so migrations never see it)."""


class Scratch(ScratchBase):
    __tablename__ = "scratch_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(50))


def test_sqlite_connections_enforce_foreign_keys_use_wal_and_wait_when_busy(fresh_app, database_kind):
    if database_kind != "sqlite":
        pytest.skip("SQLite settings")
    with fresh_app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_sqlite_writers_queue_instead_of_failing(fresh_app, database_kind):
    """Each thread reads then writes: with a deferred BEGIN two of them would deadlock on the
    lock upgrade and one fail with "database is locked"; BEGIN IMMEDIATE makes them queue."""
    if database_kind != "sqlite":
        pytest.skip("SQLite locking")
    with fresh_app.app_context():
        ScratchBase.metadata.create_all(db.engine)
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            with fresh_app.app_context():
                for i in range(20):
                    db.session.execute(sa.select(sa.func.count()).select_from(Scratch)).scalar()
                    db.session.add(Scratch(value=f"{n}-{i}"))
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with fresh_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Scratch)).scalar() == 80


def test_a_get_request_that_writes_is_refused(app_factory):
    app = app_factory()

    @app.get("/scratch/write")
    @public
    def write():
        db.session.add(Scratch(value="from a GET"))
        db.session.flush()
        return "written"

    with pytest.raises(WriteInSafeRequestError):
        app.test_client().get("/scratch/write")


def test_postgresql_connections_are_checked_before_use(app, database_kind):
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL pool settings")
    with app.app_context():
        assert db.engine.pool._pre_ping is True
