"""The officers' reading of organisations: the filtered list and one organisation with what its
page shows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.database import any_like, built_once, contains_pattern
from portal.organisations.models import ClassificationDecision, Organisation


def organisations(q: str = "", status: str = "") -> tuple[sa.Select, dict[str, object]]:
    """The officers' list as plain columns: organisations whose name, legal name or Companies House
    number holds `q`, registered or still in progress (`status`). The statement, and the values
    it is run with."""
    known = status if status in ("registered", "in_progress") else ""
    return _organisations(bool(q), known), {"pattern": contains_pattern(q)}


# Built once: the officers' list went 1.8 -> 1.6 ms a GET (docs/performance.md).
@built_once
def _organisations(words: bool, status: str) -> sa.Select:
    query = sa.select(
        Organisation.id,
        Organisation.name,
        Organisation.companies_house_number,
        Organisation.local_status,
        Organisation.registered_at,
    )
    if words:
        named = (Organisation.name, Organisation.legal_name, Organisation.companies_house_number)
        query = query.where(any_like(sa.bindparam("pattern"), *named))
    if status == "registered":
        query = query.where(Organisation.registered_at.is_not(None))
    elif status == "in_progress":
        query = query.where(Organisation.registered_at.is_(None))
    return query


def organisation(organisation_id: int) -> sa.Select:
    """One organisation with everything its page shows, loaded up front."""
    return (
        sa.select(Organisation)
        .where(Organisation.id == organisation_id)
        .options(
            selectinload(Organisation.members),
            selectinload(Organisation.sites),
            selectinload(Organisation.divisions),
            selectinload(Organisation.accreditations),
            selectinload(Organisation.decisions).joinedload(ClassificationDecision.officer),
        )
    )
