"""`flask seed` adds the directory's first entries (strategy Appendix A) from
data/voluntary-sector-directory.csv."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.seed import read_csv, seed_step
from portal.voluntary.models import DirectoryEntry


@seed_step("voluntary-sector directory")
def seed_directory() -> str:
    """An entry whose name is not in the directory yet is added; one that is (even retired) is
    left as officers keep it."""
    known = set(db.session.scalars(sa.select(DirectoryEntry.name)))
    added = 0
    for row in read_csv("voluntary-sector-directory.csv"):
        if row["name"] in known:
            continue
        db.session.add(_entry(row))
        added += 1
    return f"{added} added"


def _entry(row: dict[str, str]) -> DirectoryEntry:
    """An entry from its row of the file; phone numbers and areas are listed with ";" between."""
    entry = DirectoryEntry(
        name=row["name"],
        brokers=row["brokers"],
        website=row["website"] or None,
        phones=[number.strip() for number in row["phones"].split(";") if number.strip()],
        email=row["email"] or None,
        source=row["source"],
        checked_on=None,
    )
    entry.areas = row["areas"].split(";")
    return entry
