"""Due diligence's emails: each message's subject, template and audience. Written to the outbox in
the transaction of the change that causes it."""

from __future__ import annotations

from portal.due_diligence.models import DueDiligenceAnswers
from portal.due_diligence.rules import Assessment
from portal.organisations.emails import tell_procurement_about
from portal.organisations.models import Organisation
from portal.outbox import link


def rated_high(organisation: Organisation, answers: DueDiligenceAnswers, assessment: Assessment) -> None:
    """To the procurement inbox: an organisation's answers now rate its modern slavery risk high."""
    tell_procurement_about(
        organisation,
        "due_diligence/rated_high",
        subject=f"Modern slavery risk rated high: {organisation.name}",
        context={
            "assessment": assessment,
            "answers": answers,
            "link": link(
                "due_diligence_officers.due_diligence_organisation", organisation_id=organisation.id
            ),
        },
    )
