"""Opportunities' emails: each message's subject, template and audience. Written to the outbox in
the transaction of the change that causes it."""

from __future__ import annotations

from portal.opportunities.models import Opportunity
from portal.organisations.rules import gbp
from portal.outbox.services import link, queue_broadcast
from portal.time import london_datetime


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
            "value": gbp(opportunity.value_ex_vat),
            "closes": london_datetime(opportunity.closes_at),
            "link": link("opportunities.opportunity", opportunity_id=opportunity.id),
            "alerts_link": link("opportunities.alerts"),
        },
        cause=opportunity,
    )
