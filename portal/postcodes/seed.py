"""Seed step: the postcode district table from data/cheshire-postcode-districts.csv."""

from __future__ import annotations

from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES
from portal.postcodes.models import ForceArea, PostcodeDistrict
from portal.seed import read_csv, seed_step, upsert

FILE = "cheshire-postcode-districts.csv"
CODES = {name: code for code, name in FORCE_AREA_AUTHORITIES.items()}


def authority_codes(names: str, district: str) -> str:
    """ "Cheshire East; Cheshire West and Chester" -> "E06000049;E06000050"."""
    codes = []
    for name in (part.strip() for part in names.split(";")):
        if name not in CODES:
            raise ValueError(f"{FILE}: {district} names {name!r}, which is not a force-area authority")
        codes.append(CODES[name])
    return ";".join(codes)


@seed_step("postcode districts")
def seed_postcode_districts() -> str:
    return upsert(PostcodeDistrict, ("district",), (_district(row) for row in read_csv(FILE)))


def _district(row: dict[str, str]) -> dict:
    """A row of the file as the table's columns."""
    return {
        "district": row["district"].strip().upper(),
        "force_area": ForceArea(row["force_area"].strip()),
        "authorities": authority_codes(row["authorities_inside"], row["district"]),
    }
