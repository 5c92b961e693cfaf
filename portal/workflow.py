"""The workflow's mechanism, once: a model's states and allowed moves as data (`Workflow`, `Move`),
and `transition`, the one way a record changes state.

An area declares its table in its `workflow.py` and registers it for its model; its services call
`transition(record, move, actor=..., note=..., revision=...)`, which refuses a move the table does
not allow with `Refused` (the message a page shows, and the form field it belongs to), applies it,
checks the record's optimistic revision, and writes the audit record and the move's emails in the
same transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm.exc import StaleDataError

from portal import audit
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User


class Refused(ValueError):
    """The change is not allowed now: the message says why, in words for the officer or supplier;
    `field` names the form field it belongs to, where one does."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# Hooks a move may carry: a check that raises Refused, what else the move changes, and an email.
Check = Callable[[Any, "User | None"], None]
Effect = Callable[[Any, "User | None", str], None]
Email = Callable[[Any, "User | None", str], None]


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[enum.Enum]
    target: enum.Enum
    by: frozenset[str]  # who may make it: "supplier", "officer", "system"
    note: str | None = None  # None, "optional" or "required"
    note_missing: str = "Enter a note"  # the message when a required note is missing
    checks: tuple[Check, ...] = ()
    effects: tuple[Effect, ...] = ()
    emails: tuple[Email, ...] = ()


@dataclass(frozen=True)
class Workflow:
    """One model's table. The messages take {state}, {target} and {noun}."""

    noun: str  # "need": names the audit actions ("need.published") and the messages
    moves: dict[str, Move]
    audit_action: str = "{noun}.{move}"  # or "{noun}.{target}"
    # What the audit record says of a move: by default the states and the note.
    audit_details: Callable[[Any, enum.Enum, Move, str], dict[str, Any]] = (
        lambda _record, before, move, note: (
            {"from": before.value, "to": move.target.value} | ({"note": note[:500]} if note else {})
        )
    )
    wrong_state: str = "This {noun} has changed since you opened the page: see where it is now"
    stale: str = "This {noun} has changed since you opened the page: see where it is now"
    clash: str = "Someone else has changed this {noun} meanwhile: see where it is now"
    not_yours: str = "You cannot do that"  # the refusal of a move this actor may not make


_TABLES: dict[type, Workflow] = {}


def register(model: type, workflow: Workflow) -> Workflow:
    """Make `workflow` the table `transition` uses for `model`'s records."""
    _TABLES[model] = workflow
    return workflow


def table_of(record: object) -> Workflow:
    return _TABLES[type(record)]


def kind_of(actor: User | None) -> str:
    """How an actor acts: "officer" for staff (admins included), "supplier", or "system"."""
    if actor is None:
        return "system"
    return "officer" if actor.is_staff else "supplier"


def transition(
    record: Any, move: str, *, actor: User | None, note: str | None = None, revision: int | None = None
) -> Move:
    """Make `move` on `record`: refused unless the table allows it from the record's state for this
    actor, with its note where one is required and the revision the form was read at; then the
    state, the move's effects, the audit record and its emails, in the caller's transaction.
    :raise Refused:"""
    table = table_of(record)
    chosen = table.moves.get(move)
    if chosen is None:
        raise Refused(f"There is no such step for a {table.noun}")
    words = {"noun": table.noun, "state": record.state.value, "target": chosen.target.value}
    if kind_of(actor) not in chosen.by:
        raise Refused(table.not_yours)
    if revision is not None and revision != record.revision:
        raise Refused(table.stale.format(**words))
    if record.state not in chosen.sources:
        raise Refused(table.wrong_state.format(**words))
    note = (note or "").strip()
    if chosen.note == "required" and not note:
        raise Refused(chosen.note_missing, field="note")
    for check in chosen.checks:
        check(record, actor)
    before = record.state
    record.state = chosen.target
    for effect in chosen.effects:
        effect(record, actor, note)
    try:
        db.session.flush()  # the revision check: a concurrent move makes this one stale
    except StaleDataError as error:
        raise Refused(table.clash.format(**words)) from error
    action = table.audit_action.format(noun=table.noun, move=chosen.name, target=chosen.target.value)
    audit.record(action, record, actor=actor, **table.audit_details(record, before, chosen, note))
    for email in chosen.emails:
        email(record, actor, note)
    return chosen
