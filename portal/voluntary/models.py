"""The voluntary-sector directory (infrastructure bodies that broker volunteering) and the needs
board, where voluntary bodies ask for help and suppliers answer."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import LabelledEnum
from portal.extensions import Timestamp, db, link_table, str_enum

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.organisations.models import Organisation
    from portal.social_value.models import Outcome

# The force area's four unitary authorities, and St Helens, which one body also serves.
AREAS: dict[str, str] = {
    "E06000049": "Cheshire East",
    "E06000050": "Cheshire West and Chester",
    "E06000006": "Halton",
    "E06000007": "Warrington",
    "E08000013": "St Helens",
}


class NeedKind(LabelledEnum):
    VOLUNTEERING = "volunteering_hours", "Volunteering hours"
    MENTORING = "mentoring", "Mentoring"
    PLACEMENTS = "work_placements", "Work placements"
    GOODS = "goods", "Goods"
    SKILLS = "skills", "Skills"
    FUNDING = "funding", "Funding"


NEED_KIND_NAMES = NeedKind.labels()


class NeedState(enum.StrEnum):
    PENDING = "pending"  # waiting for an officer to approve it
    PUBLISHED = "published"
    DECLINED = "declined"
    MET = "met"  # the poster says the need is met
    CLOSED = "closed"  # past its end date, or closed by the poster


entry_areas = link_table(
    "directory_entry_areas",
    owner=("entry_id", "directory_entries.id"),
    linked=("authority", sa.String(9)),
    index="ix_directory_entry_areas_authority",
)


# The keyword search's trigram indexes, made by a migration on PostgreSQL only (SQLite scans): the
# migration check leaves them alone, since no model declares them.
SEARCH_OBJECTS = frozenset({"ix_directory_entries_name_trigrams", "ix_directory_entries_brokers_trigrams"})


class DirectoryEntry(db.Model):
    __tablename__ = "directory_entries"
    __table_args__ = (sa.Index("ix_directory_entries_retired_at", "retired_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    brokers: Mapped[str] = mapped_column(sa.Text, default="")  # what it brokers, in plain words
    website: Mapped[str | None] = mapped_column(sa.String(300))
    phones: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # as written, UK numbers
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # Where the details came from; the day an officer last confirmed them (None: never, as seeded).
    source: Mapped[str] = mapped_column(sa.String(300))
    checked_on: Mapped[date | None]
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A registered VCSE organisation whose members act for this body (post needs).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), unique=True)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[Timestamp]

    area_rows = relationship("DirectoryEntryArea", cascade="all, delete-orphan", lazy="selectin")
    organisation: Mapped[Organisation | None] = relationship()
    checked_by: Mapped[User | None] = relationship()

    @property
    def areas(self) -> list[str]:
        """The authorities served, in the order of AREAS."""
        codes = {row.authority for row in self.area_rows}
        return [code for code in AREAS if code in codes]

    @areas.setter
    def areas(self, codes: list[str]) -> None:
        wanted = [code for code in AREAS if code in set(codes)]
        kept = [row for row in self.area_rows if row.authority in wanted]
        have = {row.authority for row in kept}
        self.area_rows = kept + [DirectoryEntryArea(authority=code) for code in wanted if code not in have]


class DirectoryEntryArea(db.Model):
    __table__ = entry_areas


# Who a need is from when neither a directory body nor an organisation posted it.
NEED_FROM_PROCUREMENT = "Procurement unit"


class Need(db.Model):
    __tablename__ = "needs"
    __table_args__ = (
        sa.Index("ix_needs_state_id", "state", "id"),
        sa.Index("ix_needs_state_area_id", "state", "authority", "id"),
        sa.Index("ix_needs_state_kind_id", "state", "kind", "id"),
        sa.Index("ix_needs_organisation_id", "organisation_id", "id"),
        sa.Index("ix_needs_entry_id", "entry_id", "id"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[NeedKind] = mapped_column(str_enum(NeedKind, "need_kind"))
    authority: Mapped[str] = mapped_column(sa.String(9))  # the area it is in (AREAS)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    state: Mapped[NeedState] = mapped_column(str_enum(NeedState, "need_state"), default=NeedState.PENDING)
    # Who asks: a VCSE organisation's member, or an officer for a directory body.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directory_entries.id"))
    # The social value outcome the need serves (optional), so an offer answering it can pick it.
    outcome_id: Mapped[int | None] = mapped_column(sa.ForeignKey("social_value_outcomes.id"))
    posted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[Timestamp]
    closed_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation | None] = relationship()
    entry: Mapped[DirectoryEntry | None] = relationship()
    outcome: Mapped[Outcome | None] = relationship()
    posted_by: Mapped[User] = relationship(foreign_keys=[posted_by_id])
    responses: Mapped[list[NeedResponse]] = relationship(back_populates="need", order_by="NeedResponse.id")

    # Every UPDATE checks and bumps the revision: of two officers deciding at once, one wins.
    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012  (SQLAlchemy reads a plain dict)

    @property
    def asker(self) -> str:
        """Who the need is from, as the public reads it."""
        if self.entry is not None:
            return self.entry.name
        return self.organisation.name if self.organisation is not None else NEED_FROM_PROCUREMENT


class NeedResponse(db.Model):
    """A supplier's answer to a need ("we can offer 40 volunteer hours")."""

    __tablename__ = "need_responses"
    __table_args__ = (
        sa.Index("ix_need_responses_need_id", "need_id", "id"),
        # An organisation's answers, newest first (its home page).
        sa.Index("ix_need_responses_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[Timestamp]

    need: Mapped[Need] = relationship(back_populates="responses")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()
