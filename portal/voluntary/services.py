"""The directory's and the needs board's rules: who may post, the moves a need makes, look-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal import audit
from portal.accounts.models import User
from portal.database import any_like, built_once, contains_pattern
from portal.extensions import db
from portal.jobs import daily_task
from portal.organisations.models import Classification, Organisation
from portal.organisations.rules import classify_vcse
from portal.organisations.services import current_decisions
from portal.postcodes.lookup import PostcodeAnswer, lookup_postcode
from portal.time import london_today, utcnow
from portal.voluntary import emails
from portal.voluntary.models import (
    AREAS,
    NEED_FROM_PROCUREMENT,
    DirectoryEntry,
    Need,
    NeedResponse,
    NeedState,
    entry_areas,
)
from portal.voluntary.workflow import OPEN_STATES
from portal.workflow import Refused, transition

# --- phone numbers ---------------------------------------------------------------------------

# A UK number's digits after its trunk 0 (or +44, 0044) never start with another 0.
_PHONE = re.compile(r"^(?:\+44|0044|0)([1-9]\d{8,9})\Z", re.ASCII)


def uk_phone(text: str) -> str | None:
    """A UK number as digits with its leading 0 ("01244401272"), from any usual way of writing
    it (spaces, dashes, brackets, +44, 0044 or +44 (0)); None if it is not one."""
    digits = re.sub(r"[\s\-]", "", text or "")
    digits = re.sub(r"^(\+44|0044)\(0\)", r"\1", digits)  # "+44 (0)1244 401272"
    match = _PHONE.match(digits.replace("(", "").replace(")", ""))
    return "0" + match.group(1) if match else None


def tel_link(text: str) -> str:
    """The number for a tel: link, in international form (+441244401272)."""
    national = uk_phone(text)
    return f"+44{national[1:]}" if national else ""


# --- the directory ---------------------------------------------------------------------------


def entries(q: str = "", area: str = "", *, include_retired: bool = False) -> sa.Select:
    """Directory entries matching a keyword (name or what they broker) and an area served, where
    given: run with matching_values(q, area)."""
    query = sa.select(DirectoryEntry)
    if not include_retired:
        query = query.where(DirectoryEntry.retired_at.is_(None))
    return _matching(query, words=bool(q), area=area in AREAS)


def directory_rows(q: str = "", area: str = "") -> tuple[sa.Select, dict[str, object]]:
    """The public directory's results as plain rows of what a result shows, with the codes of the
    areas served as one space-separated string (`areas`): the statement, and the values it is
    run with."""
    return _directory_rows(bool(q), area in AREAS), matching_values(q, area)


# Built once: the directory filtered by area went 1.6 -> 1.2 ms a GET (docs/performance.md).
@built_once
def _directory_rows(words: bool, area: bool) -> sa.Select:
    served = (
        sa.select(sa.func.aggregate_strings(entry_areas.c.authority, " "))
        .where(entry_areas.c.entry_id == DirectoryEntry.id)
        .scalar_subquery()
    )
    columns = (
        DirectoryEntry.id,
        DirectoryEntry.name,
        DirectoryEntry.phones,
        DirectoryEntry.email,
        DirectoryEntry.website,
        DirectoryEntry.source,
        DirectoryEntry.checked_on,
        sa.func.coalesce(served, "").label("areas"),
    )
    query = sa.select(*columns).where(DirectoryEntry.retired_at.is_(None))
    return _matching(query, words=words, area=area)


def matching_values(q: str, area: str) -> dict[str, object]:
    """The values of a directory statement's keyword and area (_matching)."""
    return {"pattern": contains_pattern(q), "area": area}


def _matching(query: sa.Select, *, words: bool, area: bool) -> sa.Select:
    """`query`'s entries whose name or what they broker holds the bound `pattern` (with `words`),
    and which serve the bound `area` (with `area`, one of AREAS)."""
    if words:
        query = query.where(any_like(sa.bindparam("pattern"), DirectoryEntry.name, DirectoryEntry.brokers))
    if area:
        served = sa.exists().where(
            entry_areas.c.entry_id == DirectoryEntry.id, entry_areas.c.authority == sa.bindparam("area")
        )
        query = query.where(served)
    return query


@dataclass(frozen=True)
class PostcodeBodies:
    answer: PostcodeAnswer
    entries: list[DirectoryEntry]


def bodies_for_postcode(postcode: str) -> PostcodeBodies:
    """The bodies serving the force-area authority (or authorities, where the postcode cannot
    tell which) a postcode is in; none for one outside the force area."""
    answer = lookup_postcode(postcode)
    codes = [code for code, _name in answer.authorities] if answer.status != "outside" else []
    if not codes:
        return PostcodeBodies(answer, [])
    found = db.session.scalars(
        entries()
        .where(
            sa.exists().where(entry_areas.c.entry_id == DirectoryEntry.id, entry_areas.c.authority.in_(codes))
        )
        .order_by(DirectoryEntry.name)
    ).all()
    return PostcodeBodies(answer, list(found))


def save_entry(entry: DirectoryEntry, values: dict, *, actor: User) -> DirectoryEntry:
    """Add or change an entry from an officer's form; audited with the fields that changed."""
    new = entry.id is None
    changed = {}
    for name, value in values.items():
        before = entry.areas if name == "areas" else getattr(entry, name)
        if before != value:
            changed[name] = value
            setattr(entry, name, value)
    if new:
        db.session.add(entry)
        db.session.flush()
    if new or changed:
        audit.record(
            "directory.added" if new else "directory.changed", entry, actor=actor, fields=sorted(changed)
        )
    return entry


