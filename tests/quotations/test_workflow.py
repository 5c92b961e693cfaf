"""The quotation exercise's table, tried exhaustively: its one move from each state by each kind
of actor is made (who, when, the local outcome, the audit under the opportunity) or refused with
the page's message and nothing changed; a stale revision is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.opportunities.models import Procedure
from portal.quotations.models import QuotationExercise, QuotationInvitee, QuotationState
from portal.quotations.workflow import EXERCISES
from portal.time import utcnow
from portal.workflow import Refused, transition
from tests.factories import make_opportunity, make_staff, make_supplier

S = QuotationState
KINDS = ["officer", "supplier", "system"]


def test_the_move_an_exercise_makes():
    table = {name: (set(m.sources), m.target, set(m.by), m.note) for name, m in EXERCISES.moves.items()}
    assert table == {"complete": ({S.IN_PROGRESS}, S.COMPLETE, {"officer"}, "optional")}


def exercise(officer, state: QuotationState, invited: int = 3) -> QuotationExercise:
    """An exercise with `invited` suppliers not on the portal (none of them local)."""
    opportunity = make_opportunity(
        officer=officer, procedure=Procedure.QUOTATION, value_ex_vat=Decimal("20000")
    )
    made = QuotationExercise(
        opportunity_id=opportunity.id,
        created_by_id=officer.id,
        invitees=[QuotationInvitee(name=f"Supplier {n}", invited_by_id=officer.id) for n in range(invited)],
    )
    if state is S.COMPLETE:
        made.state, made.completed_at, made.completed_by_id = state, utcnow(), officer.id
        made.has_local_invitee, made.not_feasible_reason = False, "No local supplier cleans custody suites"
    db.session.add(made)
    db.session.commit()
    return made


def completions(opportunity_id: int) -> list[AuditRecord]:
    return list(
        db.session.scalars(
            sa.select(AuditRecord).where(
                AuditRecord.record_type == "opportunities",
                AuditRecord.record_id == str(opportunity_id),
                AuditRecord.action == "quotation.completed",
            )
        )
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state", list(S))
def test_completing_is_made_or_refused_as_the_table_says(app, transaction, state, kind):
    with app.app_context():
        officer = make_staff()
        actor = {"officer": officer, "supplier": make_supplier(), "system": None}[kind]
        made = exercise(officer, state)
        revision = made.revision
        reason = "No Cheshire supplier cleans custody suites"
        if state is S.IN_PROGRESS and kind == "officer":
            transition(made, "complete", actor=actor, note=reason, revision=revision)
            db.session.commit()
            db.session.expire_all()
            done = db.session.get(QuotationExercise, made.id)
            assert (done.state, done.revision, done.completed_by_id) == (S.COMPLETE, revision + 1, officer.id)
            assert (done.has_local_invitee, done.not_feasible_reason) == (False, reason)
            [audit] = completions(done.opportunity_id)
            assert audit.details == {"invitees": 3, "local": 0, "reason": reason}
            return
        expected = (
            "This quotation exercise is already complete"
            if kind == "officer"
            else "Only the procurement unit can do that"
        )
        with pytest.raises(Refused, match=expected):
            transition(made, "complete", actor=actor, note=reason, revision=revision)
        db.session.rollback()
        kept = db.session.get(QuotationExercise, made.id)
        assert (kept.state, kept.revision, completions(kept.opportunity_id)) == (state, revision, [])


def test_the_rule_refuses_too_few_invitees_and_a_missing_reason(app, transaction):
    with app.app_context():
        officer = make_staff()
        with pytest.raises(Refused, match="Invite at least 3 suppliers before completing the exercise"):
            transition(exercise(officer, S.IN_PROGRESS, invited=2), "complete", actor=officer, note="Why")
        db.session.rollback()
        with pytest.raises(Refused, match="Say why inviting a Cheshire supplier was not feasible") as refused:
            transition(exercise(officer, S.IN_PROGRESS), "complete", actor=officer, note="  ")
        assert refused.value.field == "note"


def test_a_completion_from_a_stale_page_is_refused(app, transaction):
    with app.app_context():
        officer = make_staff()
        made = exercise(officer, S.IN_PROGRESS)
        with pytest.raises(Refused, match="This quotation exercise has changed since you opened the page"):
            transition(made, "complete", actor=officer, note="Because", revision=made.revision - 1)
        assert made.state is S.IN_PROGRESS
