"""Organisations' pledges: where an organisation's pledge stands, its pledges, and a certificate
by its reference.

Later areas ask one question before a supplier submits an offer or registers interest:
`require_current_pledge(organisation)` (through portal.ethics.services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.database import built_once, fixed_limit
from portal.enums import LabelledEnum
from portal.ethics.models import CodeVersion, Pledge
from portal.ethics.versions import VersionRef, in_force_and_latest, version_refs, version_refs_from
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.pagination import Few, Listed, first_few
from portal.time import london_today


class PledgeState(LabelledEnum):
    CURRENT = "current", "Current"
    OUT_OF_DATE = "out_of_date", "Out of date"
    NONE = "none", "Not signed"


PLEDGE_STATE_LABELS = PledgeState.labels()


@dataclass(frozen=True)
class PledgeRef:
    """What a pledge's status needs of the pledge (the whole record is read where it is shown)."""

    id: int
    version_id: int
    version_number: int
    signed_at: datetime


@dataclass(frozen=True)
class PledgeStatus:
    state: PledgeState
    pledge: PledgeRef | None  # the organisation's newest pledge
    in_force: VersionRef | None  # the version in force today
    latest: VersionRef | None  # the newest published version (in force or from a later date)

    @property
    def should_sign(self) -> bool:
        """Is there a version this organisation has not signed yet (in force or coming)?"""
        return self.latest is not None and (self.pledge is None or self.pledge.version_id < self.latest.id)


class PledgeRequired(Exception):
    """The organisation has no current pledge: `status` says whether it never signed or its
    pledge is out of date."""

    def __init__(self, status: PledgeStatus) -> None:
        self.status = status
        if status.state == PledgeState.NONE:
            message = "Sign the Supplier Code of Ethics for your organisation first"
        else:
            message = "Sign the new version of the Supplier Code of Ethics first: your organisation's pledge is out of date"
        super().__init__(message)


def newest_pledge(organisation_id: int) -> Pledge | None:
    return db.session.scalar(
        sa.select(Pledge)
        .where(Pledge.organisation_id == organisation_id)
        .order_by(Pledge.id.desc())
        .limit(1)
        .options(joinedload(Pledge.version))
    )


def pledges_of(organisation_id: int, *, version_id: int | None = None, limit: int = 50) -> list[Pledge]:
    """The organisation's pledges, newest first (a handful: one or two per version), with what a
    pledge's record shows of its version, signer and the pledge it corrects (not the version's
    text)."""
    statement = _pledges_of(version_id is not None, limit)
    values = {"organisation_id": organisation_id, "version_id": version_id}
    return list(db.session.scalars(statement, values))


# Built once: the certificate went 2.1 -> 1.4 ms a GET (docs/performance.md).
@built_once
def _pledges_of(of_version: bool, limit: int) -> sa.Select:
    query = (
        sa.select(Pledge)
        .where(Pledge.organisation_id == sa.bindparam("organisation_id"))
        .order_by(Pledge.id.desc())
        .limit(fixed_limit(limit))
        .options(
            joinedload(Pledge.version).load_only(CodeVersion.number, CodeVersion.effective_on),
            joinedload(Pledge.user).load_only(User.name, User.email),
            joinedload(Pledge.supersedes).load_only(Pledge.reference),
        )
    )
    return query.where(Pledge.version_id == sa.bindparam("version_id")) if of_version else query


def pledge_status(organisation: Organisation, history: list[Pledge] | None = None) -> PledgeStatus:
    """Where the organisation's pledge stands today. Asked on most of a supplier's pages, so it
    reads plain columns in one statement (pledge_lists), not the versions' text or the pledge
    record; a page that has read the organisation's pledges (`history`, from pledges_of) passes
    them."""
    day = london_today()
    if history is None:
        return status_from(first_few(pledge_lists(), {"organisation_id": organisation.id, "day": day}), day)
    in_force, latest = version_refs(day)
    newest = history[0] if history else None
    ref = newest and PledgeRef(newest.id, newest.version_id, newest.version.number, newest.signed_at)
    return PledgeStatus(state_of(ref, in_force), ref, in_force, latest)


def pledge_lists() -> dict[str, Listed]:
    """What pledge_status reads: the versions from the one in force on the bound `day`, and the
    bound organisation's newest pledge; for a page that reads them beside its own lists in one
    statement (portal.pagination.first_few), read back with status_from."""
    return {
        "code_versions": (version_refs_from(), _NEWEST_VERSION_FIRST, None),
        "newest_pledge": (_pledge_columns(), _NEWEST_PLEDGE_FIRST, 1),
    }


# Made once, as the statements are: a list's order is part of the key its statement is kept by.
_NEWEST_VERSION_FIRST = (CodeVersion.number.desc(),)
_NEWEST_PLEDGE_FIRST = (Pledge.id.desc(),)


def status_from(read: dict[str, Few], day: date) -> PledgeStatus:
    """The pledge status from pledge_lists' rows, read on `day`."""
    versions = [
        VersionRef(row.id, row.number, row.effective_on, row.text_sha256)
        for row in read["code_versions"].items
    ]
    in_force, latest = in_force_and_latest(versions, day)
    ref = next(
        (PledgeRef(row.id, row.version_id, row.number, row.signed_at) for row in read["newest_pledge"].items),
        None,
    )
    return PledgeStatus(state_of(ref, in_force), ref, in_force, latest)


# Built once with the signed-in account's statement: /code-of-ethics went 1.8 -> 1.4 ms a GET
# (docs/performance.md).
@built_once
def _pledge_columns() -> sa.Select:
    """The bound organisation's pledges, as much of each as its status needs."""
    return (
        sa.select(Pledge.id, Pledge.version_id, CodeVersion.number, Pledge.signed_at)
        .join(CodeVersion, CodeVersion.id == Pledge.version_id)
        .where(Pledge.organisation_id == sa.bindparam("organisation_id"))
    )


def state_of(pledge: Pledge | PledgeRef | None, in_force: CodeVersion | VersionRef | None) -> PledgeState:
    """Current when the pledge is to the version in force or a newer one (signed ahead of its date)."""
    if pledge is None:
        return PledgeState.NONE
    if in_force is None or pledge.version_id >= in_force.id:
        return PledgeState.CURRENT
    return PledgeState.OUT_OF_DATE


def require_current_pledge(organisation: Organisation) -> PledgeStatus:
    """The check before submitting or resubmitting a social value offer or registering interest
    in an opportunity. :raise PledgeRequired: no pledge, or one to an older version."""
    status = pledge_status(organisation)
    if status.state != PledgeState.CURRENT:
        raise PledgeRequired(status)
    return status


def normal_reference(value: str) -> str:
    """What an officer typed, as stored: upper case, O read as 0, I and L as 1, dashes restored."""
    plain = "".join(value.upper().split()).replace("-", "").translate(str.maketrans("OIL", "011"))
    plain = plain.removeprefix("CE")
    return f"CE-{plain[:4]}-{plain[4:8]}" if len(plain) == 8 else ""


def pledge_by_reference(reference: str) -> Pledge | None:
    normal = normal_reference(reference)
    if not normal:
        return None
    return db.session.scalar(sa.select(Pledge).where(Pledge.reference == normal))
