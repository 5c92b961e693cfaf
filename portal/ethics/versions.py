"""The Code's published versions: which is in force on a day, the newest, and each by number."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import g

from portal.database import built_once
from portal.ethics.content import Document, parse
from portal.ethics.models import CodeVersion
from portal.extensions import db
from portal.time import london_today


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


def versions_by_day(day: date | None = None) -> tuple[CodeVersion | None, CodeVersion | None]:
    """(the version in force on `day`, the newest published), read once per request."""
    day = day or london_today()
    cache = g.setdefault("code_versions", {})
    if day not in cache:
        versions = db.session.scalars(_from_in_force(sa.select(CodeVersion)), {"day": day}).all()
        cache[day] = in_force_and_latest(versions, day)
    return cache[day]


def version_refs(day: date | None = None) -> tuple[VersionRef | None, VersionRef | None]:
    """As `versions_by_day`, without loading the versions' records; read once per request."""
    day = day or london_today()
    cache = g.setdefault("code_version_refs", {})
    if day not in cache:
        refs = [VersionRef(*row) for row in db.session.execute(version_refs_from(), {"day": day})]
        cache[day] = in_force_and_latest(refs, day)
    return cache[day]


def in_force_and_latest(newest_first: list, day: date) -> tuple:
    """From the versions newest first: the one in force on `day`, and the newest."""
    in_force = next((v for v in newest_first if v.effective_on <= day), None)
    return in_force, newest_first[0] if newest_first else None


def forget_versions() -> None:
    """Drop this request's (or CLI command's) reading of the versions: one has been published."""
    g.pop("code_versions", None)
    g.pop("code_version_refs", None)


# Every supplier's page with the pledge status reads the versions: as pledges._pledge_columns.
@built_once
def version_refs_from() -> sa.Select:
    columns = (CodeVersion.id, CodeVersion.number, CodeVersion.effective_on, CodeVersion.text_sha256)
    return _from_in_force(sa.select(*columns))


def _from_in_force(query: sa.Select) -> sa.Select:
    """`query`'s versions from the one in force on the bound `day` on (only they matter), newest
    first."""
    oldest_relevant = (
        sa.select(sa.func.coalesce(sa.func.max(CodeVersion.id), 0))
        .where(CodeVersion.effective_on <= sa.bindparam("day"))
        .scalar_subquery()
    )
    return query.where(CodeVersion.id >= oldest_relevant).order_by(CodeVersion.number.desc())


def all_versions() -> list[CodeVersion]:
    """Every published version, newest first (one a year or so: no paging needed)."""
    return list(db.session.scalars(sa.select(CodeVersion).order_by(CodeVersion.number.desc())))


def version_numbered(number: int) -> CodeVersion | None:
    return db.session.scalar(sa.select(CodeVersion).where(CodeVersion.number == number))
