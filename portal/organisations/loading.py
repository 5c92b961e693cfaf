"""The signed-in member's organisation as each profile page needs it: the ORM object with the
collections a page changes loaded up front, or, for a page that only shows them, the collections
read as plain rows in one statement (portal.organisations.steps.ReadOnlyOrganisation); and one
of its records by id, which a page may only find when it is the organisation's own."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import User
from portal.database import SAFE_METHODS, built_once
from portal.extensions import db
from portal.organisations.models import (
    Accreditation,
    ClassificationDecision,
    Organisation,
    OrganisationInvitation,
    OrganisationSite,
    organisation_cpv_divisions,
)
from portal.organisations.steps import ReadOnlyOrganisation
from portal.pagination import Few, Listed, first_few
from portal.reference.models import CpvDivision

Owned = TypeVar("Owned", OrganisationSite, Accreditation, OrganisationInvitation, User)


def organisation(*collections: str) -> Organisation:
    """The signed-in member's organisation (loaded with the account), with the `collections` it
    is about to read ("sites", "divisions", "accreditations") loaded up front: one query each,
    about half what the ORM's lazy load of the same rows costs."""
    org = current_user.organisation
    unloaded = sa.inspect(org).unloaded if collections else ()
    for name in collections:
        if name in unloaded:
            set_committed_value(org, name, db.session.scalars(_collection(name, org.id)).all())
    return org


COLLECTIONS = ("sites", "divisions", "accreditations")

# What the read-only pages show of each collection: its table and columns, the first its order.
SHOWN = {
    "sites": (
        OrganisationSite.__table__,
        ("id", "label", "address_line_1", "town", "postcode", "declared_authority", "needs_council_area"),
    ),
    "divisions": (CpvDivision.__table__, ("division", "title")),
    # Oldest first, as deciding which still apply reads them (services.current_decisions).
    "decisions": (
        ClassificationDecision.__table__,
        ("id", "classification", "computed_value", "decided_value", "decided_at"),
    ),
    "accreditations": (
        Accreditation.__table__,
        (
            "id",
            "kind",
            "other_name",
            "certificate_number",
            "expires_on",
            "evidence_name",
            "evidence_filename",
        ),
    ),
}


def read_only_organisation(*collections: str, read: dict[str, Few] | None = None) -> ReadOnlyOrganisation:
    """The signed-in member's organisation for a page that only shows it, with the `collections`
    it shows read as plain rows, all in one statement; or taken from `read`, where the page read
    collection_lists beside its own lists."""
    org = current_user.organisation
    if read is None and collections:
        read = first_few(collection_lists(*collections), {"organisation_id": org.id})
    return ReadOnlyOrganisation(org, {name: read[name].items for name in collections} if read else {})


def collection_lists(*collections: str) -> dict[str, Listed]:
    """The bound organisation's `collections`, every row, as lists read in one statement
    (portal.pagination.first_few), each in the order of its first column."""
    rows = {name: _collection_rows(name) for name in collections}
    return {name: (select, (select.selected_columns[0],), None) for name, select in rows.items()}


def own(model: type[Owned], record_id: int, org: Organisation) -> Owned:
    """One of this organisation's records (a site, an accreditation, an invitation, a member);
    another organisation's is simply not found, so its existence is never confirmed."""
    record = db.session.get(model, record_id)
    if record is None or record.organisation_id != org.id:
        abort(404)
    return record


def page_organisation(*collections: str) -> Organisation | ReadOnlyOrganisation:
    """For a page that shows `collections` and changes them when posted: read-only plain rows on
    a GET, the ORM object with them loaded otherwise."""
    if request.method in SAFE_METHODS:
        return read_only_organisation(*collections)
    return organisation(*collections)


# Built once: the profile's answers went 2.3 -> 1.6 ms a GET (docs/performance.md).
@built_once
def _collection_rows(name: str) -> sa.Select:
    """The rows of one of the bound organisation's collections, of the columns SHOWN, the first
    their order."""
    table, keys = SHOWN[name]
    select = sa.select(*(table.c[key] for key in keys))
    # Whose a row is: an organisation's divisions are rows of the link table.
    owner = organisation_cpv_divisions if name == "divisions" else table
    if owner is not table:
        select = select.select_from(table.join(owner))
    return select.where(owner.c.organisation_id == sa.bindparam("organisation_id"))


def _collection(name: str, organisation_id: int) -> sa.Select:
    """The rows of one of an organisation's collections, in the relationship's order."""
    if name == "divisions":
        link = organisation_cpv_divisions
        return (
            sa.select(CpvDivision)
            .join(link, link.c.division == CpvDivision.division)
            .where(link.c.organisation_id == organisation_id)
            .order_by(CpvDivision.division)
        )
    model = {"sites": OrganisationSite, "accreditations": Accreditation}[name]
    return sa.select(model).where(model.organisation_id == organisation_id).order_by(model.id)
