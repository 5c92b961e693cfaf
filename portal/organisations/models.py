from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import LabelledEnum
from portal.extensions import Timestamp, db, link_table, str_enum
from portal.organisations.rules import LegalForm
from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.reference.models import CpvDivision


class LivingWage(enum.StrEnum):
    ACCREDITED = "accredited"
    PLAN = "plan"
    NOT_YET = "not_yet"


class AccreditationKind(LabelledEnum):
    """The Ethical Procurement Policy's list (2d), and "other"."""

    ISO_14001 = "iso_14001", "ISO 14001 (environmental management)"
    EMAS = "emas", "EMAS (Eco-Management and Audit Scheme)"
    GLOBALGAP = "globalgap", "GlobalGAP (good agricultural practice)"
    FAIRTRADE = "fairtrade", "Fairtrade"
    RAINFOREST_ALLIANCE = "rainforest_alliance", "Rainforest Alliance"
    TEA_SOURCING_PARTNERSHIP = "tea_sourcing_partnership", "Tea Sourcing Partnership (TSP)"
    SOIL_ASSOCIATION = "soil_association_organic", "Soil Association organic"
    FSC = "fsc", "FSC (Forest Stewardship Council)"
    PEFC = "pefc", "PEFC (Programme for the Endorsement of Forest Certification)"
    SEDEX = "sedex", "SEDEX (supply chain ethical data)"
    OTHER = "other", "Other"


# The answer "none of these" to "which council area are the premises in?".
OUTSIDE_FORCE_AREA = "outside"


def council_area_name(code: str | None) -> str | None:
    """An answer to "which council area are the premises in?" as it reads."""
    if code == OUTSIDE_FORCE_AREA:
        return "None of these: outside the force area"
    return FORCE_AREA_AUTHORITIES.get(code or "", code)


class LocalStatus(enum.StrEnum):
    LOCAL = "local"
    DECLARED = "declared"  # the supplier says its premises are in the force area: to be verified
    NOT_LOCAL = "not_local"


ACCREDITATION_NAMES = AccreditationKind.labels()


class Classification(enum.StrEnum):
    LOCAL = "local"
    SME = "sme"
    VCSE = "vcse"


organisation_cpv_divisions = link_table(
    "organisation_cpv_divisions",
    owner=("organisation_id", "organisations.id"),
    linked=("division", sa.ForeignKey("cpv_divisions.division")),
    index="ix_organisation_cpv_divisions_division",
)


class Organisation(db.Model):
    """A supplier organisation (company, sole trader, charity, CIC, co-operative, ...)."""

    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint("staff_headcount IS NULL OR staff_headcount >= 0", name="headcount_not_negative"),
        sa.CheckConstraint("turnover IS NULL OR turnover >= 0", name="turnover_not_negative"),
        sa.CheckConstraint(
            "balance_sheet_total IS NULL OR balance_sheet_total >= 0", name="balance_not_negative"
        ),
        sa.Index("ix_organisations_registered_at", "registered_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        sa.String(200)
    )  # as the organisation is known: trading, else legal name
    created_at: Mapped[Timestamp]
    # Set once the supplier confirms "check your answers"; the organisation is then registered.
    registered_at: Mapped[datetime | None]

    # About the organisation
    legal_name: Mapped[str | None] = mapped_column(sa.String(200))
    trading_name: Mapped[str | None] = mapped_column(sa.String(200))
    legal_form: Mapped[LegalForm | None] = mapped_column(str_enum(LegalForm, "legal_form", length=40))
    companies_house_number: Mapped[str | None] = mapped_column(sa.String(8), unique=True)
    charity_number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    ppon: Mapped[str | None] = mapped_column(sa.String(40))  # Central Digital Platform identifier

    # Registered address (the other operating sites are OrganisationSite rows)
    address_line_1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line_2: Mapped[str | None] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    postcode: Mapped[str | None] = mapped_column(sa.String(8))
    # The force-area authority the supplier says the premises are in, where the postcode cannot
    # tell, or OUTSIDE_FORCE_AREA; None: not asked, or asked and not yet answered.
    declared_authority: Mapped[str | None] = mapped_column(sa.String(9))
    # The postcode cannot tell and the supplier has not said: the address step is not finished.
    needs_council_area: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Worked out from every premises' postcode whenever an address changes (the look-ups cost a
    # query each, so pages read the result instead of repeating them).
    local_status: Mapped[LocalStatus | None] = mapped_column(str_enum(LocalStatus, "local_status"))
    local_explanation: Mapped[str | None] = mapped_column(sa.Text)

    # Size, for the financial year ending on financial_year_end
    staff_headcount: Mapped[int | None]
    turnover: Mapped[Decimal | None] = mapped_column(sa.Numeric(15, 2))
    balance_sheet_total: Mapped[Decimal | None] = mapped_column(sa.Numeric(15, 2))
    financial_year_end: Mapped[date | None]
    size_reminded_at: Mapped[datetime | None]

    # VCSE and the other Procurement Act flags
    vcse_declared: Mapped[bool | None]
    supported_employment_provider: Mapped[bool | None]
    public_service_mutual: Mapped[bool | None]

    living_wage: Mapped[LivingWage | None] = mapped_column(str_enum(LivingWage, "living_wage"))
    modern_slavery_statement_url: Mapped[str | None] = mapped_column(sa.String(300))
    tax_compliance_declared_at: Mapped[datetime | None]
    tax_compliance_declared_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", use_alter=True)
    )
    # Set once the supplier has answered the accreditations step, even with "none".
    accreditations_answered: Mapped[bool] = mapped_column(default=False)

    members: Mapped[list[User]] = relationship(
        back_populates="organisation", foreign_keys="User.organisation_id"
    )
    sites: Mapped[list[OrganisationSite]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationSite.id"
    )
    divisions: Mapped[list[CpvDivision]] = relationship(
        secondary=organisation_cpv_divisions, order_by="CpvDivision.division"
    )
    accreditations: Mapped[list[Accreditation]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Accreditation.id"
    )
    decisions: Mapped[list[ClassificationDecision]] = relationship(
        back_populates="organisation", order_by="ClassificationDecision.id"
    )

    @property
    def is_registered(self) -> bool:
        return self.registered_at is not None


