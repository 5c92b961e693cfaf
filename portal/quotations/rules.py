"""Quotation exercises' rule (Ethical Procurement Policy 3d): at least one of the three quotes
from a Cheshire supplier where feasible, and the reason where not."""

from __future__ import annotations

from portal.organisations.models import Classification, LocalStatus, Organisation
from portal.organisations.services import current_decisions
from portal.quotations.models import QuotationExercise, QuotationInvitee
from portal.reference.figures import figures_on


def is_local(organisation: Organisation) -> bool:
    """Counts as a Cheshire supplier for the rule: an officer's current decision wins; else local
    by its postcodes, or declared local (to be verified), as the suggestions offer it. Reads the
    organisation's decisions: load them with it."""
    decided = current_decisions(organisation).get(Classification.LOCAL)
    if decided is not None:
        return decided.decided_value
    return organisation.local_status in (LocalStatus.LOCAL, LocalStatus.DECLARED)


def invitee_is_local(invitee: QuotationInvitee) -> bool:
    """A supplier not on the portal has no status the portal knows, so it never counts."""
    return invitee.organisation is not None and is_local(invitee.organisation)


def invitees_local(invitees: list[QuotationInvitee]) -> list[bool]:
    """Whether each invitee counts as local, in order."""
    return [invitee_is_local(invitee) for invitee in invitees]


def quotes_invited() -> int:
    """The policy's number of quotes (three), from the reference figures in force today."""
    return int(figures_on()["quotation.quotes_invited"])


def needs_reason(local_flags: list[bool], quotes: int) -> bool:
    """`quotes` or more invited and none of them local: the officer must say why a Cheshire
    supplier was not feasible."""
    return len(local_flags) >= quotes and not any(local_flags)


def reason_problem(exercise: QuotationExercise, reason: str | None) -> str | None:
    """The reason field's message when the rule needs a reason and none is given."""
    if needs_reason(invitees_local(exercise.invitees), quotes_invited()) and not reason:
        return "Say why inviting a Cheshire supplier was not feasible"
    return None
