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
from portal.database import SAFE_METHODS, built_once, column_types, padded, plain_rows
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


def read_only_organisation(*collections: str) -> ReadOnlyOrganisation:
    """The signed-in member's organisation for a page that only shows it, with the `collections`
    it shows read as plain rows, all in one statement."""
    org = current_user.organisation
    read: dict[str, list[sa.Row]] = {name: [] for name in collections}
    if collections:
        for row in plain_rows(_plain_collections(collections), {"organisation_id": org.id}):
            read[row.collection].append(row)
    return ReadOnlyOrganisation(org, read)


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
def _plain_collections(collections: tuple[str, ...]) -> sa.Select | sa.CompoundSelect:
    """The rows of the bound organisation's `collections`, each naming its collection.
    Several are one UNION ALL (a round trip, not one each): a row has every collection's columns,
    NULL but its own (portal.database.padded)."""
    every = column_types(SHOWN[name][0].c[key] for name in collections for key in SHOWN[name][1])
    selects = [_plain_collection(name, every) for name in collections]
    statement = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    order = dict.fromkeys(SHOWN[name][1][0] for name in collections)
    return statement.order_by(*(statement.selected_columns[key] for key in order))


def _plain_collection(name: str, every: dict[str, sa.types.TypeEngine]) -> sa.Select:
    """One collection's rows, named, with `every` column: its own, and NULL for the others'."""
    table, keys = SHOWN[name]
    select = sa.select(
        sa.literal_column(f"'{name}'").label("collection"),
        *padded({key: table.c[key] for key in keys}, every),
    )
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
