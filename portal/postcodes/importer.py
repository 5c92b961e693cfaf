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

How it swaps the tables, so that readers keep answering throughout: see
portal/postcodes/staging.py.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from portal import audit
from portal.extensions import db
from portal.postcodes.lookup import POSTCODE_SHAPE
from portal.postcodes.models import PostcodeImport
from portal.postcodes.staging import ImportRefused, abandon, load_and_swap
from portal.time import utcnow

if TYPE_CHECKING:
    from _csv import Reader  # what csv.reader returns

POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8", "pcd2")
AUTHORITY_COLUMNS = {"oslaua": "ONSPD", "laua": "NSPL"}
TERMINATED_COLUMN = "doterm"
AUTHORITY_SHAPE = re.compile(r"[A-Z][0-9]{8}")  # GSS code; ONSPD's pseudo codes (E99999999) fit too

BATCH_SIZE = 50_000


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
    with open_directory(path) as file:
        reader = csv.reader(file)
        layout = read_layout(read_header(reader, path.name), path.name, postcode_column, authority_column)
        with abandoned_on_failure(reader, path.name):
            return import_rows(reader, layout, path.name, started_at, batch_size, progress)


def open_directory(path: Path) -> TextIO:
    """The file, opened for the CSV reader. :raise ImportRefused: it cannot be opened."""
    try:
        return open(path, newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ImportRefused(f"Cannot read {path.name}: {error.strerror}. Nothing was changed.") from error


def read_header(reader: Iterator[list[str]], file_name: str) -> list[str]:
    """The file's first row. :raise ImportRefused: the file is empty or its first row unreadable."""
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as error:
        raise ImportRefused(
            f"{file_name} has no readable header row: {error}. Nothing was changed."
        ) from error
    if header is None:
        raise ImportRefused(f"{file_name} is empty. Nothing was changed.")
    return header


@contextmanager
def abandoned_on_failure(reader: Reader, file_name: str) -> Iterator[None]:
    """Undo the import (`abandon`) when anything fails; a row that cannot be read refuses the file."""
    try:
        yield
    except (csv.Error, UnicodeDecodeError) as error:
        abandon()
        raise ImportRefused(
            f"{file_name} could not be read at line {reader.line_num}: {error}. Nothing was changed."
        ) from error
    except BaseException:
        abandon()
        raise


def import_rows(
    reader: Iterable[list[str]],
    layout: Layout,
    file_name: str,
    started_at: datetime,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> ImportSummary:
    """Load the file's live rows, swap them in and record the import, committing the three together."""
    counts = Counts()
    row_count = load_and_swap(directory_rows(reader, layout, counts), batch_size, progress, file_name)
    summary = summarise(file_name, layout, counts, row_count, started_at)
    record_import(summary)
    db.session.commit()  # the swap and its record, together
    return summary


def summarise(
    file_name: str, layout: Layout, counts: Counts, row_count: int, started_at: datetime
) -> ImportSummary:
    """The import's record: the rows now live, and how many of the file's were left out."""
    return ImportSummary(
        file_name=file_name[:255],
        file_format=layout.file_format,
        row_count=row_count,
        terminated_count=counts.terminated,
        rejected_count=counts.rejected + (counts.kept - row_count),  # repeated postcodes too
        started_at=started_at,
        imported_at=utcnow(),
    )


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
