"""Every write of the due diligence area: saving an organisation's answers with their rating, and
recording an officer's follow-up. Services flush; the view commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts.models import User
from portal.due_diligence import emails
from portal.due_diligence.models import DueDiligenceAnswers, DueDiligenceFollowUp
from portal.due_diligence.rules import RANK, Assessment, RiskRating, Rules, assess, load_rules
from portal.extensions import db
from portal.organisations.models import Accreditation, AccreditationKind, Organisation
from portal.organisations.services import needs_statement
from portal.time import london_today, utcnow

RULES_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "due-diligence-rules.toml"


def rules_in_force() -> Rules:
    """The rules from data/ (or DUE_DILIGENCE_RULES_FILE), read once per process."""
    return _rules_from(str(current_app.config.get("DUE_DILIGENCE_RULES_FILE") or RULES_FILE))


@lru_cache(maxsize=4)
def _rules_from(path: str) -> Rules:
    return load_rules(path)


@dataclass(frozen=True)
class ProfileFacts:
    """What the profile already says that the rules read: shown, never asked again."""

    sedex: Accreditation | None  # the latest-expiring SEDEX accreditation, expired or not
    sedex_current: bool
    statement_url: str | None
    statement_required: bool  # the profile asks for a statement (turnover at the threshold)

    def as_answers(self) -> dict[str, str]:
        return {
            "profile_sedex": "yes" if self.sedex_current else "no",
            "profile_statement": "yes" if self.statement_url else "no",
        }

    def differ_from(self, saved: DueDiligenceAnswers) -> bool:
        """Has the profile changed since the answers were rated?"""
        return saved.profile_sedex != self.sedex_current or saved.profile_statement_url != self.statement_url


def profile_facts(organisation: Organisation, today: date | None = None) -> ProfileFacts:
    sedex = [a for a in organisation.accreditations if a.kind == AccreditationKind.SEDEX]
    latest = max(sedex, key=lambda a: a.expires_on, default=None)
    return ProfileFacts(
        sedex=latest,
        sedex_current=latest is not None and latest.expires_on >= (today or london_today()),
        statement_url=organisation.modern_slavery_statement_url,
        statement_required=needs_statement(organisation),
    )


def answers_of(organisation: Organisation) -> DueDiligenceAnswers | None:
    return db.session.scalar(
        db.select(DueDiligenceAnswers).where(DueDiligenceAnswers.organisation_id == organisation.id)
    )


def explain(saved: DueDiligenceAnswers, rules: Rules) -> Assessment | None:
    """Why the saved answers got their rating: the same rules applied to the same answers and
    profile facts give the same assessment. None when the rules have changed since (the stored
    rating stands until the organisation answers again)."""
    if saved.rules_version != rules.version:
        return None
    return assess(rules, saved.rules_answers())


def save_answers(
    organisation: Organisation, answers: dict[str, Any], facts: ProfileFacts, *, actor: User
) -> tuple[DueDiligenceAnswers, Assessment]:
    """Rate the answers with the rules in force, keep them as the organisation's latest, audit
    it, and tell the procurement inbox when the rating has become high (not on every high
    submission: the officers' list keeps the latest, and an unchanged high is no news)."""
    rules = rules_in_force()
    row = answers_of(organisation)
    before = row.rating if row else None
    if row is not None:
        assessment = _rate(row, answers, facts, rules, actor)
    else:
        row, before, assessment = _add_first_answers(organisation, answers, facts, rules, actor)
    db.session.flush()
    _record_answered(organisation, row, assessment, before, actor)
    return row, assessment


def _add_first_answers(
    organisation: Organisation, answers: dict[str, Any], facts: ProfileFacts, rules: Rules, actor: User
) -> tuple[DueDiligenceAnswers, RiskRating | None, Assessment]:
    """The organisation's first answers, rated: the row, the rating it had before, the assessment."""
    row = DueDiligenceAnswers(organisation_id=organisation.id)
    assessment = _rate(row, answers, facts, rules, actor)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # A colleague's first answers were saved a moment ago: these, the later, replace them.
        row = answers_of(organisation)
        before = row.rating
        return row, before, _rate(row, answers, facts, rules, actor)
    return row, None, assessment


def _record_answered(
    organisation: Organisation,
    row: DueDiligenceAnswers,
    assessment: Assessment,
    before: RiskRating | None,
    actor: User,
) -> None:
    """Audit the answers, and tell the procurement inbox when the rating has just become high."""
    audit.record(
        "due_diligence.answered",
        organisation,
        actor=actor,
        rating=assessment.rating.value,
        before=before.value if before else None,
        score=assessment.score,
        raised_by=row.raised_by,
        rules_version=row.rules_version,
    )
    if assessment.rating == RiskRating.HIGH and before != RiskRating.HIGH:
        emails.rated_high(organisation, row, assessment)


def _rate(
    row: DueDiligenceAnswers, answers: dict[str, Any], facts: ProfileFacts, rules: Rules, actor: User
) -> Assessment:
    """Put the answers and the profile facts on the row, with the rating they get."""
    _put_answers(row, answers, facts, actor)
    assessment = assess(rules, row.rules_answers())
    _put_rating(row, assessment, rules)
    return assessment


def _put_answers(row: DueDiligenceAnswers, answers: dict[str, Any], facts: ProfileFacts, actor: User) -> None:
    for name, value in answers.items():
        setattr(row, name, value)
    row.profile_sedex = facts.sedex_current
    row.profile_statement_url = facts.statement_url
    row.answered_by_id = actor.id
    row.answered_at = utcnow()


def _put_rating(row: DueDiligenceAnswers, assessment: Assessment, rules: Rules) -> None:
    row.rules_version = rules.version
    row.score = assessment.score
    row.rating = assessment.rating
    row.rating_rank = RANK[assessment.rating]
    row.raised_by = [rule.id for rule in assessment.raised]


def record_follow_up(answers: DueDiligenceAnswers, note: str, *, officer: User) -> DueDiligenceFollowUp:
    follow_up = DueDiligenceFollowUp(
        organisation_id=answers.organisation_id, officer_id=officer.id, rating=answers.rating, note=note
    )
    db.session.add(follow_up)
    db.session.flush()
    audit.record(
        "due_diligence.follow_up",
        answers.organisation,
        actor=officer,
        follow_up_id=follow_up.id,
        rating=answers.rating.value,
        note=note[:500],
    )
    return follow_up
