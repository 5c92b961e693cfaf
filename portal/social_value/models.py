"""The social value outcome matrix (themes, outcomes, indicators, the portal's measures), offers
against it with their timeline, and the commitments accepted offers become, with delivery reports."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.append_only import append_only
from portal.enums import LabelledEnum
from portal.extensions import Timestamp, db, link_table, str_enum

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.opportunities.models import Opportunity
    from portal.organisations.models import Organisation
    from portal.voluntary.models import DirectoryEntry, Need


class Unit(LabelledEnum):
    HOURS = "hours", "hours"
    PEOPLE = "people", "people"
    PLACEMENTS = "placements", "placements"
    WEEKS = "weeks", "weeks"
    GBP = "gbp", "GBP"
    TONNES = "tonnes", "tonnes"
    TONNES_CO2E = "tonnes_co2e", "tonnes CO2e"
    PERCENT = "percent", "percent"


UNIT_NAMES = Unit.labels()
WHOLE_UNITS = {Unit.PEOPLE, Unit.PLACEMENTS}  # counted, never halved


class Theme(db.Model):
    __tablename__ = "social_value_themes"

    id: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # "social", "economic", ...
    name: Mapped[str] = mapped_column(sa.String(50))
    aim: Mapped[str] = mapped_column(sa.String(200))
    aims: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    outcomes: Mapped[list[Outcome]] = relationship(order_by="Outcome.position", back_populates="theme")
    indicators: Mapped[list[Indicator]] = relationship(order_by="Indicator.position", back_populates="theme")


class ThemeItem:
    """A line of the matrix's wording under a theme, in its place; retired, never deleted, since
    offers name it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[str] = mapped_column(sa.ForeignKey("social_value_themes.id"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(500))
    retired_at: Mapped[datetime | None]


class Outcome(ThemeItem, db.Model):
    __tablename__ = "social_value_outcomes"
    __table_args__ = (sa.UniqueConstraint("theme_id", "position", name="uq_social_value_outcomes_place"),)

    theme: Mapped[Theme] = relationship(back_populates="outcomes")


measure_indicators = link_table(
    "social_value_measure_indicators",
    owner=("measure_id", "social_value_measures.id"),
    linked=("indicator_id", sa.ForeignKey("social_value_indicators.id", ondelete="CASCADE")),
    index="ix_social_value_measure_indicators_indicator",
)


class Indicator(ThemeItem, db.Model):
    __tablename__ = "social_value_indicators"
    __table_args__ = (sa.UniqueConstraint("theme_id", "position", name="uq_social_value_indicators_place"),)

    theme: Mapped[Theme] = relationship(back_populates="indicators")
    measures: Mapped[list[Measure]] = relationship(
        secondary=measure_indicators, back_populates="indicators", order_by="Measure.name"
    )


class Measure(db.Model):
    """The portal's own measures, written from the policy (not the National TOMs')."""

    __tablename__ = "social_value_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)  # the seed file's identifier
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[Unit] = mapped_column(str_enum(Unit, "measure_unit"))
    # GBP of social value per unit: empty unless an admin sets it, with where it comes from.
    proxy_gbp: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    proxy_source: Mapped[str | None] = mapped_column(sa.String(300))
    proxy_dated: Mapped[date | None]
    retired_at: Mapped[datetime | None]

    indicators: Mapped[list[Indicator]] = relationship(
        secondary=measure_indicators, back_populates="measures"
    )

    @property
    def unit_name(self) -> str:
        return UNIT_NAMES[self.unit]

    @property
    def whole(self) -> bool:
        return self.unit in WHOLE_UNITS


class OfferState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    CLARIFICATION = "clarification_requested"
    RESUBMITTED = "resubmitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    # A response to an opportunity, submitted before its closing time: no officer reads it until
    # then; after, it is evaluated with the organisation's other offers for the opportunity, and
    # the award accepts or declines it (portal.opportunities.responses).
    SEALED = "sealed"


offer_outcomes = link_table(
    "social_value_offer_outcomes",
    owner=("offer_id", "social_value_offers.id"),
    linked=("outcome_id", sa.ForeignKey("social_value_outcomes.id")),
    index="ix_social_value_offer_outcomes_outcome",
)


# The states awaiting officers (portal.social_value.workflow.AWAITING_OFFICERS), as the queue's
# partial index and its query say it.
AWAITING_SQL = "state IN ('resubmitted', 'submitted', 'under_review')"


class Offer(db.Model):
    __tablename__ = "social_value_offers"
    __table_args__ = (
        sa.Index("ix_social_value_offers_organisation", "organisation_id", "id"),
        # The officers' queue: oldest first within the states awaiting them, filtered by theme.
        sa.Index("ix_social_value_offers_state_queue", "state", "queued_at", "id"),
        # The unfiltered queue reads this in order: only the offers awaiting officers, so it never
        # steps over the drafts and decided offers. The queue's query repeats the condition word
        # for word (AWAITING_SQL), as SQLite needs to use a partial index.
        sa.Index(
            "ix_social_value_offers_awaiting",
            "queued_at",
            "id",
            sqlite_where=sa.text(AWAITING_SQL),
            postgresql_where=sa.text(AWAITING_SQL),
        ),
        sa.Index("ix_social_value_offers_theme_state", "theme_id", "state", "queued_at", "id"),
        sa.Index("ix_social_value_offers_opportunity", "opportunity_id", "organisation_id"),
        sa.CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "state = 'draft' OR (theme_id IS NOT NULL AND indicator_id IS NOT NULL AND measure_id IS NOT NULL "
            "AND quantity IS NOT NULL AND authority IS NOT NULL AND due_on IS NOT NULL AND queued_at IS NOT NULL)",
            name="complete_unless_draft",
        ),
        sa.CheckConstraint(
            "(state IN ('accepted', 'declined')) = (decided_at IS NOT NULL)", name="decided_when_decided"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[Timestamp]
    state: Mapped[OfferState] = mapped_column(
        str_enum(OfferState, "offer_state", length=30), default=OfferState.DRAFT
    )
    # Bumped by every change of state: a form carries it, so a stale form is refused.
    revision: Mapped[int] = mapped_column(default=1)
    # When it last entered the officers' queue (submitted or resubmitted): the queue's order.
    queued_at: Mapped[datetime | None]

    theme_id: Mapped[str | None] = mapped_column(sa.ForeignKey("social_value_themes.id"))
    indicator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("social_value_indicators.id"))
    description: Mapped[str | None] = mapped_column(sa.Text)
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("social_value_measures.id"))
    quantity: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    authority: Mapped[str | None] = mapped_column(sa.String(9))
    due_on: Mapped[date | None]
    partner_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directory_entries.id"))
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"))
    # Set for a response to an opportunity, which is sealed instead of reviewed; None for a
    # general commitment to Cheshire.
    opportunity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opportunities.id"))
    partner_answered: Mapped[bool] = mapped_column(default=False)  # the optional step was seen

    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    theme: Mapped[Theme | None] = relationship()
    outcomes: Mapped[list[Outcome]] = relationship(secondary=offer_outcomes, order_by="Outcome.position")
    indicator: Mapped[Indicator | None] = relationship()
    measure: Mapped[Measure | None] = relationship()
    partner: Mapped[DirectoryEntry | None] = relationship()
    need: Mapped[Need | None] = relationship()
    opportunity: Mapped[Opportunity | None] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    events: Mapped[list[OfferEvent]] = relationship(order_by="OfferEvent.id", back_populates="offer")
    commitment: Mapped[Commitment | None] = relationship(back_populates="offer")

    # Every UPDATE checks and bumps the revision: of two officers deciding at once, one wins.
    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012  (SQLAlchemy reads a plain dict)


