"""Demo rows for the outbox and the audit log (`flask demo-data`)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from portal.audit import AuditRecord
from portal.demo import insert_in_chunks, seeder
from portal.outbox.models import MessageState, OutboxMessage
from portal.time import utcnow

SUBJECTS = ["Verify your email address", "New registration", "Code of Ethics signed", "Offer submitted"]
ACTIONS = ["officer.invited", "account.disabled", "offer.accepted", "offer.declined", "pledge.signed"]


@seeder("outbox")
def seed_outbox(rows: int, rng: random.Random) -> int:
    now = utcnow()
    return insert_in_chunks(OutboxMessage, (_message(n, rows, now, rng) for n in range(rows)))


def _message(n: int, rows: int, now: datetime, rng: random.Random) -> dict:
    """Message n, made in the last year to one of `rows` suppliers: most sent, a few failed or queued."""
    created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
    state = rng.choices(list(MessageState), weights=[2, 0, 95, 3])[0]
    return {
        "recipients": [f"supplier{rng.randint(1, rows or 1)}@example.com"],
        "subject": rng.choice(SUBJECTS),
        "template": "outbox/smtp_check",
        "body_text": f"Demo message {n}",
        "body_html": f"<p>Demo message {n}</p>",
        "has_secret": False,
        "state": state,
        "attempts": 0 if state == MessageState.QUEUED else 1,
        "next_attempt_at": created,
        "created_at": created,
        "sent_at": created if state == MessageState.SENT else None,
        "last_error": "550 No such user" if state == MessageState.FAILED else None,
    }


@seeder("audit")
def seed_audit(rows: int, rng: random.Random) -> int:
    now = utcnow()
    return insert_in_chunks(AuditRecord, (_audit_record(n, rows, now, rng) for n in range(rows)))


def _audit_record(n: int, rows: int, now: datetime, rng: random.Random) -> dict:
    """Record n of `rows`, oldest first, one a minute up to now, by one of 20 officers."""
    return {
        "occurred_at": now - timedelta(minutes=rows - n),
        "actor_id": rng.randint(1, 20),
        "actor_kind": "officer",
        "action": rng.choice(ACTIONS),
        "record_type": "demo",
        "record_id": str(n),
        "details": {},
    }
