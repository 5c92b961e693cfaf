"""Social value responses to an opportunity: offers made for it, sealed until it closes; then an
officer who has declared no conflict of interest scores each organisation's response (its offers
for the opportunity together), and the award turns the winners' offers into commitments and gives
each organisation its own score and comment as feedback."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.extensions import db
from portal.opportunities import emails
from portal.opportunities.models import (
    Award,
    ConflictDeclaration,
    Interest,
    Opportunity,
    ResponseRoute,
    ResponseScore,
)
from portal.opportunities.rules import plain_number
from portal.opportunities.services import Refused, has_closed, is_open, record_change
from portal.organisations.models import Organisation
from portal.social_value import services as offers
from portal.social_value.models import Offer, OfferState
from portal.time import utcnow

# The offers that make an organisation's response: sealed, or accepted or declined by the award.
RESPONSE_STATES = (OfferState.SEALED, OfferState.ACCEPTED, OfferState.DECLINED)


def takes_responses(opportunity: Opportunity) -> bool:
    """Open, scoring social value, and taking the response on the portal (not in the tender box)."""
    return (
        is_open(opportunity)
        and opportunity.response_route is ResponseRoute.PORTAL
        and opportunity.weighting > 0
    )


def weighted(score: int, weighting: Decimal) -> Decimal:
    """The score's share of the total: a score of 80 where social value is weighted 10% is 8."""
    return (Decimal(score) * weighting / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()


@dataclass(frozen=True)
class Response:
    organisation: Organisation
    offers: list[Offer]
    score: ResponseScore | None
    declared: bool  # by the officer looking

    @property
    def weighted(self) -> Decimal | None:
        return weighted(self.score.score, self.offers[0].opportunity.weighting) if self.score else None


def responses(opportunity: Opportunity, officer: User, organisation_id: int | None = None) -> list[Response]:
    """Each responding organisation's offers (or only `organisation_id`'s), score and whether
    `officer` has declared no conflict with it; nothing while the opportunity is open. Three
    statements, however many."""
    if not has_closed(opportunity):
        return []
    by_organisation: dict[int, list[Offer]] = defaultdict(list)
    for offer in _response_offers(opportunity, organisation_id):
        by_organisation[offer.organisation_id].append(offer)
    scores = _scores(opportunity)
    declared = _declared_by(officer, opportunity)
    return [
        Response(group[0].organisation, group, scores.get(organisation_id), organisation_id in declared)
        for organisation_id, group in by_organisation.items()
    ]


def _response_offers(opportunity: Opportunity, organisation_id: int | None) -> list[Offer]:
    """The offers of the opportunity's responses (or only `organisation_id`'s), by organisation,
    with what the officers' pages show of them."""
    offers_of = sa.select(Offer).where(
        Offer.opportunity_id == opportunity.id, Offer.state.in_(RESPONSE_STATES)
    )
    if organisation_id is not None:
        offers_of = offers_of.where(Offer.organisation_id == organisation_id)
    return db.session.scalars(
        offers_of.order_by(Offer.organisation_id, Offer.id).options(
            selectinload(Offer.organisation),
            selectinload(Offer.theme),
            selectinload(Offer.outcomes),
            selectinload(Offer.indicator),
            selectinload(Offer.measure),
            selectinload(Offer.partner),
        )
    ).all()


def _scores(opportunity: Opportunity) -> dict[int, ResponseScore]:
    """The opportunity's response scores, by organisation."""
    scores = db.session.scalars(
        sa.select(ResponseScore).where(ResponseScore.opportunity_id == opportunity.id)
    )
    return {score.organisation_id: score for score in scores}


def _declared_by(officer: User, opportunity: Opportunity) -> set[int]:
    """The organisations `officer` has declared no conflict of interest with, for the opportunity."""
    return set(
        db.session.scalars(
            sa.select(ConflictDeclaration.organisation_id).where(
                ConflictDeclaration.opportunity_id == opportunity.id,
                ConflictDeclaration.officer_id == officer.id,
            )
        )
    )


def response_of(opportunity: Opportunity, organisation_id: int, officer: User) -> Response | None:
    return next(iter(responses(opportunity, officer, organisation_id)), None)


def declare_no_conflict(opportunity: Opportunity, organisation: Organisation, *, officer: User) -> None:
    """Record the officer's declaration (once); the score form opens after it."""
    if not has_closed(opportunity):
        raise Refused("Responses are sealed until the opportunity closes")
    if organisation.id in _declared_by(officer, opportunity):
        return
    db.session.add(
        ConflictDeclaration(
            opportunity_id=opportunity.id, organisation_id=organisation.id, officer_id=officer.id
        )
    )
    record_change(
        opportunity, "opportunity.no_conflict_declared", officer, {"organisation_id": organisation.id}
    )


def score(
    response: Response, opportunity: Opportunity, *, officer: User, value: int, comment: str
) -> ResponseScore:
    """Score (or score again) a response: refused without the officer's declaration, or once the
    opportunity is awarded (its feedback has gone)."""
    _check_scorable(response, opportunity)
    scored = response.score or ResponseScore(
        opportunity_id=opportunity.id, organisation_id=response.organisation.id
    )
    before = {"score": scored.score, "comment": scored.comment} if response.score else None
    scored.score, scored.comment, scored.scored_by_id, scored.scored_at = value, comment, officer.id, utcnow()
    db.session.add(scored)
    _record_score(opportunity, scored, before, officer)
    return scored


def _check_scorable(response: Response, opportunity: Opportunity) -> None:
    """:raise Refused: the officer has not declared no conflict, or the scores are final."""
    if not response.declared:
        raise Refused(
            f"Declare that you have no conflict of interest with {response.organisation.name} first"
        )
    if opportunity.awarded_at is not None:
        raise Refused("The opportunity has been awarded: its scores are final")


def _record_score(
    opportunity: Opportunity, scored: ResponseScore, before: dict | None, officer: User
) -> None:
    """Audit the score under the opportunity, with the score and comment it replaced."""
    record_change(
        opportunity,
        "opportunity.response_scored",
        officer,
        {
            "organisation_id": scored.organisation_id,
            "score": scored.score,
            "weighted": str(weighted(scored.score, opportunity.weighting)),
            "comment": scored.comment,
            "before": before,
        },
    )


def candidates(opportunity: Opportunity) -> list[Organisation]:
    """Who an award may go to: the organisations that responded on the portal or registered
    interest, by name."""
    responded = sa.select(Offer.organisation_id).where(
        Offer.opportunity_id == opportunity.id, Offer.state.in_(RESPONSE_STATES)
    )
    interested = sa.select(Interest.organisation_id).where(Interest.opportunity_id == opportunity.id)
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(sa.or_(Organisation.id.in_(responded), Organisation.id.in_(interested)))
            .order_by(Organisation.name)
        )
    )


