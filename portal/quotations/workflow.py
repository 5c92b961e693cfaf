"""A quotation exercise's one move: an officer saves it as complete, once enough suppliers are
invited and, where none of them is local, with the reason a Cheshire supplier was not feasible."""

from __future__ import annotations

from portal.quotations.models import QuotationExercise
from portal.quotations.models import QuotationState as S
from portal.quotations.rules import invitees_local, quotes_invited, reason_problem
from portal.time import utcnow
from portal.workflow import OFFICER, Change, Move, Refused, Workflow, by_name, register


def _enough_invited(change: Change) -> None:
    quotes = quotes_invited()
    if len(change.record.invitees) < quotes:
        raise Refused(f"Invite at least {quotes} suppliers before completing the exercise")


def _reason_where_needed(change: Change) -> None:
    if problem := reason_problem(change.record, change.note):
        raise Refused(problem, field="note")


def _completed(change: Change) -> None:
    """Who, when, and the local outcome as the rule found it; the reason is kept only where the
    rule needed it."""
    exercise = change.record
    local = any(invitees_local(exercise.invitees))
    exercise.completed_at, exercise.completed_by_id = utcnow(), change.actor.id
    exercise.has_local_invitee = local
    exercise.not_feasible_reason = None if local else (change.note or None)


EXERCISES = register(
    QuotationExercise,
    Workflow(
        noun="quotation exercise",
        moves=by_name(
            Move(
                "complete",
                frozenset({S.IN_PROGRESS}),
                S.COMPLETE,
                OFFICER,
                note="optional",
                wrong_state="This quotation exercise is already complete",
                checks=(_enough_invited, _reason_where_needed),
                effects=(_completed,),
            )
        ),
        audit_action="quotation.completed",
        # Filed under the opportunity, whose history holds its exercise's too.
        audit_under=lambda exercise: exercise.opportunity,
        audit_details=lambda change: {
            "invitees": len(change.record.invitees),
            "local": sum(invitees_local(change.record.invitees)),
            "reason": change.record.not_feasible_reason,
        },
    ),
)
