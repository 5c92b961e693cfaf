"""The portal's postcode knowledge: the shipped district table, the imported ONS Postcode
Directory (live and staging tables) and the record of each import."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Timestamp, db, str_enum

# Local authority codes ("E06000049") and normalised postcodes ("AA9A 9AA") at their longest.
AUTHORITY_LENGTH = 9
POSTCODE_LENGTH = 8


class ForceArea(enum.StrEnum):
    """Where a postcode district lies against the force area's boundary."""

    INSIDE = "inside"  # wholly inside: local
    UNCONFIRMED = "unconfirmed"  # believed inside, not confirmed: ask
    PARTLY = "partly"  # straddles the boundary: ask


class PostcodeDistrict(db.Model):
    """A row of data/cheshire-postcode-districts.csv: a district touching the force area. A
    district not in this table is outside it."""

    __tablename__ = "postcode_districts"

    district: Mapped[str] = mapped_column(sa.String(4), primary_key=True)  # "CW7"
    force_area: Mapped[ForceArea] = mapped_column(str_enum(ForceArea, "postcode_force_area"))
    # The force-area authorities the district touches, as codes in the CSV's order: "E06000049;E06000050".
    authorities: Mapped[str] = mapped_column(sa.String(60))

    @property
    def authority_codes(self) -> tuple[str, ...]:
        return split_authorities(self.authorities)


def split_authorities(value: str | None) -> tuple[str, ...]:
    return tuple(code for code in (value or "").split(";") if code)


class Postcode(db.Model):
    """A live postcode of the imported ONS Postcode Directory (ONSPD or NSPL) and its local
    authority. Replaced as a whole by `flask postcodes import`: nothing may hold a foreign key to
    it. On SQLite the table is clustered on the postcode (WITHOUT ROWID): one B-tree, not two."""

    __tablename__ = "postcodes"
    __table_args__ = ({"sqlite_with_rowid": False},)

    postcode: Mapped[str] = mapped_column(sa.String(POSTCODE_LENGTH), primary_key=True)  # "CW7 2UA"
    authority: Mapped[str] = mapped_column(sa.String(AUTHORITY_LENGTH))  # ONSPD oslaua, NSPL laua


# The import loads the next directory here, then renames it to `postcodes` (see staging.py). Its
# columns must stay exactly those of `postcodes`, and neither table may carry a secondary index:
# after the rename the staging table's index would keep its staging name on SQLite.
postcodes_staging = sa.Table(
    "postcodes_staging",
    db.metadata,
    sa.Column("postcode", sa.String(POSTCODE_LENGTH), primary_key=True),
    sa.Column("authority", sa.String(AUTHORITY_LENGTH), nullable=False),
    sqlite_with_rowid=False,
)


class PostcodeImport(db.Model):
    """One completed import of the directory: what `flask postcodes status` and each lookup
    answered from the directory cite ("ONS Postcode Directory, imported 27 November 2026")."""

    __tablename__ = "postcode_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))  # the base name only, never the path
    file_format: Mapped[str] = mapped_column(sa.String(10))  # "ONSPD", "NSPL" or "CSV"
    row_count: Mapped[int]  # postcodes now in the live table
    terminated_count: Mapped[int]  # rows skipped because `doterm` had a value
    rejected_count: Mapped[int]  # rows without a usable postcode or authority code, or repeated
    started_at: Mapped[datetime]
    imported_at: Mapped[Timestamp]
