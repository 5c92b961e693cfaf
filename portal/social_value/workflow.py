"""Offers' moves (the review of a general offer; a response to an opportunity sealed, then awarded
or not) and delivery reports' (verified), as tables `portal.workflow.transition` makes. Everything
here is data the tests read exhaustively."""

from __future__ import annotations

from decimal import Decimal

from portal.enums import tags
from portal.ethics.services import PledgeRequired, require_current_pledge
from portal.opportunities.services import is_open
from portal.social_value import emails
from portal.social_value.models import Commitment, DeliveryReport, Offer, OfferEvent, ReportState
from portal.social_value.models import OfferState as S
from portal.social_value.rules import incomplete, matrix_problems
from portal.time import utcnow
from portal.workflow import OFFICER, SUPPLIER, Change, Move, Refused, Workflow, by_name, register

# Each kind of offer makes only its own moves: a response to an opportunity is sealed until it
# closes, then awarded or not by the award (portal.opportunities.services.responses), which tells
# each organisation once, with its feedback; so the award's moves are never a button.
RESPONSE_MOVES = frozenset({"seal", "withdraw_response", "award", "not_awarded"})
AWARD_MOVES = frozenset({"award", "not_awarded"})


def _kind_fits(change: Change) -> None:
    if (change.move.name in RESPONSE_MOVES) != (change.record.opportunity_id is not None):
        raise Refused(
            "This offer is a response to an opportunity: it is sealed, not reviewed"
            if change.record.opportunity_id is not None
            else "This offer is a general commitment: it is reviewed, not sealed"
        )


def _while_open(change: Change) -> None:
    if not is_open(change.record.opportunity):
        raise Refused("The opportunity has closed: its responses can no longer change")


def _after_closing(change: Change) -> None:
    if is_open(change.record.opportunity):
        raise Refused("The opportunity is still open: its responses are sealed until it closes")


def _answered(change: Change) -> None:
    if missing := incomplete(change.record) or matrix_problems(change.record):
        raise Refused(f"Answer every question before you submit: {', '.join(missing)}")


def _pledged(change: Change) -> None:
    """A current Code of Ethics pledge before an offer goes to the procurement unit."""
    try:
        require_current_pledge(change.record.organisation)
    except PledgeRequired as error:
        raise Refused(str(error)) from error


def _recorded(change: Change) -> None:
    """The offer's timeline: each move, by whom, with its words."""
    change.record.events.append(
        OfferEvent(
            action=change.move.name,
            from_state=change.before.value,
            to_state=change.move.target.value,
            actor_id=change.actor.id,
            message=change.note,
        )
    )


def _queued(change: Change) -> None:
    change.record.queued_at = utcnow()


def _picked_up(change: Change) -> None:
    change.record.reviewer_id = change.actor.id


def _decided(change: Change) -> None:
    change.record.decided_at = utcnow()


def _committed(change: Change) -> None:
    """An accepted offer is a commitment at once."""
    offer = change.record
    change.record.commitment = Commitment(
        organisation_id=offer.organisation_id,
        measure_id=offer.measure_id,
        quantity=offer.quantity,
        due_on=offer.due_on,
    )


# The emails read the move's timeline entry, which `_recorded` appended last.
def _tell_procurement(change: Change) -> None:
    emails.offer_moved_by_supplier(change.record, change.record.events[-1])


def _tell_author(change: Change) -> None:
    emails.offer_moved_by_officer(change.record, change.record.events[-1])


def _tell_procurement_sealed(change: Change) -> None:
    emails.sealed_response_moved(change.record.opportunity, change.record.events[-1])


SENDING = (_answered, _pledged)  # the checks before an offer reaches officers
ASKED = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.CLARIFICATION, S.RESUBMITTED})

