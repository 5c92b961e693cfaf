"""The selects behind the officer lists, filtered as the filter forms say. Each list is one
query per page (see portal.pagination); what a row shows is loaded with it. The outbox, audit and
organisations lists read only the columns they show, as plain rows: not an email's
body, and no ORM object to build and track for each of a read-only page's rows; and their
statements are built once per set of filters (see portal.pagination.newest_first)."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import Role, User
from portal.audit import AuditRecord
from portal.database import any_like, contains_pattern
from portal.outbox.models import MessageState, OutboxMessage


def accounts(q: str = "", role: str = "", status: str = "") -> sa.Select:
    query = sa.select(User).options(selectinload(User.organisation))
    if q:
        query = query.where(any_like(contains_pattern(q), User.email, User.name))
    if role in Role._value2member_map_:
        query = query.where(User.role == Role(role))
    if status == "disabled":
        query = query.where(User.is_disabled.is_(True))
    elif status == "unverified":
        query = query.where(User.is_disabled.is_(False), User.email_verified_at.is_(None))
    elif status == "active":
        query = query.where(User.is_disabled.is_(False), User.email_verified_at.is_not(None))
    return query


# The outbox, audit and organisations lists: each a statement built once per set of filters, and
# the values of its parameters, for portal.pagination.newest_first.


def outbox(state: str = "") -> tuple[sa.Select, dict]:
    values = {"state": MessageState(state)} if state in MessageState._value2member_map_ else {}
    return _outbox(bool(values)), values


@functools.cache
def _outbox(by_state: bool) -> sa.Select:
    columns = (
        OutboxMessage.id,
        OutboxMessage.subject,
        OutboxMessage.recipients,
        OutboxMessage.state,
        OutboxMessage.attempts,
        OutboxMessage.last_error,
        OutboxMessage.created_at,
    )
    query = sa.select(*columns)
    return query.where(OutboxMessage.state == sa.bindparam("state")) if by_state else query


def audit(
    actor_id: int | None = None, action: str = "", record_type: str = "", record_id: str = ""
) -> tuple[sa.Select, dict]:
    values: dict[str, object] = {
        name: value
        for name, value in (
            ("actor_id", actor_id),
            ("action", action),
            ("record_type", record_type),
            ("record_id", record_id),
        )
        if value not in (None, "")
    }
    return _audit(frozenset(values)), values


@functools.cache
def _audit(filters: frozenset[str]) -> sa.Select:
    columns = (
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
    query = sa.select(*columns).select_from(AuditRecord).outerjoin(User, User.id == AuditRecord.actor_id)
    for name in sorted(filters):
        query = query.where(getattr(AuditRecord, name) == sa.bindparam(name))
    return query
