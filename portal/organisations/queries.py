"""The officers' reading of organisations: the filtered list and one organisation with what its
page shows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.database import any_like, contains_pattern
from portal.organisations.models import ClassificationDecision, Organisation


def organisations(q: str = "", status: str = "") -> sa.Select:
    """The officers' list as plain columns: organisations whose name, legal name or Companies House
    number holds `q`, registered or still in progress (`status`)."""
    query = sa.select(
        Organisation.id,
        Organisation.name,
        Organisation.companies_house_number,
        Organisation.local_status,
        Organisation.registered_at,
    )
    if q:
        query = query.where(
            any_like(
                contains_pattern(q),
                Organisation.name,
                Organisation.legal_name,
                Organisation.companies_house_number,
            )
        )
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
