"""Every table of the portal, imported by the factory so the metadata (and Alembic) knows them."""

from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.jobs import JobRun
from portal.organisations.models import Organisation
from portal.outbox.models import Broadcast, OutboxMessage

__all__ = ["AuditRecord", "Broadcast", "JobRun", "Organisation", "OutboxMessage", "User"]
