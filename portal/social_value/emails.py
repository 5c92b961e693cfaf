"""Social value's emails: each message's subject, template and audience. Written to the outbox in
the transaction of the change that causes it."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.organisations.emails import email_members
from portal.organisations.models import Organisation
from portal.outbox.services import link, notify, notify_procurement
from portal.social_value.models import Commitment, DeliveryReport, Offer, OfferEvent
from portal.time import london_datetime

_TO_PROCUREMENT = {"submit": "submitted", "resubmit": "resubmitted", "withdraw": "withdrawn"}
_TO_SUPPLIER = {
    "pick_up": "being reviewed",
    "ask": "a question from the procurement unit",
    "accept": "accepted",
    "decline": "declined",
}


def offer_moved_by_supplier(offer: Offer, event: OfferEvent) -> None:
    """To the procurement inbox: a general offer was submitted, resubmitted or withdrawn."""
    notify_procurement(
        f"social_value/offer_{event.action}",
        subject=f"Social value offer {_TO_PROCUREMENT[event.action]}: {offer.organisation.name}",
        cause=event,
        context=_offer_context(offer, event, "social_value_officers.offer"),
    )


def offer_moved_by_officer(offer: Offer, event: OfferEvent) -> None:
    """To the offer's author: an officer picked it up, asked a question or decided."""
    creator = db.session.get(User, offer.created_by_id)
    notify(
        f"social_value/offer_{event.action}",
        to=(creator.name, creator.email),
        subject=f"Your social value offer: {_TO_SUPPLIER[event.action]}",
        cause=event,
        context=_offer_context(offer, event, "social_value.offer"),
    )


def _offer_context(offer: Offer, event: OfferEvent, endpoint: str) -> dict:
    """The offer, the move and a link to the offer's page for the reader (`endpoint`)."""
    return {
        "offer": offer,
        "event": event,
        "organisation": offer.organisation,
        "link": link(endpoint, offer_id=offer.id),
    }


def sealed_response_moved(opportunity: Opportunity, event: OfferEvent) -> None:
    """To the procurement inbox: a response to an opportunity arrived or was withdrawn. The email
    names neither the organisation nor what it offers, which no officer may read before the
    closing time."""
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


def report_to_confirm(partner: Organisation, commitment: Commitment, report: DeliveryReport) -> None:
    """To each member of the partner body a delivery report names: confirm it happened."""
    email_members(
        partner,
        "social_value/report_to_confirm",
        subject=f"Please confirm a delivery by {commitment.offer.organisation.name}",
        cause=report,
        context={"commitment": commitment, "report": report, "link": link("social_value.partner_reports")},
    )


def commitment_overdue(commitment: Commitment) -> None:
    """To the offer's author, once: the commitment's date passed undelivered."""
    creator = db.session.get(User, commitment.offer.created_by_id)
    notify(
        "social_value/commitment_overdue",
        to=(creator.name, creator.email),
        subject="Your social value commitment's date has passed",
        cause=commitment,
        context={"commitment": commitment, "link": link("social_value.offer", offer_id=commitment.offer_id)},
    )