OFFERS = register(
    Offer,
    Workflow(
        noun="offer",
        moves=by_name(
            Move(
                "submit",
                frozenset({S.DRAFT}),
                S.SUBMITTED,
                SUPPLIER,
                checks=SENDING,
                effects=(_recorded, _queued),
                emails=(_tell_procurement,),
            ),
            Move(
                "pick_up",
                frozenset({S.SUBMITTED, S.RESUBMITTED}),
                S.UNDER_REVIEW,
                OFFICER,
                effects=(_recorded, _picked_up),
                emails=(_tell_author,),
            ),
            Move(
                "ask",
                frozenset({S.UNDER_REVIEW}),
                S.CLARIFICATION,
                OFFICER,
                note="required",
                note_missing="Enter your question to the supplier",
                effects=(_recorded,),
                emails=(_tell_author,),
            ),
            Move(
                "resubmit",
                frozenset({S.CLARIFICATION}),
                S.RESUBMITTED,
                SUPPLIER,
                note="required",
                note_missing="Enter your answer to the procurement unit's question",
                checks=SENDING,
                effects=(_recorded, _queued),
                emails=(_tell_procurement,),
            ),
            Move(
                "accept",
                frozenset({S.UNDER_REVIEW}),
                S.ACCEPTED,
                OFFICER,
                note="optional",
                effects=(_recorded, _decided, _committed),
                emails=(_tell_author,),
            ),
            Move(
                "decline",
                frozenset({S.UNDER_REVIEW}),
                S.DECLINED,
                OFFICER,
                note="required",
                note_missing="Enter the reason for declining",
                effects=(_recorded, _decided),
                emails=(_tell_author,),
            ),
            Move(
                "withdraw",
                ASKED,
                S.WITHDRAWN,
                SUPPLIER,
                note="optional",
                effects=(_recorded,),
                emails=(_tell_procurement,),
            ),
            Move(
                "seal",
                frozenset({S.DRAFT}),
                S.SEALED,
                SUPPLIER,
                checks=(_while_open, *SENDING),
                effects=(_recorded, _queued),
                emails=(_tell_procurement_sealed,),
            ),
            Move(
                "withdraw_response",
                frozenset({S.SEALED}),
                S.WITHDRAWN,
                SUPPLIER,
                note="optional",
                checks=(_while_open,),
                effects=(_recorded,),
                emails=(_tell_procurement_sealed,),
            ),
            Move(
                "award",
                frozenset({S.SEALED}),
                S.ACCEPTED,
                OFFICER,
                checks=(_after_closing,),
                effects=(_recorded, _decided, _committed),
            ),
            Move(
                "not_awarded",
                frozenset({S.SEALED}),
                S.DECLINED,
                OFFICER,
                checks=(_after_closing,),
                effects=(_recorded, _decided),
            ),
        ),
        audit_details=lambda change: {"from": change.before.value, "to": change.move.target.value},
        kind_check=_kind_fits,
        clash="Someone else has moved this {noun} on meanwhile: see where it is now",
    ),
)
MOVES = OFFERS.moves
# As each move's button says it.
LABELS = {
    "submit": "Submit the offer",
    "pick_up": "Review it",
    "ask": "Ask a question",
    "resubmit": "Answer and resubmit",
    "accept": "Accept it",
    "decline": "Decline it",
    "withdraw": "Withdraw the offer",
    "seal": "Submit the offer, sealed",
    "withdraw_response": "Withdraw the offer",
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


def allowed(offer: Offer, role: str) -> list[Move]:
    """The buttons `role` ("supplier" or "officer") has on `offer` now, in table order: the moves
    of its kind from its state; never the award's."""
    response = offer.opportunity_id is not None
    return [
        move
        for move in MOVES.values()
        if offer.state in move.sources
        and role in move.by
        and (move.name in RESPONSE_MOVES) is response
        and move.name not in AWARD_MOVES
    ]


# --- delivery reports ----------------------------------------------------------------------------


def _count_towards_commitment(change: Change) -> None:
    """A verified report counts towards its commitment, delivered once the quantity is reached."""
    report, now = change.record, utcnow()
    report.verified_by_id, report.verified_at = change.actor.id, now
    commitment = report.commitment
    commitment.delivered_quantity = (commitment.delivered_quantity or Decimal(0)) + report.quantity
    if commitment.delivered_at is None and commitment.delivered_quantity >= commitment.quantity:
        commitment.delivered_at = now


REPORTS = register(
    DeliveryReport,
    Workflow(
        noun="delivery",
        moves=by_name(
            Move(
                "verify",
                frozenset({ReportState.SUBMITTED}),
                ReportState.VERIFIED,
                OFFICER,
                effects=(_count_towards_commitment,),
            )
        ),
        audit_action="{noun}.{target}",
        audit_details=lambda change: {"commitment": change.record.commitment_id},
        wrong_state="This report is {state} already",
    ),
)
