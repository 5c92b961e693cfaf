"""Is a postcode in the Cheshire police force area? The only way the rest of the portal asks.

    normalise_postcode("  cw72ua ")  -> "CW7 2UA"  (None when the text is not a postcode's shape)
    lookup_postcode("CW7 2UA")       -> PostcodeAnswer(status="local", authorities=(("E06000050", ...),), ...)

An answer comes from, in order:

1. the imported ONS Postcode Directory (`postcodes`, loaded by `flask postcodes import`): exact.
   A force-area authority makes the postcode "local"; any other makes it "outside", whatever
   its district's row says.
2. the postcode district table (`postcode_districts`, seeded from
   data/cheshire-postcode-districts.csv), for a postcode the directory does not hold (no
   directory imported, or a postcode newer than it): an `inside` district is "local" (with every
   authority it touches: CW4 may be Cheshire East or Cheshire West and Chester); an
   `unconfirmed` or `partly` one is "ask"; a district not in the table is "outside".

"ask" means the supplier says which council area the premises are in and the portal marks the
local status "declared, to be verified". Text that is not a postcode also gets "ask" (with no
postcode and no source), never an exception.

A lookup is one statement: scalar subqueries on the directory's primary key, the district
table's primary key and the newest import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from portal.extensions import db
from portal.postcodes.models import ForceArea, Postcode, PostcodeDistrict, PostcodeImport, split_authorities
from portal.time import LONDON

FORCE_AREA_AUTHORITIES: dict[str, str] = {
    "E06000049": "Cheshire East",
    "E06000050": "Cheshire West and Chester",
    "E06000006": "Halton",
    "E06000007": "Warrington",
}

DIRECTORY = "ONS Postcode Directory"
DISTRICT_TABLE = "postcode district table"

Status = Literal["local", "outside", "ask"]

# Outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (9AA), without the space.
POSTCODE_SHAPE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
LONGEST_INPUT = 20  # "  AA9A   9AA  " and the like; anything longer is not a postcode


@dataclass(frozen=True)
class PostcodeAnswer:
    postcode: str | None  # normalised ("CW7 2UA"); None when the text was not a postcode
    status: Status
    explanation: str  # one plain-English sentence for the supplier and the officer
    authorities: tuple[tuple[str, str], ...] = ()  # (code, name) of the force-area authorities it can be in
    source: str | None = None  # DIRECTORY, DISTRICT_TABLE, or None when nothing could be looked up

    @property
    def district(self) -> str | None:
        return self.postcode.split(" ")[0] if self.postcode else None


def normalise_postcode(text: str) -> str | None:
    """ "  cw7 2ua " or "CW72UA" -> "CW7 2UA"; None for anything without a UK postcode's shape."""
    if not isinstance(text, str) or len(text) > LONGEST_INPUT or not text.isascii():
        return None
    match = POSTCODE_SHAPE.fullmatch("".join(text.split()).upper())
    if match is None:
        return None
    return f"{match[1]} {match[2]}"


def lookup_postcode(postcode: str) -> PostcodeAnswer:
    """Where `postcode` (any spacing or case) lies against the force area; see the module's notes."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return PostcodeAnswer(
            postcode=None,
            status="ask",
            explanation="That is not a UK postcode: say which council area the premises are in.",
        )
    district = normalised.split(" ")[0]
    row = db.session.execute(lookup_statement(normalised, district)).one()
    imported = f", imported {london_day(row.imported_at)}" if row.imported_at else ""
    if row.authority is not None:
        return directory_answer(normalised, row.authority, imported)
    return district_answer(normalised, district, row.force_area, split_authorities(row.authorities), imported)


def lookup_statement(postcode: str, district: str) -> sa.Select:
    """The directory's row, the district's row and the newest import, in one indexed SELECT."""
    authority = sa.select(Postcode.authority).where(Postcode.postcode == postcode).scalar_subquery()
    force_area = _of_district(PostcodeDistrict.force_area, district)
    authorities = _of_district(PostcodeDistrict.authorities, district)
    imported_at = (
        sa.select(PostcodeImport.imported_at).order_by(PostcodeImport.id.desc()).limit(1).scalar_subquery()
    )
    return sa.select(
        authority.label("authority"),
        force_area.label("force_area"),
        authorities.label("authorities"),
        imported_at.label("imported_at"),
    )


def _of_district(column: InstrumentedAttribute, district: str) -> sa.ScalarSelect:
    """The district's row's `column`, as a scalar subquery (NULL for a district not in the table)."""
    return sa.select(column).where(PostcodeDistrict.district == district).scalar_subquery()


def directory_answer(postcode: str, authority: str, imported: str) -> PostcodeAnswer:
    if authority in FORCE_AREA_AUTHORITIES:
        name = FORCE_AREA_AUTHORITIES[authority]
        return PostcodeAnswer(
            postcode=postcode,
            status="local",
            authorities=((authority, name),),
            source=DIRECTORY,
            explanation=f"{postcode} is in {name} ({DIRECTORY}{imported}).",
        )
    return PostcodeAnswer(
        postcode=postcode,
        status="outside",
        source=DIRECTORY,
        explanation=(
            f"{postcode} is outside the force area: it is in local authority {authority} "
            f"({DIRECTORY}{imported})."
        ),
    )


def district_answer(
    postcode: str, district: str, force_area: ForceArea | None, codes: tuple[str, ...], imported: str
) -> PostcodeAnswer:
    """The district table's answer, for a postcode the directory does not hold (`codes` is empty
    for a district not in the table)."""
    authorities = tuple(
        (code, FORCE_AREA_AUTHORITIES[code]) for code in codes if code in FORCE_AREA_AUTHORITIES
    )
    status, sentence = district_status(postcode, district, force_area, authorities)
    # When a directory is imported, say that it did not hold the postcode (new, or mistyped).
    note = f"; {postcode} is not in the {DIRECTORY}{imported}" if imported else ""
    return PostcodeAnswer(
        postcode=postcode,
        status=status,
        authorities=authorities,
        source=DISTRICT_TABLE,
        explanation=f"{sentence} ({DISTRICT_TABLE}{note}).",
    )


def district_status(
    postcode: str, district: str, force_area: ForceArea | None, authorities: tuple[tuple[str, str], ...]
) -> tuple[Status, str]:
    """The status the district's row gives, and the sentence that says why."""
    where = f"postcode district {district}"
    ask = "say which council area the premises are in"
    if force_area is None:
        return "outside", f"{postcode} is outside the force area: {where} is not one of the force area's"
    if force_area == ForceArea.INSIDE:
        names = " or ".join(name for _code, name in authorities)
        return "local", f"{postcode} is in {names}: {where} lies wholly inside the force area"
    if force_area == ForceArea.UNCONFIRMED:
        return "ask", f"{district} is believed to be inside the force area, which is not confirmed: {ask}"
    return "ask", f"{district} straddles the force area's boundary: {ask}"


def london_day(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"
