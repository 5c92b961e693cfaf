"""The review of general social value offers: the moves, who makes them, and one function that
makes them. Everything here is data the tests read exhaustively."""

from __future__ import annotations

from dataclasses import dataclass

from portal.social_value.models import OfferState as S
from portal.widgets import tags


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[S]
    target: S
    by: str  # "supplier" or "officer"
    label: str  # as a button says it
    message: str | None = None  # "required", "optional" or None: the words the move carries
    needs_pledge: bool = False  # a current Code of Ethics pledge first


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
    )
}

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
}

STATE_TAGS = tags(STATE_NAMES, STATE_COLOURS)


def allowed(state: S, role: str) -> list[Move]:
    """The moves `role` ("supplier" or "officer") can make from `state`, in table order."""
    return [move for move in MOVES.values() if state in move.sources and move.by == role]
