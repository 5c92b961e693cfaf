"""Every table of the portal, imported by the factory so the metadata (and Alembic) knows them."""

from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.jobs import JobRun
from portal.organisations.models import (
    Accreditation,
    ClassificationDecision,
    Organisation,
    OrganisationInvitation,
    OrganisationSite,
)
from portal.outbox.models import Broadcast, OutboxMessage
from portal.postcodes.models import Postcode, PostcodeDistrict, PostcodeImport
from portal.reference.models import CpvDivision, ReferenceFigure

__all__ = [
    "Accreditation",
    "AuditRecord",
    "Broadcast",
    "ClassificationDecision",
    "CpvDivision",
    "JobRun",
    "Organisation",
    "OrganisationInvitation",
    "OrganisationSite",
    "OutboxMessage",
    "Postcode",
    "PostcodeDistrict",
    "PostcodeImport",
    "ReferenceFigure",
    "User",
]