@append_only
class OfferEvent(db.Model):
    """One move on the offer's timeline: who, when, what, and the words said (question, answer,
    reason). Kept as the record: never changed."""

    __tablename__ = "social_value_offer_events"
    __table_args__ = (sa.Index("ix_social_value_offer_events_offer", "offer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("social_value_offers.id"))
    action: Mapped[str] = mapped_column(sa.String(30))
    from_state: Mapped[str] = mapped_column(sa.String(30))
    to_state: Mapped[str] = mapped_column(sa.String(30))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_at: Mapped[Timestamp]

    offer: Mapped[Offer] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()


class Commitment(db.Model):
    """What an accepted offer commits the organisation to deliver, and by when."""

    __tablename__ = "social_value_commitments"
    __table_args__ = (
        sa.Index("ix_social_value_commitments_organisation", "organisation_id", "id"),
        sa.Index("ix_social_value_commitments_due", "delivered_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("social_value_offers.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("social_value_measures.id"))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    due_on: Mapped[date]
    created_at: Mapped[Timestamp]
    # Verified delivery so far, kept with the reports so lists need no sum.
    delivered_quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal(0))
    delivered_at: Mapped[datetime | None]  # when verified delivery reached it
    overdue_reminded_at: Mapped[datetime | None]

    offer: Mapped[Offer] = relationship(back_populates="commitment")
    measure: Mapped[Measure] = relationship()
    reports: Mapped[list[DeliveryReport]] = relationship(
        order_by="DeliveryReport.id", back_populates="commitment"
    )


class ReportState(enum.StrEnum):
    SUBMITTED = "submitted"  # reported by the supplier (and perhaps confirmed by the partner)
    VERIFIED = "verified"  # an officer verified it: it counts towards the commitment


class DeliveryReport(db.Model):
    __tablename__ = "social_value_delivery_reports"
    __table_args__ = (
        sa.Index("ix_social_value_delivery_reports_commitment", "commitment_id", "id"),
        sa.Index("ix_social_value_delivery_reports_unverified", "verified_at", "id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        # The state and the verification agree.
        sa.CheckConstraint(
            "(state = 'verified') = (verified_at IS NOT NULL)", name="verified_when_verified_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(sa.ForeignKey("social_value_commitments.id"))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    delivered_on: Mapped[date]
    description: Mapped[str] = mapped_column(sa.Text)
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reported_at: Mapped[Timestamp]
    evidence_name: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    evidence_filename: Mapped[str | None] = mapped_column(sa.String(200))
    evidence_type: Mapped[str | None] = mapped_column(sa.String(40))
    evidence_size: Mapped[int | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # the partner's member
    confirmed_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # an officer
    verified_at: Mapped[datetime | None]
    state: Mapped[ReportState] = mapped_column(
        str_enum(ReportState, "report_state"), default=ReportState.SUBMITTED, server_default="submitted"
    )
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    commitment: Mapped[Commitment] = relationship(back_populates="reports")
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    # Every UPDATE checks and bumps the revision: of two officers verifying at once, one wins.
    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012  (SQLAlchemy reads a plain dict)