class OrganisationSite(db.Model):
    """An operating site other than the registered address."""

    __tablename__ = "organisation_sites"
    __table_args__ = (sa.Index("ix_organisation_sites_organisation_id", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(sa.String(100))
    address_line_1: Mapped[str] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    postcode: Mapped[str] = mapped_column(sa.String(8))
    declared_authority: Mapped[str | None] = mapped_column(sa.String(9))  # as the organisation's
    needs_council_area: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    organisation: Mapped[Organisation] = relationship(back_populates="sites")


class Accreditation(db.Model):
    __tablename__ = "accreditations"
    __table_args__ = (
        sa.Index("ix_accreditations_organisation_id", "organisation_id", "id"),
        sa.Index("ix_accreditations_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[AccreditationKind] = mapped_column(
        str_enum(AccreditationKind, "accreditation_kind", length=40)
    )
    other_name: Mapped[str | None] = mapped_column(sa.String(100))
    certificate_number: Mapped[str] = mapped_column(sa.String(100))
    expires_on: Mapped[date]
    # Evidence: stored outside static/ under a random name; only members and officers may fetch it.
    evidence_name: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    evidence_filename: Mapped[str | None] = mapped_column(sa.String(200))
    evidence_type: Mapped[str | None] = mapped_column(sa.String(40))
    evidence_size: Mapped[int | None]
    # Reminders sent (30 and 7 days before, and on expiry): each once.
    reminded_30_at: Mapped[datetime | None]
    reminded_7_at: Mapped[datetime | None]
    reminded_expired_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="accreditations")


class ClassificationDecision(db.Model):
    """An officer's verification or override of a classification, with the value the rules gave
    at the time: when the supplier's answers change that value, the decision no longer applies."""

    __tablename__ = "classification_decisions"
    __table_args__ = (sa.Index("ix_classification_decisions_organisation_id", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    classification: Mapped[Classification] = mapped_column(str_enum(Classification, "classification"))
    computed_value: Mapped[str] = mapped_column(sa.String(40))  # what the rules said when decided
    decided_value: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.Text)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[Timestamp]

    organisation: Mapped[Organisation] = relationship(back_populates="decisions")
    officer: Mapped[User] = relationship(lazy="joined")


class OrganisationInvitation(db.Model):
    """A member's invitation to a colleague; the link carries its id, signed and expiring."""

    __tablename__ = "organisation_invitations"
    __table_args__ = (
        sa.Index("ix_organisation_invitations_email", "email"),
        sa.Index("ix_organisation_invitations_organisation_id", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[Timestamp]
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
