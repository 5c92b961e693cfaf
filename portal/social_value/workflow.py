"""The review of general social value offers: the moves, who makes them, and one function that
makes them. Everything here is data the tests read exhaustively."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from portal.social_value.models import DeliveryReport, ReportState
from portal.social_value.models import OfferState as S
from portal.time import utcnow
from portal.widgets import tags
from portal.workflow import Move as WorkflowMove
from portal.workflow import Workflow, register

if TYPE_CHECKING:
    from portal.accounts.models import User


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[S]
    target: S
    by: str  # "supplier" or "officer"
    label: str  # as a button says it
    message: str | None = None  # "required", "optional" or None: the words the move carries
    needs_pledge: bool = False  # a current Code of Ethics pledge first
    # A move of a response to an opportunity (sealed, then awarded or not) rather than of the
    # review of a general commitment: each kind of offer makes only its own moves.
    for_opportunity: bool = False


MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move("submit", frozenset({S.DRAFT}), S.SUBMITTED, "supplier", "Submit the offer", needs_pledge=True),
        Move("pick_up", frozenset({S.SUBMITTED, S.RESUBMITTED}), S.UNDER_REVIEW, "officer", "Review it"),
        Move(
            "ask",
            frozenset({S.UNDER_REVIEW}),
            S.CLARIFICATION,
            "officer",
            "Ask a question",
            message="required",
        ),
        Move(
            "resubmit",
            frozenset({S.CLARIFICATION}),
            S.RESUBMITTED,
            "supplier",
            "Answer and resubmit",
            message="required",
            needs_pledge=True,
        ),
        Move("accept", frozenset({S.UNDER_REVIEW}), S.ACCEPTED, "officer", "Accept it", message="optional"),
        Move("decline", frozenset({S.UNDER_REVIEW}), S.DECLINED, "officer", "Decline it", message="required"),
        Move(
            "withdraw",
            frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.CLARIFICATION, S.RESUBMITTED}),
            S.WITHDRAWN,
            "supplier",
            "Withdraw the offer",
            message="optional",
        ),
        # Responses to an opportunity: sealed until it closes, then awarded or not by the award
        # (portal.opportunities.responses), which tells each organisation once, with its feedback.
        Move(
            "seal",
            frozenset({S.DRAFT}),
            S.SEALED,
            "supplier",
            "Submit the offer, sealed",
            needs_pledge=True,
            for_opportunity=True,
        ),
        Move(
            "withdraw_response",
            frozenset({S.SEALED}),
            S.WITHDRAWN,
            "supplier",
            "Withdraw the offer",
            message="optional",
            for_opportunity=True,
        ),
        Move("award", frozenset({S.SEALED}), S.ACCEPTED, "officer", "Award", for_opportunity=True),
        Move(
            "not_awarded", frozenset({S.SEALED}), S.DECLINED, "officer", "Not awarded", for_opportunity=True
        ),
    )
}
# Made by the award for every response at once; its email is the award's own.
AWARD_MOVES = frozenset({"award", "not_awarded"})

# Where the offer waits, and on whom.
AWAITING_OFFICERS = frozenset({S.SUBMITTED, S.RESUBMITTED, S.UNDER_REVIEW})
EDITABLE = frozenset({S.DRAFT, S.CLARIFICATION})  # the supplier may change the answers
DECIDED = frozenset({S.ACCEPTED, S.DECLINED, S.WITHDRAWN})

STATE_NAMES = {
    S.DRAFT: "Draft",
    S.SUBMITTED: "Submitted",
    S.UNDER_REVIEW: "Under review",
    S.CLARIFICATION: "Question from the procurement unit",
    S.RESUBMITTED: "Answered and resubmitted",
    S.ACCEPTED: "Accepted",
    S.DECLINED: "Declined",
    S.WITHDRAWN: "Withdrawn",
    S.SEALED: "Sealed response to an opportunity",
}
STATE_COLOURS = {
    S.DRAFT: "grey",
    S.SUBMITTED: "blue",
    S.UNDER_REVIEW: "light-blue",
    S.CLARIFICATION: "yellow",
    S.RESUBMITTED: "blue",
    S.ACCEPTED: "green",
    S.DECLINED: "red",
    S.WITHDRAWN: "grey",
    S.SEALED: "purple",
}

STATE_TAGS = tags(STATE_NAMES, STATE_COLOURS)


def allowed(state: S, role: str, *, for_opportunity: bool = False) -> list[Move]:
    """The moves `role` ("supplier" or "officer") can make from `state` on a general offer, or
    on a response to an opportunity, in table order. The award's moves are never a button."""
    return [
        move
        for move in MOVES.values()
        if state in move.sources
        and move.by == role
        and move.for_opportunity is for_opportunity
        and move.name not in AWARD_MOVES
    ]


# --- delivery reports ----------------------------------------------------------------------------


def _count_towards_commitment(report: DeliveryReport, officer: User | None, _note: str) -> None:
    """A verified report counts towards its commitment, delivered once the quantity is reached."""
    now = utcnow()
    report.verified_by_id, report.verified_at = officer.id, now
    commitment = report.commitment
    commitment.delivered_quantity = (commitment.delivered_quantity or Decimal(0)) + report.quantity
    if commitment.delivered_at is None and commitment.delivered_quantity >= commitment.quantity:
        commitment.delivered_at = now


REPORTS = register(
    DeliveryReport,
    Workflow(
        noun="delivery",
        moves={
            "verify": WorkflowMove(
                "verify",
                frozenset({ReportState.SUBMITTED}),
                ReportState.VERIFIED,
                frozenset({"officer"}),
                effects=(_count_towards_commitment,),
            )
        },
        audit_action="{noun}.{target}",
        audit_details=lambda report, _before, _move, _note: {"commitment": report.commitment_id},
        wrong_state="This report is {state} already",
        not_yours="Only the procurement unit can do that",
    ),
)