def award(opportunity: Opportunity, winners: dict[int | None, set[int]], *, officer: User) -> list[Award]:
    """Record the award: each lot (None: the whole, where there are no lots) to one or more of
    the candidates. Each responding organisation's sealed offers are accepted (commitments) or
    declined, and its members are emailed once, with its own score and comment."""
    parts = _parts_to_award(opportunity, winners)
    now = utcnow()
    awards = _awards(opportunity, parts, winners, officer, now)
    db.session.add_all(awards)
    opportunity.awarded_at = now
    _settle_responses(opportunity, {award.organisation_id for award in awards}, officer)
    awarded = [{"lot_id": a.lot_id, "organisation_id": a.organisation_id} for a in awards]
    record_change(opportunity, "opportunity.awarded", officer, {"awards": awarded})
    return awards


def _parts_to_award(opportunity: Opportunity, winners: dict[int | None, set[int]]) -> list[int | None]:
    """The opportunity's lots (None: the whole), once it has closed, where `winners` names
    candidates for each. :raise Refused:"""
    if not has_closed(opportunity):
        raise Refused("The opportunity is still open: it can be awarded after its closing time")
    if opportunity.awarded_at is not None:
        raise Refused("The opportunity has already been awarded")
    parts = [lot.id for lot in opportunity.lots] or [None]
    allowed = {organisation.id for organisation in candidates(opportunity)}
    if set(winners) != set(parts) or any(not chosen or not chosen <= allowed for chosen in winners.values()):
        raise Refused("Choose at least one organisation for each lot")
    return parts


def _awards(
    opportunity: Opportunity,
    parts: list[int | None],
    winners: dict[int | None, set[int]],
    officer: User,
    now: datetime,
) -> list[Award]:
    """One award for each lot (or the whole) and each organisation chosen for it."""
    return [
        Award(
            opportunity_id=opportunity.id,
            lot_id=part,
            organisation_id=organisation_id,
            awarded_by_id=officer.id,
            awarded_at=now,
        )
        for part in parts
        for organisation_id in sorted(winners[part])
    ]


def _settle_responses(opportunity: Opportunity, won: set[int], officer: User) -> None:
    """Each response's sealed offers accepted (the winners') or declined, and its members told."""
    for response in responses(opportunity, officer):
        winner = response.organisation.id in won
        _settle(response, winner, officer)
        emails.awarded(opportunity, response, won=winner)


def _settle(response: Response, won: bool, officer: User) -> None:
    """The response's sealed offers accepted if it won, else declined."""
    move = "award" if won else "not_awarded"
    for offer in response.offers:
        if offer.state is OfferState.SEALED:
            offers.transition(offer, move, actor=officer, revision=offer.revision)


@dataclass(frozen=True)
class Feedback:
    score: int
    weighted: str
    weighting: str
    comment: str


def feedback_for(offer: Offer) -> Feedback | None:
    """The organisation's own score and comment, once the opportunity is awarded."""
    if offer.opportunity_id is None or offer.opportunity.awarded_at is None:
        return None
    scored = db.session.scalar(
        sa.select(ResponseScore).where(
            ResponseScore.opportunity_id == offer.opportunity_id,
            ResponseScore.organisation_id == offer.organisation_id,
        )
    )
    if scored is None:
        return None
    weighting = offer.opportunity.weighting
    return Feedback(
        scored.score, plain_number(weighted(scored.score, weighting)), plain_number(weighting), scored.comment
    )
