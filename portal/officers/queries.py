"""The selects behind the officer lists, filtered as the filter forms say. Each list is one
query per page (see portal.pagination); what a row shows is loaded with it. The outbox, audit and
organisations lists read only the columns they show, as plain rows: not an email's
body, and no ORM object to build and track for each of a read-only page's rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import Role, User
from portal.audit import AuditRecord
from portal.database import any_like, built_once, contains_pattern
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
    """The outbox's rows as plain columns (not an email's body): every message, or those in
    `state` where it is one."""
    return _outbox(MessageState(state) if state in MessageState._value2member_map_ else None)


# Built once: the outbox went 1.9 -> 1.7 ms a GET (docs/performance.md).
@built_once
def _outbox(state: MessageState | None) -> sa.Select:
    query = sa.select(*_OUTBOX_COLUMNS)
    return query if state is None else query.where(OutboxMessage.state == state)


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
) -> tuple[sa.Select, dict[str, object]]:
    """The audit log's rows as plain columns, with who acted, for the filters given: the
    statement, and the values it is run with."""
    values = {"actor_id": actor_id, "action": action, "record_type": record_type, "record_id": record_id}
    chosen = {name: value for name, value in values.items() if value not in (None, "")}
    return _audit(frozenset(chosen)), chosen


# Built once: the audit log went 2.0 -> 1.8 ms a GET (docs/performance.md).
@built_once
def _audit(filters: frozenset[str]) -> sa.Select:
    """The audit log's statement, with a bound value for each of the `filters` (column names)."""
    query = (
        sa.select(*_AUDIT_COLUMNS).select_from(AuditRecord).outerjoin(User, User.id == AuditRecord.actor_id)
    )
    return query.where(*(AuditRecord.__table__.c[name] == sa.bindparam(name) for name in sorted(filters)))
