"""What a supplier's home shows of its organisation, a section an area: each section's count and
its first few rows in one statement (portal.pagination.first_few)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from portal.ethics.services import PledgeStatus, pledge_status
from portal.opportunities import queries as opportunities
from portal.opportunities.models import Award, Interest
from portal.organisations import queries as organisations
from portal.organisations.models import Organisation
from portal.organisations.services import Standing, standings
from portal.pagination import FEW, Few, first_few
from portal.social_value import queries as social_value
from portal.time import london_today
from portal.voluntary.queries import answers_of

# Accreditations are listed from this long before they expire (and once they have).
EXPIRY_WARNING = timedelta(days=60)


@dataclass(frozen=True)
class Home:
    progress: organisations.Progress
    standings: list[Standing]
    pledge: PledgeStatus | None  # for a registered organisation
    accreditations: Few  # expired or expiring within EXPIRY_WARNING, the soonest first
    asked: Few  # offers with a question from the procurement unit to answer
    commitments: Few  # not yet delivered, the soonest due first
    interests: Few
    awards: Few
    answers: Few  # to community needs


def home_of(organisation: Organisation) -> Home:
    """Everything the signed-in member's organisation's home shows."""
    params = {"organisation_id": organisation.id}
    expiring_by = {**params, "by": london_today() + EXPIRY_WARNING}
    return Home(
        progress=organisations.profile_progress(),
        standings=standings(organisation),
        pledge=pledge_status(organisation) if organisation.is_registered else None,
        accreditations=first_few(organisations.accreditations_expiring(), expiring_by),
        asked=first_few(social_value.offers_asked(), params),
        commitments=first_few(social_value.commitments_due(), params),
        interests=first_few(opportunities.interests_of(), params, newest=Interest.id),
        awards=first_few(opportunities.awards_of(), params, newest=Award.id),
        answers=Few(*answers_of(organisation.id, FEW)),
    )
