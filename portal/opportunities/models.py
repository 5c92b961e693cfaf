"""Opportunities officers publish, their lots, the organisations interested in them, and the
categories organisations are alerted about."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import LabelledEnum
from portal.extensions import Timestamp, db, link_table, str_enum
from portal.time import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.organisations.models import Organisation
    from portal.reference.models import CpvDivision


class Procedure(LabelledEnum):
    QUOTATION = "quotation", "Quotation (three quotes invited)"
    TENDER = "tender", "Tender (advertised)"
    CALL_OFF = "call_off", "Framework call-off"


PROCEDURE_NAMES = Procedure.labels()


class OpportunityState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"  # closed by an officer before its closing time


class ResponseRoute(LabelledEnum):
    """Where a supplier makes its social value response."""

    PORTAL = "portal", "On this portal, as a social value offer for this opportunity"
    TENDER_BOX = "tender_box", "In the tender box, with the rest of the bid"


ROUTE_NAMES = ResponseRoute.labels()

# The search's own objects, made by migrations for each database (portal.opportunities.search):
# the migration check leaves them alone, since no model declares them.
SEARCH_OBJECTS = frozenset(
    {
        "opportunities_fts",
        "opportunities_fts_config",
        "opportunities_fts_content",
        "opportunities_fts_data",
        "opportunities_fts_docsize",
        "opportunities_fts_idx",
        "search_vector",
        "ix_opportunities_search_vector",
    }
)


class Opportunity(db.Model):
    __tablename__ = "opportunities"
    __table_args__ = (
        # The public list: published ones by closing date, with or without a category.
        sa.Index("ix_opportunities_state_closes", "state", "closes_at", "id"),
        sa.Index("ix_opportunities_division_closes", "cpv_division", "state", "closes_at", "id"),
        sa.CheckConstraint("value_ex_vat >= 0", name="value_not_negative"),
        sa.CheckConstraint("vat_rate >= 0 AND vat_rate <= 100", name="vat_rate_percent"),
        sa.CheckConstraint("weighting >= 0 AND weighting <= 100", name="weighting_percent"),
        sa.CheckConstraint("(state = 'draft') = (published_at IS NULL)", name="published_when_published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(50), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    cpv_division: Mapped[str] = mapped_column(sa.ForeignKey("cpv_divisions.division"))
    value_ex_vat: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    vat_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    procedure: Mapped[Procedure] = mapped_column(str_enum(Procedure, "procedure"))
    closes_at: Mapped[datetime]
    notice_url: Mapped[str | None] = mapped_column(sa.String(300))
    suitable_sme: Mapped[bool] = mapped_column(default=False)
    suitable_vcse: Mapped[bool] = mapped_column(default=False)
    response_route: Mapped[ResponseRoute] = mapped_column(str_enum(ResponseRoute, "response_route"))
    # Percent of the total score; below the default only with a reason the opportunity shows.
    weighting: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    weighting_reason: Mapped[str | None] = mapped_column(sa.Text)

    state: Mapped[OpportunityState] = mapped_column(
        str_enum(OpportunityState, "opportunity_state"), default=OpportunityState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the alert broadcast was queued: once an opportunity, however often it is edited.
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    division: Mapped[CpvDivision] = relationship(lazy="joined")
    lots: Mapped[list[Lot]] = relationship(
        back_populates="opportunity", order_by="Lot.number", cascade="all, delete-orphan"
    )
    created_by: Mapped[User] = relationship()

    # Every UPDATE checks and bumps the revision: of two officers publishing or closing at once,
    # one wins (portal.opportunities.workflow).
    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012  (SQLAlchemy reads a plain dict)


class Lot(db.Model):
    __tablename__ = "opportunity_lots"
    __table_args__ = (
        sa.UniqueConstraint("opportunity_id", "number", name="uq_opportunity_lots_number"),
        sa.CheckConstraint("value_ex_vat >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    value_ex_vat: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    cpv_division: Mapped[str] = mapped_column(sa.ForeignKey("cpv_divisions.division"))

    opportunity: Mapped[Opportunity] = relationship(back_populates="lots")


class Interest(db.Model):
    """An organisation has said it is interested in an opportunity (once)."""

    __tablename__ = "opportunity_interests"
    __table_args__ = (
        sa.UniqueConstraint("opportunity_id", "organisation_id", name="uq_opportunity_interests_once"),
        sa.Index("ix_opportunity_interests_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    registered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    registered_at: Mapped[Timestamp]

    organisation: Mapped[Organisation] = relationship()
    registered_by: Mapped[User] = relationship()


# The categories an organisation is alerted about when an opportunity is published in them.
alert_divisions = link_table(
    "opportunity_alert_divisions",
    owner=("organisation_id", "organisations.id"),
    linked=("cpv_division", sa.ForeignKey("cpv_divisions.division")),
    index="ix_opportunity_alert_divisions_division",
)


class AlertOptOut(db.Model):
    """A member who followed an alert's unsubscribe link: sent no more opportunity alerts."""

    __tablename__ = "opportunity_alert_opt_outs"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    opted_out_at: Mapped[Timestamp]


class ConflictDeclaration(db.Model):
    """An officer's declaration of no conflict of interest with an organisation, made before
    scoring its response to the opportunity."""

    __tablename__ = "opportunity_conflict_declarations"
    __table_args__ = (
        sa.UniqueConstraint(
            "opportunity_id",
            "organisation_id",
            "officer_id",
            name="uq_opportunity_conflict_declarations_once",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    declared_at: Mapped[Timestamp]


class ResponseScore(db.Model):
    """The score of an organisation's social value response to an opportunity (its offers for it
    together), 0 to 100, with the comment it gets back as feedback once the opportunity is awarded."""

    __tablename__ = "opportunity_response_scores"
    __table_args__ = (
        sa.UniqueConstraint("opportunity_id", "organisation_id", name="uq_opportunity_response_scores_once"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text)
    scored_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    scored_at: Mapped[Timestamp]

    scored_by: Mapped[User] = relationship()


class Award(db.Model):
    """A lot (or the whole opportunity, where it has no lots) awarded to an organisation."""

    __tablename__ = "opportunity_awards"
    __table_args__ = (
        sa.UniqueConstraint("opportunity_id", "lot_id", "organisation_id", name="uq_opportunity_awards_once"),
        sa.Index("ix_opportunity_awards_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="CASCADE"))
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opportunity_lots.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    awarded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    awarded_at: Mapped[Timestamp]

    organisation: Mapped[Organisation] = relationship()
    lot: Mapped[Lot | None] = relationship()
