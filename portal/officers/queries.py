"""The selects behind the officer lists, filtered as the filter forms say. Each list is one
query per page (see portal.pagination); what a row shows is loaded with it. The outbox, audit and
organisations lists read only the columns they show, as plain rows: not an email's
body, and no ORM object to build and track for each of a read-only page's rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import Role, User
from portal.audit import AuditRecord
from portal.database import any_like, contains_pattern
from portal.outbox.models import MessageState, OutboxMessage

# What each choice of the accounts' status filter keeps.
_ACCOUNT_STATUSES = {
    "disabled": (User.is_disabled.is_(True),),
    "unverified": (User.is_disabled.is_(False), User.email_verified_at.is_(None)),
    "active": (User.is_disabled.is_(False), User.email_verified_at.is_not(None)),
}


def accounts(q: str = "", role: str = "", status: str = "") -> sa.Select:
    query = sa.select(User).options(selectinload(User.organisation))
    if q:
        query = query.where(any_like(contains_pattern(q), User.email, User.name))
    if role in Role._value2member_map_:
        query = query.where(User.role == Role(role))
    return query.where(*_ACCOUNT_STATUSES.get(status, ()))


# What the outbox list shows of a message: not its body.
_OUTBOX_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.subject,
    OutboxMessage.recipients,
    OutboxMessage.state,
    OutboxMessage.attempts,
    OutboxMessage.last_error,
    OutboxMessage.created_at,
)


def outbox(state: str = "") -> sa.Select:
    """The outbox's rows as plain columns: not an email's body."""
    query = sa.select(*_OUTBOX_COLUMNS)
    if state in MessageState._value2member_map_:
        query = query.where(OutboxMessage.state == MessageState(state))
    return query


# What the audit log shows of a record.
_AUDIT_COLUMNS = (
    AuditRecord.id,
    AuditRecord.occurred_at,
    AuditRecord.actor_kind,
    AuditRecord.action,
    AuditRecord.record_type,
    AuditRecord.record_id,
    AuditRecord.details,
    # Who acted, where an account did and still exists (the log keeps no foreign key).
    User.name.label("actor_name"),
    User.email.label("actor_email"),
)


def audit(
    actor_id: int | None = None, action: str = "", record_type: str = "", record_id: str = ""
) -> sa.Select:
    """The audit log's rows as plain columns, with who acted."""
    query = (
        sa.select(*_AUDIT_COLUMNS).select_from(AuditRecord).outerjoin(User, User.id == AuditRecord.actor_id)
    )
    for column, value in (
        (AuditRecord.actor_id, actor_id),
        (AuditRecord.action, action),
        (AuditRecord.record_type, record_type),
        (AuditRecord.record_id, record_id),
    ):
        if value not in (None, ""):
            query = query.where(column == value)
    return query
