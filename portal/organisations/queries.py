"""Reading organisations: the officers' filtered list and one organisation with what its page
shows; a member's profile sections and accreditations falling due, for its pages and its home."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.database import any_like, built_once, contains_pattern
from portal.organisations.loading import collection_lists, read_only_organisation
from portal.organisations.models import Accreditation, ClassificationDecision, Organisation
from portal.organisations.steps import Profile, Step, steps_for
from portal.pagination import Few, Listed


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


@built_once
def accreditations_expiring() -> sa.Select:
    """The bound organisation's accreditations expired or expiring by the bound day."""
    return sa.select(
        Accreditation.id, Accreditation.kind, Accreditation.other_name, Accreditation.expires_on
    ).where(
        Accreditation.organisation_id == sa.bindparam("organisation_id"),
        Accreditation.expires_on <= sa.bindparam("by"),
    )


@dataclass(frozen=True)
class Progress:
    """The signed-in member's organisation's profile: the sections that apply, and which are done."""

    org: Profile
    steps: list[Step]
    completed: dict[str, bool]  # by step slug

    @property
    def all_done(self) -> bool:
        return all(self.completed.values())


# What the profile's progress reads of the organisation, besides what a page asks for with it.
PROGRESS_COLLECTIONS = ("divisions", "sites")


def profile_progress(*also: str, read: dict[str, Few] | None = None) -> Progress:
    """With the organisation's other collections the page shows (`also`: "decisions", say) read
    in the same statement; or from `read`, where the page read progress_lists beside its own."""
    # "What it supplies" is done when there are some; "other sites" when each has its council area.
    org = read_only_organisation(*PROGRESS_COLLECTIONS, *also, read=read)
    steps = steps_for(org)
    return Progress(org, steps, {step.slug: step.done(org) for step in steps})


def progress_lists(*also: str) -> dict[str, Listed]:
    """What profile_progress(*also) reads, as lists (portal.pagination.first_few)."""
    return collection_lists(*PROGRESS_COLLECTIONS, *also)
