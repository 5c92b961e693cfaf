"""Every table of the portal, imported by the factory so the metadata (and Alembic) knows them:
importing a module declares each of its tables."""

# ruff: noqa: F401  (imported for the tables they declare)
import portal.accounts.models
import portal.audit
import portal.due_diligence.models
import portal.ethics.models
import portal.jobs
import portal.opportunities.models
import portal.organisations.models
import portal.outbox.models
import portal.postcodes.models
import portal.quotations.models
import portal.reference.models
import portal.social_value.models
import portal.voluntary.models
