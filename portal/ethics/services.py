"""The Code of Ethics' rules: which version is in force, where an organisation's pledge stands,
signing, and publishing a new version.

Later areas ask one question before a supplier submits an offer or registers interest:
`require_current_pledge(organisation)`.
"""

from __future__ import annotations

import functools
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import g
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import Role, User
from portal.database import fixed_limit
from portal.enums import LabelledEnum
from portal.ethics import emails
from portal.ethics.content import ContentError, Document, digest, normalise, parse
from portal.ethics.models import CodeVersion, Pledge
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.outbox.audiences import Recipient, audience
from portal.time import london_today

# Crockford's base 32 without I, L, O, U: a reference read aloud or typed is hard to get wrong.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class PledgeState(LabelledEnum):
    CURRENT = "current", "Current"
    OUT_OF_DATE = "out_of_date", "Out of date"
    NONE = "none", "Not signed"


PLEDGE_STATE_LABELS = PledgeState.labels()


@dataclass(frozen=True)
class VersionRef:
    """A version as a pledge's status and the Code's page need it: its text, parsed, is read from
    the database once a process (a version never changes: the tables refuse it)."""

    id: int
    number: int
    effective_on: date
    text_sha256: str

    @property
    def document(self) -> Document:
        return _document(self.id, self.text_sha256)


@functools.lru_cache(maxsize=32)
def _document(version_id: int, text_sha256: str) -> Document:
    """Keyed on the digest too: a test's rolled-back version may leave its id to another text."""
    return parse(db.session.scalar(sa.select(CodeVersion.text).where(CodeVersion.id == version_id)))


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


class AlreadySigned(Exception):
    """This version already has a first signature for the organisation (a double submit, another
    tab or a colleague got there first)."""

    def __init__(self, pledge: Pledge | None) -> None:
        self.pledge = pledge
        super().__init__("Your organisation has already signed this version of the Code")


class StaleVersion(Exception):
    """The form was for a version that is no longer the newest."""


# --- versions --------------------------------------------------------------------------------


def versions_by_day(day: date | None = None) -> tuple[CodeVersion | None, CodeVersion | None]:
    """(the version in force on `day`, the newest published), read once per request."""
    day = day or london_today()
    cache = g.setdefault("code_versions", {})
    if day not in cache:
        cache[day] = _in_force_and_latest(db.session.scalars(_versions_from(), {"day": day}).all(), day)
    return cache[day]


def _in_force_and_latest(newest_first: list, day: date) -> tuple:
    """From the versions newest first: the one in force on `day`, and the newest."""
    in_force = next((v for v in newest_first if v.effective_on <= day), None)
    return in_force, newest_first[0] if newest_first else None


def forget_versions() -> None:
    """Drop this request's (or CLI command's) reading of the versions: one has been published."""
    g.pop("code_versions", None)
    g.pop("code_version_refs", None)


def _oldest_relevant(day: date | sa.BindParameter[date]) -> sa.ScalarSelect:
    """The id of the version in force on `day` (or 0): only it and newer ones matter."""
    return (
        sa.select(sa.func.coalesce(sa.func.max(CodeVersion.id), 0))
        .where(CodeVersion.effective_on <= day)
        .scalar_subquery()
    )


def all_versions() -> list[CodeVersion]:
    """Every published version, newest first (one a year or so: no paging needed)."""
    return list(db.session.scalars(sa.select(CodeVersion).order_by(CodeVersion.number.desc())))


def version_numbered(number: int) -> CodeVersion | None:
    return db.session.scalar(sa.select(CodeVersion).where(CodeVersion.number == number))


