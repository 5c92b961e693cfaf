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


@dataclass(frozen=True)
class Change:
    """A move being made, as its hooks see it: checks before the state changes, effects and
    emails after."""

    record: Any
    move: Move
    before: enum.Enum
    actor: User | None
    note: str


# Hooks a move may carry: a check that raises Refused, what else the move changes, and an email.
Hook = Callable[[Change], None]


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[enum.Enum]
    target: enum.Enum
    by: frozenset[str]  # who may make it: "supplier", "officer", "system"
    note: str | None = None  # None, "optional" or "required"
    note_missing: str = "Enter a note"  # the message when a required note is missing
    wrong_state: str | None = None  # its refusal from another state, where not the table's
    audited_as: str | None = None  # its audit action, where not the table's
    checks: tuple[Hook, ...] = ()
    effects: tuple[Hook, ...] = ()
    emails: tuple[Hook, ...] = ()


@dataclass(frozen=True)
class Workflow:
    """One model's table. The messages take {state}, {target} and {noun}."""

    noun: str  # "need": names the audit actions ("need.published") and the messages
    moves: dict[str, Move]
    audit_action: str = "{noun}.{move}"  # or "{noun}.{target}"
    # What the audit record says of a move: by default the states and the note.
    audit_details: Callable[[Change], dict[str, Any]] = lambda change: (
        {"from": change.before.value, "to": change.move.target.value}
        | ({"note": change.note[:500]} if change.note else {})
    )
    # The record the audit is filed under, where its history is read: by default the record.
    audit_under: Callable[[Any], Any] = lambda record: record
    wrong_state: str = "This {noun} has changed since you opened the page: see where it is now"
    stale: str = "This {noun} has changed since you opened the page: see where it is now"
    clash: str = "Someone else has changed this {noun} meanwhile: see where it is now"
    not_yours: str = "Only {makers} can do that"  # a move this actor may not make
    # Where one model holds several kinds of record, each making only its own moves (an offer:
    # general, or a response to an opportunity), the check that refuses another kind's move,
    # made before the revision and the state.
    kind_check: Hook | None = None


# Who may make a move (`Move.by`): one of these, or their union.
SUPPLIER = frozenset({"supplier"})
OFFICER = frozenset({"officer"})
SYSTEM = frozenset({"system"})  # the portal's own jobs

# Who may make a move, in the words of the refusal to anyone else.
_MAKERS = {OFFICER: "the procurement unit", SUPPLIER: "the supplier"}


def by_name(*moves: Move) -> dict[str, Move]:
    """A table's moves (`Workflow.moves`), each under its name, in the order given."""
    return {move.name: move for move in moves}


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
    chosen = _move_for(table, record, move, actor)
    change = Change(record, chosen, record.state, actor, (note or "").strip())
    _check_allowed(table, change, revision)
    _apply(table, change)
    _record(table, change)
    return chosen


def _words(table: Workflow, move: Move, state: enum.Enum) -> dict[str, str]:
    """What a refusal's message may say: {noun}, {state} (before the move) and {target}."""
    return {"noun": table.noun, "state": state.value, "target": move.target.value}


def _move_for(table: Workflow, record: Any, move: str, actor: User | None) -> Move:
    """The table's move of that name, where this kind of actor may make it. :raise Refused:"""
    chosen = table.moves.get(move)
    if chosen is None:
        raise Refused(f"There is no such step for a {table.noun}")
    if kind_of(actor) not in chosen.by:
        makers = _MAKERS.get(chosen.by - SYSTEM, "the supplier or the procurement unit")
        raise Refused(table.not_yours.format(makers=makers, **_words(table, chosen, record.state)))
    return chosen


def _check_allowed(table: Workflow, change: Change, revision: int | None) -> None:
    """Refuse another kind of record's move, a stale page, a move from another state, a missing
    required note, and whatever the move's own checks refuse. :raise Refused:"""
    move, words = change.move, _words(table, change.move, change.before)
    if table.kind_check is not None:
        table.kind_check(change)
    if revision is not None and revision != change.record.revision:
        raise Refused(table.stale.format(**words))
    if change.before not in move.sources:
        raise Refused((move.wrong_state or table.wrong_state).format(**words))
    if move.note == "required" and not change.note:
        raise Refused(move.note_missing, field="note")
    for check in move.checks:
        check(change)


def _apply(table: Workflow, change: Change) -> None:
    """The new state and the move's effects, flushed together.
    :raise Refused: someone else moved the record meanwhile."""
    with db.session.no_autoflush:  # the state and its effects reach the database together
        change.record.state = change.move.target
        for effect in change.move.effects:
            effect(change)
    try:
        db.session.flush()  # the revision check: a concurrent move makes this one stale
    except StaleDataError as error:
        raise Refused(table.clash.format(**_words(table, change.move, change.before))) from error


def _record(table: Workflow, change: Change) -> None:
    """The move's audit record, then its emails."""
    move = change.move
    action = (move.audited_as or table.audit_action).format(
        noun=table.noun, move=move.name, target=move.target.value
    )
    audit.record(action, table.audit_under(change.record), actor=change.actor, **table.audit_details(change))
    for email in move.emails:
        email(change)
