"""Opportunities' emails: each message's subject, template and audience. Written to the outbox in
the transaction of the change that causes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.formats import money
from portal.opportunities.models import Opportunity
from portal.opportunities.rules import plain_number
from portal.organisations.emails import email_members
from portal.outbox.services import link, queue_broadcast
from portal.time import london_datetime

if TYPE_CHECKING:
    from portal.opportunities.services.responses import Response


def alert(opportunity: Opportunity) -> None:
    """To each verified member of the organisations alerted about the opportunity's category
    (the "opportunity_alert" audience, portal.opportunities.services): one email each."""
    queue_broadcast(
        "opportunities/alert",
        audience="opportunity_alert",
        audience_params={"opportunity_id": opportunity.id, "division": opportunity.cpv_division},
        subject=f"New opportunity: {opportunity.title}",
        context={
            "title": opportunity.title,
            "reference": opportunity.reference,
            "summary": opportunity.summary,
            "division": opportunity.division.title,
            "value": money(opportunity.value_ex_vat),
            "closes": london_datetime(opportunity.closes_at),
            "link": link("opportunities.opportunity", opportunity_id=opportunity.id),
            "alerts_link": link("opportunities.alerts"),
        },
        cause=opportunity,
    )


def awarded(opportunity: Opportunity, response: Response, *, won: bool) -> None:
    """To each member of a responding organisation, once, at the award: the outcome and the
    feedback on its social value response."""
    email_members(
        response.organisation,
        "opportunities/awarded",
        subject=f"{opportunity.reference}: {'your organisation has been awarded' if won else 'the outcome'}",
        cause=opportunity,
        context={
            "title": opportunity.title,
            "reference": opportunity.reference,
            "won": won,
            "score": response.score.score if response.score else None,
            "weighted": plain_number(response.weighted) if response.score else None,
            "weighting": plain_number(opportunity.weighting),
            "comment": response.score.comment if response.score else "",
            "link": link("social_value.offer", offer_id=response.offers[0].id),
        },
    )