def publish_version(
    text: str, *, effective_on: date, summary: str = "", actor: User | None = None
) -> CodeVersion:
    """Publish a new version: it is in force from `effective_on` (today or later) and every member
    of every organisation is emailed once, through one broadcast. :raise ContentError: the text
    is not a Code, is the same as the newest, or the date is in the past."""
    parse(text)
    today = london_today()
    if effective_on < today:
        raise ContentError("The date it takes effect must be today or later")
    _, latest = versions_by_day()
    if latest is not None and latest.text_sha256 == digest(text):
        raise ContentError(f"This text is the same as version {latest.number}: change it before publishing")
    if latest is not None and effective_on < latest.effective_on:
        raise ContentError(
            f"The date it takes effect must be on or after version {latest.number}'s ({latest.effective_on:%-d %B %Y})"
        )
    version = CodeVersion(
        number=(latest.number + 1) if latest else 1,
        text=normalise(text),
        text_sha256=digest(text),
        effective_on=effective_on,
        summary=" ".join(summary.split())[:500],
        published_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    forget_versions()
    audit.record(
        "code_of_ethics.published",
        version,
        actor=actor,
        source="cli",
        number=version.number,
        effective_on=effective_on.isoformat(),
        sha256=version.text_sha256,
    )
    if latest is not None:  # version 1 has no pledges to put out of date
        emails.new_version(version)
    return version


@audience("organisation_members")
def organisation_members(_params: dict, after_key: int | None, limit: int) -> list[Recipient]:
    """Every verified, active member of a supplier organisation, by account id."""
    rows = db.session.execute(
        sa.select(User.id, User.email, User.name)
        .where(
            User.role == Role.SUPPLIER,
            User.is_disabled.is_(False),
            User.email_verified_at.is_not(None),
            User.id > (after_key or 0),
        )
        .order_by(User.id)
        .limit(limit)
    ).all()
    return [Recipient(key=row.id, address=row.email, name=row.name) for row in rows]


# --- pledges ---------------------------------------------------------------------------------


def newest_pledge(organisation_id: int) -> Pledge | None:
    return db.session.scalar(
        sa.select(Pledge)
        .where(Pledge.organisation_id == organisation_id)
        .order_by(Pledge.id.desc())
        .limit(1)
        .options(joinedload(Pledge.version))
    )


def pledges_of(organisation_id: int, *, version_id: int | None = None, limit: int = 50) -> list[Pledge]:
    """The organisation's pledges, newest first (a handful: one or two per version)."""
    values = {"organisation_id": organisation_id, "version_id": version_id}
    return list(db.session.scalars(_pledges_of(version_id is not None, limit), values))


@functools.cache
def _pledges_of(by_version: bool, limit: int) -> sa.Select:
    """Built once (see _versions_from); with what a pledge's record shows of its version, signer
    and the pledge it corrects (not the version's text)."""
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
    return query.where(Pledge.version_id == sa.bindparam("version_id")) if by_version else query


def pledge_status(organisation: Organisation, history: list[Pledge] | None = None) -> PledgeStatus:
    """Where the organisation's pledge stands today. Asked on most of a supplier's pages, so it
    reads plain columns (two small statements), not the versions' text or the pledge record; a
    page that has read the organisation's pledges (`history`, from pledges_of) passes them."""
    in_force, latest = version_refs()
    if history is None:
        row = db.session.execute(_newest_pledge_ref(), {"organisation_id": organisation.id}).first()
        ref = PledgeRef(*row) if row is not None else None
    else:
        newest = history[0] if history else None
        ref = newest and PledgeRef(newest.id, newest.version_id, newest.version.number, newest.signed_at)
    return PledgeStatus(state_of(ref, in_force), ref, in_force, latest)


def version_refs(day: date | None = None) -> tuple[VersionRef | None, VersionRef | None]:
    """As `versions_by_day`, without loading the versions' records; read once per request."""
    day = day or london_today()
    cache = g.setdefault("code_version_refs", {})
    if day not in cache:
        refs = [VersionRef(*row) for row in db.session.execute(_version_refs(), {"day": day})]
        cache[day] = _in_force_and_latest(refs, day)
    return cache[day]


def _from_in_force(query: sa.Select) -> sa.Select:
    """`query`'s versions from the one in force on :day on, newest first."""
    return query.where(CodeVersion.id >= _oldest_relevant(sa.bindparam("day", type_=sa.Date))).order_by(
        CodeVersion.number.desc()
    )


# Built once, as the statements below: a reused statement keeps its cache key, which SQLAlchemy
# otherwise works out on every call.
_versions_from = functools.cache(lambda: _from_in_force(sa.select(CodeVersion)))
_version_refs = functools.cache(
    lambda: _from_in_force(
        sa.select(CodeVersion.id, CodeVersion.number, CodeVersion.effective_on, CodeVersion.text_sha256)
    )
)


@functools.cache
def _newest_pledge_ref() -> sa.Select:
    return (
        sa.select(Pledge.id, Pledge.version_id, CodeVersion.number, Pledge.signed_at)
        .join(CodeVersion, CodeVersion.id == Pledge.version_id)
        .where(Pledge.organisation_id == sa.bindparam("organisation_id"))
        .order_by(Pledge.id.desc())
        .limit(fixed_limit(1))
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


def signature_matches(signature: str, name: str) -> bool:
    """Does the typed signature read as the representative's name (ignoring case, accents'
    composition and spacing)?"""

    def plain(value: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", value).casefold().split())

    return plain(signature) == plain(name)


def new_reference() -> str:
    """CE- and 8 random characters in two groups of 4 (40 bits): for example CE-7K3M-Q9XD."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"CE-{chars[:4]}-{chars[4:]}"


def normal_reference(value: str) -> str:
    """What an officer typed, as stored: upper case, O read as 0, I and L as 1, dashes restored."""
    plain = "".join(value.upper().split()).replace("-", "").translate(str.maketrans("OIL", "011"))
    plain = plain.removeprefix("CE")
    return f"CE-{plain[:4]}-{plain[4:8]}" if len(plain) == 8 else ""


def sign(
    organisation: Organisation,
    signer: User,
    version: CodeVersion,
    *,
    representative_name: str,
    representative_position: str,
    signature: str,
    client_address: str,
    user_agent: str,
    supersedes: Pledge | None = None,
) -> Pledge:
    """Record a pledge, tell the procurement inbox and the signer. The caller has checked the
    acknowledgements and the authority; this keeps the rules that protect the record.

    :raise StaleVersion: `version` is not the newest. :raise AlreadySigned: the organisation's
    first signature of this version exists (or the pledge to correct was corrected already).
    """
    _, latest = versions_by_day()
    if latest is None or version.id != latest.id:
        raise StaleVersion(f"Version {latest.number if latest else '?'} has been published")
    if supersedes is not None and (
        supersedes.organisation_id != organisation.id or supersedes.version_id != version.id
    ):
        raise ValueError("a correction must be of this organisation's pledge to the same version")
    pledge = Pledge(
        reference=new_reference(),
        organisation_id=organisation.id,
        user_id=signer.id,
        version=version,
        text_sha256=version.text_sha256,
        acknowledged_areas=[area.title for area in version.document.areas],
        representative_name=representative_name,
        representative_position=representative_position,
        signature=signature,
        signature_differs=not signature_matches(signature, representative_name),
        authority_confirmed=True,
        client_address=(client_address or "unknown")[:45],
        user_agent=(user_agent or "unknown")[:400],
        supersedes_id=supersedes.id if supersedes else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(pledge)
    except IntegrityError as error:
        db.session.expire_all()
        raise AlreadySigned(newest_pledge(organisation.id)) from error
    audit.record(
        "code_of_ethics.corrected" if supersedes else "code_of_ethics.signed",
        pledge,
        actor=signer,
        organisation_id=organisation.id,
        version=version.number,
        reference=pledge.reference,
        supersedes=supersedes.reference if supersedes else None,
    )
    emails.signed(organisation, pledge, version, signer, corrected=supersedes is not None)
    return pledge


def pledge_by_reference(reference: str) -> Pledge | None:
    normal = normal_reference(reference)
    if not normal:
        return None
    return db.session.scalar(sa.select(Pledge).where(Pledge.reference == normal))
