"""Postcodes: is a supplier's postcode in the Cheshire police force area, and in which council
area? `lookup_postcode` answers from the imported ONS Postcode Directory, else the shipped
postcode district table (portal/postcodes/lookup.py); `flask postcodes import` loads the
directory (portal/postcodes/importer.py)."""

from portal.postcodes.lookup import (
    FORCE_AREA_AUTHORITIES,
    PostcodeAnswer,
    lookup_postcode,
    normalise_postcode,
)

__all__ = ["FORCE_AREA_AUTHORITIES", "PostcodeAnswer", "lookup_postcode", "normalise_postcode"]
