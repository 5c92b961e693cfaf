"""An organisation's latest due diligence answers with their rating, and officers' follow-ups.

The answers are one row per organisation, replaced by each submission (the audit log keeps each
submission's rating). The rating is stored with what produced it (the rules' version, the
rules that applied, the profile facts read) so the supplier and the officers see the reasons it
was given, even after the profile or the rules change. Follow-ups are records: append-only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from portal.append_only import append_only
from portal.due_diligence.rules import RANK, RiskRating, Sector, Training
from portal.extensions import Timestamp, db, str_enum

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.organisations.models import Organisation

RANK_MATCHES_RATING = " OR ".join(
    f"(rating = '{rating.value}' AND rating_rank = {rank})" for rating, rank in RANK.items()
)


class DueDiligenceAnswers(db.Model):
    __tablename__ = "due_diligence_answers"
    __table_args__ = (
        sa.CheckConstraint(RANK_MATCHES_RATING, name="rank_matches_rating"),
        sa.CheckConstraint("score >= 0", name="score_not_negative"),
        # The officers' list: highest rating first, then the latest answered.
        sa.Index("ix_due_diligence_answers_rank", "rating_rank", "answered_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), unique=True)

    # The questionnaire. Several-valued answers are lists of the enums' values in rules.py.
    sector: Mapped[Sector] = mapped_column(str_enum(Sector, "due_diligence_sector", length=40))
    sourcing: Mapped[list[str]] = mapped_column(sa.JSON)
    countries: Mapped[str | None] = mapped_column(sa.String(300))
    agency_labour: Mapped[bool]
    agency_checks: Mapped[list[str]] = mapped_column(sa.JSON)  # empty when agency_labour is False
    social_audits: Mapped[list[str]] = mapped_column(sa.JSON)
    other_audit: Mapped[str | None] = mapped_column(sa.String(100))
    grievance_route: Mapped[bool]
    training: Mapped[Training] = mapped_column(str_enum(Training, "due_diligence_training"))

    # What the profile said when the answers were rated (shown there, never asked here).
    profile_sedex: Mapped[bool]
    profile_statement_url: Mapped[str | None] = mapped_column(sa.String(300))

    # The rating and what produced it.
    rules_version: Mapped[int]
    score: Mapped[int]
    rating: Mapped[RiskRating] = mapped_column(str_enum(RiskRating, "due_diligence_rating"))
    rating_rank: Mapped[int]
    raised_by: Mapped[list[str]] = mapped_column(sa.JSON)  # the ids of the rules that applied
    answered_at: Mapped[Timestamp]
    answered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship()
    answered_by: Mapped[User] = relationship()
    # How many follow-ups the organisation has, where a query loads it (the officers' list).
    follow_up_count: Mapped[int | None] = query_expression()

    def rules_answers(self) -> dict[str, str | list[str]]:
        """The answers as the rules read them (portal.due_diligence.rules.QUESTIONS)."""
        return {
            "sector": self.sector.value,
            "sourcing": list(self.sourcing),
            "agency_labour": _yes_no(self.agency_labour),
            "agency_checks": list(self.agency_checks),
            "social_audits": list(self.social_audits),
            "grievance_route": _yes_no(self.grievance_route),
            "training": self.training.value,
            "profile_sedex": _yes_no(self.profile_sedex),
            "profile_statement": _yes_no(self.profile_statement_url is not None),
        }


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@append_only
class DueDiligenceFollowUp(db.Model):
    """What an officer did or asked after reading an organisation's answers."""

    __tablename__ = "due_diligence_follow_ups"
    __table_args__ = (sa.Index("ix_due_diligence_follow_ups_organisation_id", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The rating the officer was looking at, as the note may only make sense beside it.
    rating: Mapped[RiskRating] = mapped_column(str_enum(RiskRating, "due_diligence_rating"))
    note: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[Timestamp]

    officer: Mapped[User] = relationship()
