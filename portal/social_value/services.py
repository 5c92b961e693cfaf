"""Offers' rules and every write to them: drafting, the review moves, commitments and delivery."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, workflow
from portal.accounts.models import Role, User
from portal.ethics.services import PledgeRequired, require_current_pledge
from portal.extensions import db
from portal.jobs import daily_task
from portal.opportunities.services import has_closed, is_open
from portal.organisations.models import Organisation
from portal.organisations.services import email_members
from portal.outbox.services import link, notify, notify_procurement
from portal.social_value.models import (
    Commitment,
    DeliveryReport,
    Indicator,
    Measure,
    Offer,
    OfferEvent,
    OfferState,
    Outcome,
)
from portal.social_value.queries import partner_organisation_id
from portal.social_value.workflow import AWARD_MOVES, MOVES
from portal.time import london_datetime, london_today, utcnow
from portal.workflow import Refused


class MoveRefused(Refused):
    """The move is not open to this person on this offer now: the message says why."""


def incomplete(offer: Offer) -> list[str]:
    """What the offer still lacks before it can be submitted (the steps' names)."""
    missing = []
    if offer.theme_id is None:
        missing.append("theme")
    if not offer.outcomes:
        missing.append("outcomes")
    if offer.indicator_id is None:
        missing.append("indicator")
    if not offer.description:
        missing.append("description")
    if offer.measure_id is None or offer.quantity is None:
        missing.append("quantity")
    if offer.authority is None:
        missing.append("where")
    if offer.due_on is None:
        missing.append("when")
    if not offer.partner_answered:
        missing.append("partner")
    return missing


def matrix_problems(offer: Offer) -> list[str]:
    """Answers that no longer fit together (an outcome of another theme, a measure that does not
    evidence the indicator), in the words shown to the supplier."""
    problems = []
    if any(outcome.theme_id != offer.theme_id for outcome in offer.outcomes):
        problems.append("An outcome you chose is not one of the theme's: choose the outcomes again")
    if offer.indicator is not None and offer.indicator.theme_id != offer.theme_id:
        problems.append("The indicator you chose is not one of the theme's: choose it again")
    if (
        offer.measure is not None
        and offer.indicator is not None
        and offer.indicator not in offer.measure.indicators
    ):
        problems.append("The measure you chose does not evidence the indicator: choose the quantity again")
    return problems


def hidden_from_officers(offer: Offer) -> bool:
    """A draft is the supplier's own; a response to an opportunity is sealed until it closes."""
    if offer.state is OfferState.DRAFT:
        return True
    return offer.opportunity_id is not None and not has_closed(offer.opportunity)


def start_offer(organisation: Organisation, *, user: User) -> Offer:
    offer = Offer(organisation_id=organisation.id, created_by_id=user.id)
    db.session.add(offer)
    db.session.flush()
    audit.record("offer.drafted", offer, actor=user)
    return offer


def refuse_unless_deletable(offer: Offer) -> None:
    """Only a draft can be deleted: once submitted, an offer has a timeline the procurement unit
    has seen, and is withdrawn instead. :raise MoveRefused:"""
    if offer.state != OfferState.DRAFT:
        raise MoveRefused("Only a draft can be deleted: a submitted offer can be withdrawn instead")


def delete_draft(offer: Offer, *, user: User) -> None:
    """Delete a draft its organisation no longer wants. :raise MoveRefused: not a draft."""
    refuse_unless_deletable(offer)
    audit.record("offer.draft_deleted", offer, actor=user, what=(offer.description or "")[:200])
    offer.outcomes.clear()
    db.session.delete(offer)
    db.session.flush()


def transition(offer: Offer, name: str, *, actor: User, revision: int, message: str = "") -> OfferEvent:
    """Make one move of the review. :raise MoveRefused: not a move for this actor from this state,
    a form older than the offer's last change, missing words, an incomplete offer, or no current
    Code of Ethics pledge."""
    move = MOVES[name]
    role = "officer" if actor.role in {Role.OFFICER, Role.ADMIN} else "supplier"
    if move.by != role:
        raise MoveRefused(
            "Only the procurement unit can do that"
            if move.by == "officer"
            else "Only the supplier can do that"
        )
    if move.for_opportunity != (offer.opportunity_id is not None):
        raise MoveRefused(
            "This offer is a response to an opportunity: it is sealed, not reviewed"
            if offer.opportunity_id is not None
            else "This offer is a general commitment: it is reviewed, not sealed"
        )
    if revision != offer.revision or offer.state not in move.sources:
        raise MoveRefused("This offer has changed since you opened the page: see where it is now")
    if move.for_opportunity and (move.by == "supplier") != is_open(offer.opportunity):
        raise MoveRefused(
            "The opportunity has closed: its responses can no longer change"
            if move.by == "supplier"
            else "The opportunity is still open: its responses are sealed until it closes"
        )
    if move.message == "required" and not message.strip():
        raise MoveRefused("Write the words the move needs")
    if name in {"submit", "resubmit", "seal"} and (missing := incomplete(offer) or matrix_problems(offer)):
        raise MoveRefused(f"Answer every question before you submit: {', '.join(missing)}")
    if move.needs_pledge:
        try:
            require_current_pledge(offer.organisation)
        except PledgeRequired as error:
            raise MoveRefused(str(error)) from error
    event = OfferEvent(
        offer=offer,
        action=name,
        from_state=offer.state.value,
        to_state=move.target.value,
        actor_id=actor.id,
        message=message.strip(),
    )
    now = utcnow()
    offer.state = move.target
    if move.target in {OfferState.SUBMITTED, OfferState.RESUBMITTED, OfferState.SEALED}:
        offer.queued_at = now
    if name == "pick_up":
        offer.reviewer_id = actor.id
    if move.target in {OfferState.ACCEPTED, OfferState.DECLINED}:
        offer.decided_at = now
    db.session.add(event)
    try:
        db.session.flush()  # the revision check: a concurrent move makes this one stale
    except StaleDataError as error:
        raise MoveRefused("Someone else has moved this offer on meanwhile: see where it is now") from error
    if move.target == OfferState.ACCEPTED:
        _commit_to(offer)
    audit.record(f"offer.{name}", offer, actor=actor, **{"from": event.from_state, "to": event.to_state})
    _tell_other_side(offer, event, actor)
    return event


def _commit_to(offer: Offer) -> Commitment:
    """An accepted general offer is a commitment at once."""
    commitment = Commitment(
        offer=offer,
        organisation_id=offer.organisation_id,
        measure_id=offer.measure_id,
        quantity=offer.quantity,
        due_on=offer.due_on,
    )
    db.session.add(commitment)
    return commitment


def _tell_other_side(offer: Offer, event: OfferEvent, actor: User) -> None:
    if event.action in AWARD_MOVES:
        return
    context = {"offer": offer, "event": event, "organisation": offer.organisation}
    if MOVES[event.action].by == "supplier":
        if offer.opportunity_id is not None:
            _tell_officers_sealed(offer.opportunity, event)
        else:
            notify_procurement(
                f"social_value/offer_{event.action}",
                subject=f"Social value offer {_OFFICER_SUBJECTS[event.action]}: {offer.organisation.name}",
                cause=event,
                context={**context, "link": link("social_value_officers.offer", offer_id=offer.id)},
            )
        return
    creator = db.session.get(User, offer.created_by_id)
    notify(
        f"social_value/offer_{event.action}",
        to=(creator.name, creator.email),
        subject=f"Your social value offer: {_SUPPLIER_SUBJECTS[event.action]}",
        cause=event,
        context={**context, "link": link("social_value.offer", offer_id=offer.id)},
    )


_OFFICER_SUBJECTS = {"submit": "submitted", "resubmit": "resubmitted", "withdraw": "withdrawn"}


def _tell_officers_sealed(opportunity, event: OfferEvent) -> None:
    """A response to an opportunity arrived or was withdrawn: the email names neither the
    organisation nor what it offers, which no officer may read before the closing time."""
    arrived = event.action == "seal"
    notify_procurement(
        "opportunities/response_arrived" if arrived else "opportunities/response_withdrawn",
        subject=f"A sealed social value response {'arrived' if arrived else 'was withdrawn'}: {opportunity.reference}",
        cause=event,
        context={
            "opportunity": opportunity,
            "closes": london_datetime(opportunity.closes_at),
            "link": link("opportunities_officers.opportunity", opportunity_id=opportunity.id),
        },
    )


_SUPPLIER_SUBJECTS = {
    "pick_up": "being reviewed",
    "ask": "a question from the procurement unit",
    "accept": "accepted",
    "decline": "declined",
}


def measures_for(indicator: Indicator | None) -> list[Measure]:
    """The measures in use that evidence the indicator."""
    if indicator is None:
        return []
    return [measure for measure in indicator.measures if measure.retired_at is None]


def current_outcomes(theme_id: str) -> list[Outcome]:
    return list(
        db.session.scalars(
            sa.select(Outcome)
            .where(Outcome.theme_id == theme_id, Outcome.retired_at.is_(None))
            .order_by(Outcome.position)
        )
    )


def report_delivery(commitment: Commitment, report: DeliveryReport, *, user: User) -> DeliveryReport:
    report.commitment = commitment
    report.reported_by_id = user.id
    db.session.add(report)
    db.session.flush()
    audit.record(
        "delivery.reported", report, actor=user, commitment=commitment.id, quantity=str(report.quantity)
    )
    _ask_partner_to_confirm(commitment, report)
    return report


def _ask_partner_to_confirm(commitment: Commitment, report: DeliveryReport) -> None:
    """Each member of the registered organisation acting for the offer's partner body is told a
    report names it, so the delivery can be confirmed by someone who saw it."""
    partner_id = partner_organisation_id(commitment)
    if partner_id is None:
        return
    email_members(
        db.session.get(Organisation, partner_id),
        "social_value/report_to_confirm",
        subject=f"Please confirm a delivery by {commitment.offer.organisation.name}",
        cause=report,
        context={"commitment": commitment, "report": report, "link": link("social_value.partner_reports")},
    )


def confirm_report(report: DeliveryReport, *, user: User) -> None:
    """A member of the partner body says the delivery happened."""
    if report.confirmed_at is not None:
        raise MoveRefused("This report is confirmed already")
    report.confirmed_by_id, report.confirmed_at = user.id, utcnow()
    audit.record("delivery.confirmed", report, actor=user)


def verify_report(report: DeliveryReport, *, officer: User) -> None:
    """An officer verifies a report: it counts towards the commitment's delivery. :raise Refused:"""
    workflow.transition(report, "verify", actor=officer)


def commitment_state(commitment: Commitment, today=None) -> str:
    """ "delivered", "overdue" or "on_track"."""
    if commitment.delivered_at is not None:
        return "delivered"
    return "overdue" if commitment.due_on < (today or london_today()) else "on_track"


@daily_task("social_value.remind_overdue_commitments")
def remind_overdue_commitments(now: datetime) -> int:
    """Once, when a commitment's date passes undelivered: its offer's author is reminded."""
    due = db.session.scalars(
        sa.select(Commitment).where(
            Commitment.delivered_at.is_(None),
            Commitment.due_on < london_today(now),
            Commitment.overdue_reminded_at.is_(None),
        )
    ).all()
    for commitment in due:
        creator = db.session.get(User, commitment.offer.created_by_id)
        notify(
            "social_value/commitment_overdue",
            to=(creator.name, creator.email),
            subject="Your social value commitment's date has passed",
            cause=commitment,
            context={
                "commitment": commitment,
                "link": link("social_value.offer", offer_id=commitment.offer_id),
            },
        )
        commitment.overdue_reminded_at = now
    return len(due)


def change_measure(measure: Measure, *, admin: User, **values) -> None:
    """An admin's change to a measure (name, proxy value with its source and date, retired)."""
    retired = values.pop("retired")
    if retired != (measure.retired_at is not None):
        measure.retired_at = utcnow() if retired else None
    changed = [name for name, value in values.items() if getattr(measure, name) != value]
    for name in changed:
        setattr(measure, name, values[name])
    audit.record("matrix.measure_changed", measure, actor=admin, fields=changed, retired=retired)


def change_matrix_text(item: Outcome | Indicator, text: str, *, admin: User) -> None:
    """New wording for an outcome or indicator; offers that chose it show the new words."""
    item.text = text
    audit.record(
        f"matrix.{('outcome' if isinstance(item, Outcome) else 'indicator')}_changed", item, actor=admin
    )
