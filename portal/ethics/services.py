"""The Code of Ethics' writes: publishing a new version, and signing it for an organisation.

Which version is in force is read in portal.ethics.versions, where an organisation's pledge
stands in portal.ethics.pledges; other areas take the question they ask before a supplier submits
an offer or registers interest, `require_current_pledge(organisation)`, from here.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts.models import Role, User
from portal.ethics import emails
from portal.ethics.content import ContentError, digest, normalise, parse
from portal.ethics.models import CodeVersion, Pledge

# All but newest_pledge are here for other areas, which may import another's services and not its
# other modules: the question they ask of the Code (require_current_pledge) and what goes with it.
from portal.ethics.pledges import (  # noqa: F401
    PledgeRequired,
    PledgeState,
    PledgeStatus,
    newest_pledge,
    pledge_lists,
    pledge_status,
    pledges_of,
    require_current_pledge,
    status_from,
)
from portal.ethics.versions import forget_versions, versions_by_day
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.outbox.audiences import Recipient, audience
from portal.time import london_today

# Crockford's base 32 without I, L, O, U: a reference read aloud or typed is hard to get wrong.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class AlreadySigned(Exception):
    """This version already has a first signature for the organisation (a double submit, another
    tab or a colleague got there first)."""

    def __init__(self, pledge: Pledge | None) -> None:
        self.pledge = pledge
        super().__init__("Your organisation has already signed this version of the Code")


class StaleVersion(Exception):
    """The form was for a version that is no longer the newest."""


# --- publishing ------------------------------------------------------------------------------


def publish_version(
    text: str, *, effective_on: date, summary: str = "", actor: User | None = None
) -> CodeVersion:
    """Publish a new version: it is in force from `effective_on` (today or later) and every member
    of every organisation is emailed once, through one broadcast. :raise ContentError: the text
    is not a Code, is the same as the newest, or the date is in the past."""
    latest = _publishable(text, effective_on)
    version = _add_version(text, effective_on, summary, actor, latest)
    forget_versions()
    _announce(version, actor, first=latest is None)
    return version


def _publishable(text: str, effective_on: date) -> CodeVersion | None:
    """The newest version, which the text would follow. :raise ContentError: the text is not a
    Code or is the newest's, or the date is in the past or before the newest's."""
    parse(text)
    if effective_on < london_today():
        raise ContentError("The date it takes effect must be today or later")
    _, latest = versions_by_day()
    if latest is not None and latest.text_sha256 == digest(text):
        raise ContentError(f"This text is the same as version {latest.number}: change it before publishing")
    if latest is not None and effective_on < latest.effective_on:
        raise ContentError(
            f"The date it takes effect must be on or after version {latest.number}'s ({latest.effective_on:%-d %B %Y})"
        )
    return latest


def _add_version(
    text: str, effective_on: date, summary: str, actor: User | None, latest: CodeVersion | None
) -> CodeVersion:
    """The version after `latest`, added and flushed."""
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
    return version


def _announce(version: CodeVersion, actor: User | None, *, first: bool) -> None:
    """The audit record, and the broadcast to every member (but of the first version: it has no
    pledges to put out of date)."""
    audit.record(
        "code_of_ethics.published",
        version,
        actor=actor,
        source="cli",
        number=version.number,
        effective_on=version.effective_on.isoformat(),
        sha256=version.text_sha256,
    )
    if not first:
        emails.new_version(version)


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


# --- signing ---------------------------------------------------------------------------------


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
    _check_signable(organisation, version, supersedes)
    typed = _typed(representative_name, representative_position, signature, client_address, user_agent)
    pledge = Pledge(**_signing(organisation, signer, version, supersedes), **typed)
    _add_pledge(pledge, organisation)
    _record_signing(pledge, organisation, version, signer, supersedes)
    return pledge


def _check_signable(organisation: Organisation, version: CodeVersion, supersedes: Pledge | None) -> None:
    """:raise StaleVersion: `version` is not the newest. :raise ValueError: `supersedes` is not
    the organisation's pledge to `version`."""
    _, latest = versions_by_day()
    if latest is None or version.id != latest.id:
        raise StaleVersion(f"Version {latest.number if latest else '?'} has been published")
    if supersedes is not None and (
        supersedes.organisation_id != organisation.id or supersedes.version_id != version.id
    ):
        raise ValueError("a correction must be of this organisation's pledge to the same version")


def _signing(
    organisation: Organisation, signer: User, version: CodeVersion, supersedes: Pledge | None
) -> dict[str, object]:
    """A pledge's columns for who signed which version for whom, each area acknowledged."""
    return {
        "reference": new_reference(),
        "organisation_id": organisation.id,
        "user_id": signer.id,
        "version": version,
        "text_sha256": version.text_sha256,
        "acknowledged_areas": [area.title for area in version.document.areas],
        "authority_confirmed": True,
        "supersedes_id": supersedes.id if supersedes else None,
    }


def _typed(
    name: str, position: str, signature: str, client_address: str, user_agent: str
) -> dict[str, object]:
    """A pledge's columns for what the signer typed, and where they signed from."""
    return {
        "representative_name": name,
        "representative_position": position,
        "signature": signature,
        "signature_differs": not signature_matches(signature, name),
        "client_address": (client_address or "unknown")[:45],
        "user_agent": (user_agent or "unknown")[:400],
    }


def _add_pledge(pledge: Pledge, organisation: Organisation) -> None:
    """:raise AlreadySigned: the database holds the organisation's first signature of the version
    (or a correction of the same pledge) already."""
    try:
        with db.session.begin_nested():
            db.session.add(pledge)
    except IntegrityError as error:
        db.session.expire_all()
        raise AlreadySigned(newest_pledge(organisation.id)) from error


def _record_signing(
    pledge: Pledge, organisation: Organisation, version: CodeVersion, signer: User, supersedes: Pledge | None
) -> None:
    """The audit record, and the emails to the procurement inbox and the signer."""
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
