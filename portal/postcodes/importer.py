"""`flask postcodes import FILE`: replace the ONS Postcode Directory the lookup reads, while the
portal keeps answering.

The file: an ONSPD or NSPL CSV with a header row. Columns are picked by name (any case, any
order): the postcode from `pcds`, else `pcd`, `pcd7`, `pcd8` or `pcd2` (spacing normalised:
"M1  1AE" and "CW102AB" become "M1 1AE" and "CW10 2AB"); the local authority from `oslaua`
(ONSPD) or `laua` (NSPL). A row whose `doterm` has a value is a terminated postcode and is
skipped; so is a row without a postcode's shape or an authority code. A file without a postcode
or an authority column, or with no live postcode at all, is refused before anything changes.
`--postcode-column` and `--authority-column` name other columns, should ONS rename them.

Which rows are kept: every live postcode in the file, wherever it is. The directory then answers
"outside" for any UK postcode from an exact row, and the district table is only the fallback for
a postcode newer than the directory (or a directory never imported). The whole UK file (about
2.7 million rows, 1.8 million of them live) loads in well under the three minutes and 300 MB set
for it (bench/postcodes.py: about 25 s and 100 MB on SQLite, 60 s on PostgreSQL, on two cores)
and takes under 50 MB in SQLite, so there is nothing to gain from keeping only the Cheshire rows
and reasoning about the absent ones.

How it loads, in constant memory: the CSV is read a row at a time and inserted into
`postcodes_staging` with executemany in batches (`BATCH_SIZE` rows); the file is never held whole.

How it swaps, so that readers keep answering throughout:

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

import csv
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal import audit
from portal.extensions import db
from portal.postcodes.lookup import POSTCODE_SHAPE
from portal.postcodes.models import Postcode, PostcodeImport, postcodes_staging
from portal.time import utcnow

POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8", "pcd2")
AUTHORITY_COLUMNS = {"oslaua": "ONSPD", "laua": "NSPL"}
TERMINATED_COLUMN = "doterm"
AUTHORITY_SHAPE = re.compile(r"[A-Z][0-9]{8}")  # GSS code; ONSPD's pseudo codes (E99999999) fit too

BATCH_SIZE = 50_000
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


@dataclass(frozen=True)
class Layout:
    """Where the importer's columns are in the file's rows."""

    postcode: int
    authority: int
    terminated: int | None
    file_format: str  # "ONSPD", "NSPL", or "CSV" when the authority column was named by hand
    postcode_name: str
    authority_name: str


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, as recorded (readable after the session has moved on)."""

    file_name: str
    file_format: str
    row_count: int
    terminated_count: int
    rejected_count: int
    started_at: datetime
    imported_at: datetime

    @property
    def seconds(self) -> float:
        return (self.imported_at - self.started_at).total_seconds()


@dataclass
class Counts:
    kept: int = 0
    terminated: int = 0
    rejected: int = 0


def read_layout(
    header: list[str], file_name: str, postcode_column: str | None = None, authority_column: str | None = None
) -> Layout:
    """Find the columns by name. :raise ImportRefused: a column is missing."""
    positions = {name.strip().lower(): index for index, name in reversed(list(enumerate(header)))}
    postcode_names = (postcode_column.lower(),) if postcode_column else POSTCODE_COLUMNS
    authority_names = (authority_column.lower(),) if authority_column else tuple(AUTHORITY_COLUMNS)
    postcode = next((name for name in postcode_names if name in positions), None)
    authority = next((name for name in authority_names if name in positions), None)
    missing = []
    if postcode is None:
        missing.append(f"postcode column ({either(postcode_names)})")
    if authority is None:
        missing.append(f"local authority column ({either(authority_names)})")
    if missing:
        raise ImportRefused(
            f"{file_name} is not an ONS Postcode Directory CSV: its header row has no "
            f"{' and no '.join(missing)}. Nothing was changed."
        )
    return Layout(
        postcode=positions[postcode],
        authority=positions[authority],
        terminated=positions.get(TERMINATED_COLUMN),
        file_format=AUTHORITY_COLUMNS.get(authority, "CSV"),
        postcode_name=postcode,
        authority_name=authority,
    )


