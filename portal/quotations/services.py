"""Quotation exercises' rule, writes and reads (Ethical Procurement Policy 3d: "at least one of
the three quotes ... will be requested from a Cheshire Supplier where feasible"). An officer
records the suppliers invited to quote for an opportunity whose procedure is quotation; the portal
suggests registered local suppliers in its category and, when three or more are invited and none is
local, needs the reason a Cheshire supplier was not feasible before the exercise is complete.
Writes are audited in the caller's transaction and flush; the view commits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from portal import workflow
from portal.accounts.models import User
from portal.database import any_like, contains_pattern, fixed_limit
from portal.extensions import db
from portal.opportunities.models import Opportunity, Procedure
from portal.opportunities.services import Refused, record_change
from portal.organisations.models import (
    Classification,
    ClassificationDecision,
    LocalStatus,
    Organisation,
    organisation_cpv_divisions,
)
from portal.quotations import workflow as _tables  # noqa: F401  (registers the exercises' moves)
from portal.quotations.models import QuotationExercise, QuotationInvitee, QuotationState

# "More where market conditions permit", within a bound that keeps the invitees one short list.
MOST_INVITEES = 20
SUGGESTIONS_PER_PAGE = 10


# --- writes ----------------------------------------------------------------------------------


def _audit(exercise: QuotationExercise, action: str, actor: User, details: dict) -> None:
    record_change(exercise.opportunity, action, actor, details)


def start(opportunity: Opportunity, *, actor: User) -> QuotationExercise:
    """The opportunity's exercise, begun when its first supplier is invited."""
    if opportunity.procedure is not Procedure.QUOTATION:
        raise Refused("Only an opportunity whose procedure is quotation has a quotation exercise")
    exercise = QuotationExercise(opportunity_id=opportunity.id, created_by_id=actor.id, invitees=[])
    db.session.add(exercise)
    db.session.flush()
    _audit(exercise, "quotation.started", actor, {"exercise_id": exercise.id})
    return exercise


def _check_in_progress(exercise: QuotationExercise) -> None:
    if exercise.state is not QuotationState.IN_PROGRESS:
        raise Refused("This quotation exercise is complete: its invitees can no longer change")


def _can_invite(exercise: QuotationExercise) -> None:
    _check_in_progress(exercise)
    if len(exercise.invitees) >= MOST_INVITEES:
        raise Refused(f"An exercise can invite at most {MOST_INVITEES} suppliers")


def invite_organisation(
    exercise: QuotationExercise, organisation: Organisation, *, actor: User
) -> QuotationInvitee:
    """Invite a registered organisation (once)."""
    _can_invite(exercise)
    if not organisation.is_registered:
        raise Refused("Only an organisation that has registered can be invited from the portal")
    if any(invitee.organisation_id == organisation.id for invitee in exercise.invitees):
        raise Refused(f"{organisation.name} is already invited")
    invitee = QuotationInvitee(organisation=organisation, invited_by_id=actor.id)
    exercise.invitees.append(invitee)
    db.session.flush()
    _audit(exercise, "quotation.supplier_invited", actor, {"organisation_id": organisation.id})
    return invitee


def named_problem(exercise: QuotationExercise | None, name: str) -> str | None:
    """Why a supplier not on the portal cannot be added by this name, in words for the field."""
    folded = name.casefold()
    if exercise and any((invitee.name or "").casefold() == folded for invitee in exercise.invitees):
        return f"{name} is already invited"
    on_portal = db.session.scalar(
        sa.select(Organisation.id)
        .where(Organisation.registered_at.is_not(None), sa.func.lower(Organisation.name) == name.lower())
        .limit(1)
    )
    if on_portal is not None:
        return f"{name} is registered on the portal: search for it by name and invite it from there"
    return None


def invite_named(
    exercise: QuotationExercise, name: str, email: str | None, *, actor: User
) -> QuotationInvitee:
    """Invite a supplier that is not on the portal (checked by `named_problem`)."""
    _can_invite(exercise)
    invitee = QuotationInvitee(name=name, email=email, invited_by_id=actor.id)
    exercise.invitees.append(invitee)
    db.session.flush()
    _audit(exercise, "quotation.supplier_invited", actor, {"name": name, "email": email})
    return invitee


def remove_invitee(exercise: QuotationExercise, invitee: QuotationInvitee, *, actor: User) -> None:
    _check_in_progress(exercise)
    exercise.invitees.remove(invitee)
    removed = {"organisation_id": invitee.organisation_id, "name": invitee.display_name}
    _audit(exercise, "quotation.supplier_removed", actor, removed)


def complete(
    exercise: QuotationExercise, reason: str | None, *, actor: User, revision: int | None = None
) -> None:
    """Save the exercise as complete: who, when, whether a local supplier was invited and, where
    none was, the reason (kept only then). :raise Refused:"""
    workflow.transition(exercise, "complete", actor=actor, note=reason, revision=revision)


# --- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OffsetPage:
    """A page of a list ordered by rank or name, addressed by its number."""

    items: list[Organisation]
    number: int
    has_next: bool


def _offset_page(query: sa.Select, number: int) -> OffsetPage:
    # By number, not keyset: these lists are ordered by a worked-out rank and a name, and are
    # short (one category's local suppliers, or a name's matches).
    rows = db.session.scalars(
        query.options(selectinload(Organisation.decisions))
        .limit(fixed_limit(SUGGESTIONS_PER_PAGE + 1))
        .offset((number - 1) * SUGGESTIONS_PER_PAGE)
    ).all()
    return OffsetPage(rows[:SUGGESTIONS_PER_PAGE], number, len(rows) > SUGGESTIONS_PER_PAGE)


