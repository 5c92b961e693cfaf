"""What a supplier's home shows of its organisation, a section an area: each section's count and
its first few rows, read together in one statement with the profile's progress and the pledge's
status (portal.pagination.first_few)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from portal.ethics.services import PledgeStatus, pledge_lists, status_from
from portal.opportunities import queries as opportunities
from portal.opportunities.models import Award, Interest
from portal.organisations import queries as organisations
from portal.organisations.models import Accreditation, Organisation
from portal.organisations.services import Standing, standings
from portal.pagination import Few, first_few
from portal.social_value import queries as social_value
from portal.social_value.models import Commitment, Offer
from portal.time import london_today
from portal.voluntary import queries as voluntary
from portal.voluntary.models import NeedResponse

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


# Each section's list and its order: the soonest due first, else the newest first.
SECTIONS = {
    "accreditations": (organisations.accreditations_expiring, (Accreditation.expires_on, Accreditation.id)),
    "asked": (social_value.offers_asked, (Offer.id.desc(),)),
    "commitments": (social_value.commitments_due, (Commitment.due_on, Commitment.id)),
    "interests": (opportunities.interests_of, (Interest.id.desc(),)),
    "awards": (opportunities.awards_of, (Award.id.desc(),)),
    "answers": (voluntary.organisation_answers, (NeedResponse.id.desc(),)),
}


def home_of(organisation: Organisation) -> Home:
    """Everything the signed-in member's organisation's home shows, read in one statement."""
    today = london_today()
    sections = {name: (statement(), order) for name, (statement, order) in SECTIONS.items()}
    lists = {**sections, **organisations.progress_lists("decisions"), **pledge_lists()}
    read = first_few(lists, {"organisation_id": organisation.id, "by": today + EXPIRY_WARNING, "day": today})
    progress = organisations.profile_progress("decisions", read=read)
    return Home(
        progress=progress,
        standings=standings(organisation, progress.org.decisions),
        pledge=status_from(read, today) if organisation.is_registered else None,
        **{name: read[name] for name in SECTIONS},
    )
