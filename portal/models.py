"""Every table of the portal, imported by the factory so the metadata (and Alembic) knows them."""

from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.due_diligence.models import DueDiligenceAnswers, DueDiligenceFollowUp
from portal.ethics.models import CodeVersion, Pledge
from portal.jobs import JobRun
from portal.opportunities.models import (
    AlertOptOut,
    Award,
    ConflictDeclaration,
    Interest,
    Lot,
    Opportunity,
    ResponseScore,
)
from portal.organisations.models import (
    Accreditation,
    ClassificationDecision,
    Organisation,
    OrganisationInvitation,
    OrganisationSite,
)
from portal.outbox.models import Broadcast, OutboxMessage
from portal.postcodes.models import Postcode, PostcodeDistrict, PostcodeImport
from portal.quotations.models import QuotationExercise, QuotationInvitee
from portal.reference.models import CpvDivision, ReferenceFigure
from portal.social_value.models import (
    Commitment,
    DeliveryReport,
    Indicator,
    Measure,
    Offer,
    OfferEvent,
    Outcome,
    Theme,
)
from portal.voluntary.models import DirectoryEntry, DirectoryEntryArea, Need, NeedResponse

__all__ = [
    "Accreditation",
    "AlertOptOut",
    "AuditRecord",
    "Award",
    "Broadcast",
    "ClassificationDecision",
    "CodeVersion",
    "Commitment",
    "ConflictDeclaration",
    "CpvDivision",
    "DeliveryReport",
    "DirectoryEntry",
    "DirectoryEntryArea",
    "DueDiligenceAnswers",
    "DueDiligenceFollowUp",
    "Indicator",
    "Interest",
    "JobRun",
    "Lot",
    "Measure",
    "Need",
    "NeedResponse",
    "Offer",
    "OfferEvent",
    "Opportunity",
    "Organisation",
    "OrganisationInvitation",
    "OrganisationSite",
    "OutboxMessage",
    "Outcome",
    "Pledge",
    "Postcode",
    "PostcodeDistrict",
    "PostcodeImport",
    "QuotationExercise",
    "QuotationInvitee",
    "ReferenceFigure",
    "ResponseScore",
    "Theme",
    "User",
]
