"""Offers' rules and every write to them: drafting, the review moves, commitments and delivery."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal import audit, workflow
from portal.accounts.models import User
from portal.extensions import db
from portal.jobs import daily_task
from portal.opportunities.services import has_closed
from portal.organisations.models import Organisation
from portal.social_value import emails
from portal.social_value import workflow as _tables  # noqa: F401  (registers the offers' and reports' moves)
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
from portal.time import london_today, utcnow
from portal.workflow import Refused


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
    has seen, and is withdrawn instead. :raise Refused:"""
    if offer.state != OfferState.DRAFT:
        raise Refused("Only a draft can be deleted: a submitted offer can be withdrawn instead")


def delete_draft(offer: Offer, *, user: User) -> None:
    """Delete a draft its organisation no longer wants. :raise Refused: not a draft."""
    refuse_unless_deletable(offer)
    audit.record("offer.draft_deleted", offer, actor=user, what=(offer.description or "")[:200])
    offer.outcomes.clear()
    db.session.delete(offer)
    db.session.flush()


def transition(offer: Offer, name: str, *, actor: User, revision: int, message: str = "") -> OfferEvent:
    """Make one of the offer's moves (portal.social_value.workflow): the entry it adds to the
    offer's timeline. :raise Refused:"""
    workflow.transition(offer, name, actor=actor, note=message, revision=revision)
    return offer.events[-1]


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
    """The registered organisation acting for the offer's partner body is asked to confirm the
    delivery, by someone who saw it."""
    partner_id = partner_organisation_id(commitment)
    if partner_id is not None:
        emails.report_to_confirm(db.session.get(Organisation, partner_id), commitment, report)


def confirm_report(report: DeliveryReport, *, user: User) -> None:
    """A member of the partner body says the delivery happened."""
    if report.confirmed_at is not None:
        raise Refused("This report is confirmed already")
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
        emails.commitment_overdue(commitment)
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