def suggestions(opportunity: Opportunity, exercise: QuotationExercise | None, number: int = 1) -> OffsetPage:
    """Registered organisations that supply the opportunity's category and are local, not yet
    invited: verified local first (an officer's decision, or local by postcode), then declared,
    each by name. As `is_local` would say, in one query."""
    decision = aliased(ClassificationDecision)
    rank = _local_rank(decision)
    query = (
        sa.select(Organisation)
        .outerjoin(decision, _applying_local_decision(decision))
        .where(Organisation.registered_at.is_not(None), rank.is_not(None), _supplies(opportunity))
        .order_by(rank, sa.func.lower(Organisation.name), Organisation.id)
    )
    if exercise is not None:
        query = query.where(~_invited(exercise))
    return _offset_page(query, number)


def _applying_local_decision(decision: type[ClassificationDecision]) -> sa.ColumnElement[bool]:
    """The join to `decision` (an alias) of the organisation's newest decision on its local status,
    where it applies: while the rules still give what they gave when it was made
    (portal.organisations.services.current_decisions)."""
    newest = aliased(ClassificationDecision)
    newest_local = (
        sa.select(sa.func.max(newest.id))
        .where(newest.organisation_id == Organisation.id, newest.classification == Classification.LOCAL)
        .scalar_subquery()
    )
    computed = sa.func.coalesce(sa.cast(Organisation.local_status, sa.String), "None")
    return sa.and_(decision.id == newest_local, decision.computed_value == computed)


def _local_rank(decision: type[ClassificationDecision]) -> sa.ColumnElement[int]:
    """0 for an organisation local by an officer's decision (`decision`) or by its postcode, 1 for
    one that declares it is, NULL for one that is not local or that a decision says is not."""
    return sa.case(
        (decision.decided_value.is_(True), 0),
        (decision.id.is_not(None), sa.null()),
        (Organisation.local_status == LocalStatus.LOCAL, 0),
        (Organisation.local_status == LocalStatus.DECLARED, 1),
        else_=sa.null(),
    )


def _supplies(opportunity: Opportunity) -> sa.Exists:
    """The organisation supplies the opportunity's category."""
    return sa.exists().where(
        organisation_cpv_divisions.c.organisation_id == Organisation.id,
        organisation_cpv_divisions.c.division == opportunity.cpv_division,
    )


def _invited(exercise: QuotationExercise) -> sa.Exists:
    """The organisation is invited to the exercise."""
    return sa.exists().where(
        QuotationInvitee.exercise_id == exercise.id,
        QuotationInvitee.organisation_id == Organisation.id,
    )


def search(name: str, number: int = 1) -> OffsetPage:
    """Registered organisations whose name (or legal name) holds `name`, by name."""
    return _offset_page(
        sa.select(Organisation)
        .where(
            Organisation.registered_at.is_not(None),
            any_like(contains_pattern(name), Organisation.name, Organisation.legal_name),
        )
        .order_by(sa.func.lower(Organisation.name), Organisation.id),
        number,
    )


def exercise_of(opportunity_id: int) -> QuotationExercise | None:
    """The opportunity's exercise with everything its page shows, loaded up front."""
    return db.session.scalar(
        sa.select(QuotationExercise)
        .where(QuotationExercise.opportunity_id == opportunity_id)
        .options(
            selectinload(QuotationExercise.invitees).options(
                selectinload(QuotationInvitee.organisation).selectinload(Organisation.decisions),
                selectinload(QuotationInvitee.invited_by),
            ),
            selectinload(QuotationExercise.completed_by),
        )
    )


@dataclass(frozen=True)
class Share:
    """Completed quotation exercises, and how many of them invited a local supplier."""

    with_local: int
    completed: int
    in_progress: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.with_local / self.completed) if self.completed else None


def local_share() -> Share:
    """The officers' figure: of the completed exercises (of opportunities still quotations), how
    many invited a local supplier; those in progress are counted apart, since they may yet."""
    complete = QuotationExercise.state == QuotationState.COMPLETE
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(
                sa.func.sum(sa.case((complete & QuotationExercise.has_local_invitee, 1), else_=0)), 0
            ),
            sa.func.coalesce(sa.func.sum(sa.case((complete, 1), else_=0)), 0),
            sa.func.count(),
        )
        .select_from(QuotationExercise)
        .join(Opportunity, Opportunity.id == QuotationExercise.opportunity_id)
        .where(Opportunity.procedure == Procedure.QUOTATION)
    ).one()
    return Share(with_local=row[0], completed=row[1], in_progress=row[2] - row[1])


def exercise_rows() -> sa.Select:
    """The exercises list as plain columns, with how many suppliers each invited."""
    invitees = (
        sa.select(sa.func.count())
        .where(QuotationInvitee.exercise_id == QuotationExercise.id)
        .correlate(QuotationExercise)
        .scalar_subquery()
    )
    return (
        sa.select(
            QuotationExercise.id,
            QuotationExercise.state,
            QuotationExercise.has_local_invitee,
            QuotationExercise.not_feasible_reason,
            QuotationExercise.completed_at,
            Opportunity.id.label("opportunity_id"),
            Opportunity.reference,
            Opportunity.title,
            invitees.label("invitees"),
        )
        .join(Opportunity, Opportunity.id == QuotationExercise.opportunity_id)
        .where(Opportunity.procedure == Procedure.QUOTATION)
    )
