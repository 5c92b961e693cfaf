"""The postcode import's tables: `postcodes_staging` filled in batches, then swapped in for the
live `postcodes` table, so that readers keep answering throughout (portal/postcodes/importer.py
reads the file and records the import).

How it swaps:

- PostgreSQL: the whole import is one transaction. It locks the staging table (NOWAIT: a second
  import at the same time is refused), empties and fills it, and analyses it; then it takes the
  live table's lock (waiting at most `LOCK_TIMEOUT` at a time, a few times, so a long-running
  reader never queues the portal behind the import for long), drops `postcodes`, renames the
  staging table to `postcodes` (and its primary key to `pk_postcodes`), creates an empty staging
  table and records the import, and commits. Readers read the old rows under MVCC while the
  staging table fills; they wait only for the few catalogue changes at the end (milliseconds),
  then see the new table. TRUNCATE + INSERT ... SELECT into the live table was rejected: it
  holds TRUNCATE's exclusive lock while millions of rows are copied, so every lookup would wait
  for the copy; DELETE + INSERT would not block readers but doubles the writing and leaves the
  whole old table as dead rows to vacuum.
- SQLite: each batch is its own short write transaction, so the portal's own writes (which wait
  up to the busy timeout for the lock) slip in between batches instead of failing behind a
  minute-long one. The swap (drop, rename, new staging table, import record) is one short write
  transaction at the end; in WAL mode readers are never blocked and see the old directory until
  it commits. A failed import leaves the live table as it was (and empties the staging table).

A live table and a staging table therefore always both exist, as the migration made them, and
`flask db check` finds no drift after an import. Nothing may hold a foreign key to `postcodes`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.postcodes.models import Postcode, postcodes_staging

LOCK_TIMEOUT = "2s"
LOCK_ATTEMPTS = 5
LIVE = Postcode.__tablename__
STAGING = postcodes_staging.name
# Straight to the driver's executemany with plain tuples: no per-row work in SQLAlchemy.
INSERT_STAGED = {
    "sqlite": "INSERT INTO postcodes_staging (postcode, authority) VALUES (?, ?) ON CONFLICT DO NOTHING",
    "postgresql": "INSERT INTO postcodes_staging (postcode, authority) VALUES (%s, %s) ON CONFLICT DO NOTHING",
}


class ImportRefused(Exception):
    """The file cannot be imported; the message says why, and nothing was changed."""


def batches(rows: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def load_and_swap(
    rows: Iterable[tuple[str, str]], batch_size: int, progress: Callable[[int], None] | None, file_name: str
) -> int:
    """Fill the staging table, then swap it in (see the module's notes); returns the rows now live."""
    session = db.session
    postgres = session.connection().dialect.name == "postgresql"
    empty_staging(session, postgres)
    fill_staging(session, rows, batch_size, progress)
    row_count = session.connection().scalar(sa.select(sa.func.count()).select_from(postcodes_staging))
    if not row_count:
        raise ImportRefused(f"{file_name} holds no live postcode. Nothing was changed.")
    swap_staging_in(session, postgres)
    return row_count


def empty_staging(session, postgres: bool) -> None:
    """Empty the staging table; on PostgreSQL lock it first, so that a second import at once is refused."""
    if not postgres:
        session.execute(sa.delete(postcodes_staging))
        session.commit()
        return
    try:
        with session.begin_nested():
            session.connection().exec_driver_sql(f"LOCK TABLE {STAGING} IN ACCESS EXCLUSIVE MODE NOWAIT")
    except OperationalError as error:
        if not lock_not_available(error):
            raise
        raise ImportRefused("Another postcode import is running. Nothing was changed.") from error
    session.connection().exec_driver_sql(f"TRUNCATE {STAGING}")


def fill_staging(
    session, rows: Iterable[tuple[str, str]], batch_size: int, progress: Callable[[int], None] | None
) -> None:
    """Insert the rows into the staging table in batches, telling `progress` the count so far."""
    dialect = session.connection().dialect.name
    read = 0
    for batch in batches(rows, batch_size):
        session.connection().exec_driver_sql(INSERT_STAGED[dialect], batch)
        if dialect != "postgresql":
            session.commit()  # one short write transaction per batch (see the module's notes)
        read += len(batch)
        if progress:
            progress(read)


def swap_staging_in(session, postgres: bool) -> None:
    """Put the filled staging table in the live table's place and create an empty staging table."""
    if postgres:
        session.connection().exec_driver_sql(f"ANALYZE {STAGING}")
        lock_live_table(session)
    connection = session.connection()
    connection.exec_driver_sql(f"DROP TABLE {LIVE}")
    connection.exec_driver_sql(f"ALTER TABLE {STAGING} RENAME TO {LIVE}")
    if postgres:
        connection.exec_driver_sql(f"ALTER TABLE {LIVE} RENAME CONSTRAINT pk_{STAGING} TO pk_{LIVE}")
    postcodes_staging.create(connection)


def lock_live_table(session) -> None:
    """PostgreSQL: take the live table's exclusive lock for the swap. Each attempt waits at most
    LOCK_TIMEOUT, because readers arriving meanwhile queue behind the waiting lock."""
    session.connection().exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                session.connection().exec_driver_sql(f"LOCK TABLE {LIVE} IN ACCESS EXCLUSIVE MODE")
            break
        except OperationalError as error:
            if not lock_not_available(error):
                raise
            if attempt == LOCK_ATTEMPTS:
                raise ImportRefused(
                    f"The postcode directory stayed busy (a long transaction is reading it); "
                    f"try again. Nothing was changed. ({error.orig})"
                ) from error
            time.sleep(1)
    session.connection().exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


def lock_not_available(error: OperationalError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "55P03"  # NOWAIT or lock_timeout


def abandon() -> None:
    """Roll back a failed import; on SQLite also empty what the committed batches staged."""
    db.session.rollback()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.delete(postcodes_staging))
        db.session.commit()
