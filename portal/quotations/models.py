"""Quotation exercises: the suppliers an officer invites to quote for an opportunity whose
procedure is quotation and, where none of them is a Cheshire supplier, why one was not feasible
(Ethical Procurement Policy 3d)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, str_enum
from portal.time import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.opportunities.models import Opportunity
    from portal.organisations.models import Organisation


class QuotationState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"  # final: who completed it, when, and the local outcome are kept


class QuotationExercise(db.Model):
    """One an opportunity. `has_local_invitee` is what the rule found when the exercise was
    completed, kept so the officers' share does not move when a supplier's status later does."""

    __tablename__ = "quotation_exercises"
    __table_args__ = (
        sa.UniqueConstraint("opportunity_id", name="uq_quotation_exercises_opportunity"),
        sa.CheckConstraint(
            "(state = 'complete') = (completed_at IS NOT NULL AND completed_by_id IS NOT NULL "
            "AND has_local_invitee IS NOT NULL)",
            name="completed_when_complete",
        ),
        # The policy's rule as the database keeps it: complete without a local invitee only with
        # the reason one was not feasible.
        sa.CheckConstraint(
            "state <> 'complete' OR has_local_invitee OR not_feasible_reason IS NOT NULL",
            name="reason_without_local",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    state: Mapped[QuotationState] = mapped_column(
        str_enum(QuotationState, "quotation_state"), default=QuotationState.IN_PROGRESS
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    has_local_invitee: Mapped[bool | None]
    not_feasible_reason: Mapped[str | None] = mapped_column(sa.Text)
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    opportunity: Mapped[Opportunity] = relationship()
    invitees: Mapped[list[QuotationInvitee]] = relationship(
        back_populates="exercise", order_by="QuotationInvitee.id", cascade="all, delete-orphan"
    )
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    # Every UPDATE checks and bumps the revision: of two officers completing at once, one wins.
    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012  (SQLAlchemy reads a plain dict)


class QuotationInvitee(db.Model):
    """A supplier invited to quote: a registered organisation, or one not on the portal named by
    the officer (whose local, SME and VCSE status the portal cannot know)."""

    __tablename__ = "quotation_invitees"
    __table_args__ = (
        sa.UniqueConstraint("exercise_id", "organisation_id", name="uq_quotation_invitees_once"),
        sa.CheckConstraint("(organisation_id IS NULL) <> (name IS NULL)", name="organisation_or_name"),
        sa.CheckConstraint("organisation_id IS NULL OR email IS NULL", name="email_only_when_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("quotation_exercises.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    exercise: Mapped[QuotationExercise] = relationship(back_populates="invitees")
    organisation: Mapped[Organisation | None] = relationship()
    invited_by: Mapped[User] = relationship()

    @property
    def display_name(self) -> str:
        return self.organisation.name if self.organisation is not None else self.name or ""