def confirm_entry(entry: DirectoryEntry, *, actor: User) -> None:
    """An officer has checked the details with the body: today's date and their name show."""
    entry.checked_on = london_today()
    entry.checked_by_id = actor.id
    audit.record("directory.confirmed", entry, actor=actor)


def set_retired(entry: DirectoryEntry, retired: bool, *, actor: User) -> None:
    entry.retired_at = utcnow() if retired else None
    audit.record("directory.retired" if retired else "directory.restored", entry, actor=actor)


def is_vcse(organisation: Organisation) -> bool:
    """VCSE by the rules, or by an officer's decision where one applies."""
    decision = current_decisions(organisation).get(Classification.VCSE)
    if decision is not None:
        return decision.decided_value
    return classify_vcse(organisation.legal_form, organisation.vcse_declared).value is True


def vcse_organisation_by_number(number: str) -> Organisation | None:
    """A registered organisation by its charity or Companies House number, if it is a VCSE."""
    plain = "".join(number.upper().split())
    if not plain:
        return None
    organisation = db.session.scalar(
        sa.select(Organisation).where(
            Organisation.registered_at.is_not(None),
            sa.or_(Organisation.charity_number == plain, Organisation.companies_house_number == plain),
        )
    )
    return organisation if organisation is not None and is_vcse(organisation) else None


# --- the needs board -------------------------------------------------------------------------


def poster_for(user: User) -> tuple[Organisation | None, DirectoryEntry | None] | None:
    """Whom a supplier posts needs for: their registered VCSE organisation and the directory
    entry it is linked to (if any); None if they may not post."""
    organisation = user.organisation
    if organisation is None or not organisation.is_registered:
        return None
    entry = db.session.scalar(
        sa.select(DirectoryEntry).where(
            DirectoryEntry.organisation_id == organisation.id, DirectoryEntry.retired_at.is_(None)
        )
    )
    if entry is None and not is_vcse(organisation):
        return None
    return organisation, entry


def published_needs(q: str = "", area: str = "", kind: str = "") -> tuple[sa.Select, dict[str, object]]:
    """Needs the public sees (approved and not past their end date) as plain rows of what the
    board shows, with who asks as `Need.asker` says it, for the filters chosen: words, a known
    area, a kind. The statement, and the values it is run with."""
    values = {"today": london_today(), "pattern": contains_pattern(q), "area": area, "kind": kind}
    return _published_needs(bool(q), area in AREAS, bool(kind)), values


# Built once: the needs board filtered by area went 1.7 -> 1.3 ms a GET (docs/performance.md).
@built_once
def _published_needs(words: bool, area: bool, kind: bool) -> sa.Select:
    query = (
        sa.select(
            Need.id,
            Need.title,
            Need.kind,
            Need.authority,
            Need.ends_on,
            sa.func.coalesce(DirectoryEntry.name, Organisation.name, NEED_FROM_PROCUREMENT).label("asker"),
        )
        .select_from(Need)
        .outerjoin(DirectoryEntry, DirectoryEntry.id == Need.entry_id)
        .outerjoin(Organisation, Organisation.id == Need.organisation_id)
        .where(Need.state == NeedState.PUBLISHED, Need.ends_on >= sa.bindparam("today", type_=sa.Date))
    )
    if words:
        query = query.where(any_like(sa.bindparam("pattern"), Need.title, Need.description))
    if area:
        query = query.where(Need.authority == sa.bindparam("area"))
    if kind:
        query = query.where(Need.kind == sa.bindparam("kind", type_=Need.kind.type))
    return query


def submit_need(need: Need, *, actor: User) -> Need:
    """A new need waits for approval; the procurement inbox is told."""
    need.state = NeedState.PENDING
    need.posted_by_id = actor.id
    db.session.add(need)
    db.session.flush()
    audit.record("need.submitted", need, actor=actor)
    emails.need_awaiting_approval_email(need)
    return need


def resubmit_need(need: Need, *, actor: User) -> None:
    """A changed need is approved again before the public sees the change. :raise Refused:"""
    transition(need, "change", actor=actor)


def move(need: Need, name: str, *, actor: User | None, reason: str = "", revision: int | None = None) -> None:
    """Make one of the needs board's moves (portal.voluntary.workflow). :raise Refused:"""
    transition(need, name, actor=actor, note=reason, revision=revision)


def respond(need: Need, *, user: User, message: str) -> NeedResponse:
    """A supplier answers a published need; the need's contact is emailed."""
    if need.state != NeedState.PUBLISHED or need.ends_on < london_today():
        raise Refused("This need is no longer open for answers")
    response = NeedResponse(need=need, organisation_id=user.organisation_id, user_id=user.id, message=message)
    db.session.add(response)
    db.session.flush()
    audit.record("need.answered", need, actor=user, response=response.id)
    emails.need_answered_email(need, response, user)
    return response


def can_manage(need: Need, user: User) -> bool:
    """Officers, and verified members of the organisation that posted it (or acts for its directory
    body): an account still to confirm its email address is a visitor here, as everywhere else."""
    if user.is_staff:
        return True
    if user.organisation_id is None or not user.is_verified:
        return False
    if need.organisation_id == user.organisation_id:
        return True
    return need.entry is not None and need.entry.organisation_id == user.organisation_id


@daily_task("voluntary.close_ended_needs")
def close_ended_needs(now: datetime) -> int:
    """Needs past their end date close (the public lists already hide them)."""
    ended = db.session.scalars(
        sa.select(Need).where(Need.state.in_(OPEN_STATES), Need.ends_on < london_today(now))
    ).all()
    for need in ended:
        transition(need, "close", actor=None, note="end date passed")
        need.closed_at = now  # the job's own time: one run closes its needs at one moment
    return len(ended)