def either(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def directory_rows(records: Iterable[list[str]], layout: Layout, counts: Counts) -> Iterator[tuple[str, str]]:
    """(postcode, authority) for each live row with a usable postcode and authority code."""
    at_postcode, at_authority, at_terminated = layout.postcode, layout.authority, layout.terminated
    width = max(at_postcode, at_authority, at_terminated or 0)
    postcode_shape = POSTCODE_SHAPE.fullmatch
    authority_shape = AUTHORITY_SHAPE.fullmatch
    for record in records:
        if len(record) <= width:
            if record:  # a blank line is nothing; a short row is a broken one
                counts.rejected += 1
            continue
        if at_terminated is not None and record[at_terminated].strip():
            counts.terminated += 1
            continue
        compact = record[at_postcode].replace(" ", "").upper()
        authority = record[at_authority].strip().upper()
        if postcode_shape(compact) is None or authority_shape(authority) is None:
            counts.rejected += 1
            continue
        counts.kept += 1
        yield f"{compact[:-3]} {compact[-3:]}", authority


def batches(rows: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def import_directory(
    path: str | Path,
    *,
    postcode_column: str | None = None,
    authority_column: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Replace the live directory with the file's live postcodes and record the import.

    :raise ImportRefused: the file cannot be read or has no usable rows; nothing was changed.
    """
    path = Path(path)
    started_at = utcnow()
    try:
        file = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise ImportRefused(f"Cannot read {path.name}: {error.strerror}. Nothing was changed.") from error
    with file:
        reader = csv.reader(file)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as error:
            raise ImportRefused(
                f"{path.name} has no readable header row: {error}. Nothing was changed."
            ) from error
        if header is None:
            raise ImportRefused(f"{path.name} is empty. Nothing was changed.")
        layout = read_layout(header, path.name, postcode_column, authority_column)
        counts = Counts()
        try:
            row_count = load_and_swap(directory_rows(reader, layout, counts), batch_size, progress, path.name)
            summary = ImportSummary(
                file_name=path.name[:255],
                file_format=layout.file_format,
                row_count=row_count,
                terminated_count=counts.terminated,
                rejected_count=counts.rejected + (counts.kept - row_count),  # repeated postcodes too
                started_at=started_at,
                imported_at=utcnow(),
            )
            record_import(summary)
            db.session.commit()  # the swap and its record, together
        except (csv.Error, UnicodeDecodeError) as error:
            abandon()
            raise ImportRefused(
                f"{path.name} could not be read at line {reader.line_num}: {error}. Nothing was changed."
            ) from error
        except BaseException:
            abandon()
            raise
    return summary


def load_and_swap(
    rows: Iterable[tuple[str, str]], batch_size: int, progress: Callable[[int], None] | None, file_name: str
) -> int:
    """Fill the staging table, then swap it in (see the module's notes); returns the rows now live."""
    session = db.session
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        try:
            with session.begin_nested():
                session.connection().exec_driver_sql(f"LOCK TABLE {STAGING} IN ACCESS EXCLUSIVE MODE NOWAIT")
        except OperationalError as error:
            if not lock_not_available(error):
                raise
            raise ImportRefused("Another postcode import is running. Nothing was changed.") from error
        session.connection().exec_driver_sql(f"TRUNCATE {STAGING}")
    else:
        session.execute(sa.delete(postcodes_staging))
        session.commit()

    insert = INSERT_STAGED[connection.dialect.name]
    read = 0
    for batch in batches(rows, batch_size):
        session.connection().exec_driver_sql(insert, batch)
        if not postgres:
            session.commit()  # one short write transaction per batch (see the module's notes)
        read += len(batch)
        if progress:
            progress(read)

    connection = session.connection()
    row_count = connection.scalar(sa.select(sa.func.count()).select_from(postcodes_staging))
    if not row_count:
        raise ImportRefused(f"{file_name} holds no live postcode. Nothing was changed.")
    if postgres:
        connection.exec_driver_sql(f"ANALYZE {STAGING}")
        lock_live_table(session)
    connection = session.connection()
    connection.exec_driver_sql(f"DROP TABLE {LIVE}")
    connection.exec_driver_sql(f"ALTER TABLE {STAGING} RENAME TO {LIVE}")
    if postgres:
        connection.exec_driver_sql(f"ALTER TABLE {LIVE} RENAME CONSTRAINT pk_{STAGING} TO pk_{LIVE}")
    postcodes_staging.create(connection)
    return row_count


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


def record_import(summary: ImportSummary) -> None:
    """Add the import's record and its audit entry (committed by the caller with the swap)."""
    record = PostcodeImport(**asdict(summary))
    db.session.add(record)
    db.session.flush()
    audit.record(
        "postcodes.imported",
        record,
        actor=None,
        source="cli",
        file_name=record.file_name,
        file_format=record.file_format,
        row_count=record.row_count,
        terminated_count=record.terminated_count,
        rejected_count=record.rejected_count,
    )
