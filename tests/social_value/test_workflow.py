"""The review's moves as data, tried exhaustively: every state, every move, by either side. A move
the table allows goes through (and is recorded, audited and emailed); any other is refused with
nothing changed."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.append_only import AppendOnlyError
from portal.ethics.services import publish_version
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.social_value import rules, services, workflow
from portal.social_value.models import Commitment, Offer, OfferEvent, OfferState
from portal.social_value.workflow import MOVES, RESPONSE_MOVES, SENDING
from portal.time import london_today
from portal.workflow import Refused
from tests.ethics.test_versions import changed_text
from tests.factories import make_staff, make_supplier
from tests.social_value.conftest import add_offer, audits, measure_id, outcome_id, pledge, registered

S = OfferState
ROLES = ("supplier", "officer")
GENERAL_MOVES = [name for name in MOVES if name not in RESPONSE_MOVES]
CASES = [(state, name, role) for state in OfferState for name in GENERAL_MOVES for role in ROLES]

# The issue's workflow, written out by hand: what each side may do from each state.
EXPECTED = {
    S.DRAFT: {"supplier": ["submit"], "officer": []},
    S.SUBMITTED: {"supplier": ["withdraw"], "officer": ["pick_up"]},
    S.UNDER_REVIEW: {"supplier": ["withdraw"], "officer": ["ask", "accept", "decline"]},
    S.CLARIFICATION: {"supplier": ["resubmit", "withdraw"], "officer": []},
    S.RESUBMITTED: {"supplier": ["withdraw"], "officer": ["pick_up"]},
    S.ACCEPTED: {"supplier": [], "officer": []},
    S.DECLINED: {"supplier": [], "officer": []},
    S.WITHDRAWN: {"supplier": [], "officer": []},
    S.SEALED: {"supplier": [], "officer": []},
}
# A response to an opportunity: sealed, withdrawn before closing; the award's moves are no button.
OPPORTUNITY_EXPECTED = {
    S.DRAFT: {"supplier": ["seal"], "officer": []},
    S.SEALED: {"supplier": ["withdraw_response"], "officer": []},
}
OPPORTUNITY_TARGETS = {
    "seal": S.SEALED,
    "withdraw_response": S.WITHDRAWN,
    "award": S.ACCEPTED,
    "not_awarded": S.DECLINED,
}
TARGETS = {
    "submit": S.SUBMITTED,
    "pick_up": S.UNDER_REVIEW,
    "ask": S.CLARIFICATION,
    "resubmit": S.RESUBMITTED,
    "accept": S.ACCEPTED,
    "decline": S.DECLINED,
    "withdraw": S.WITHDRAWN,
}


@pytest.fixture
def people(app, transaction):
    """A supplier of a registered organisation with a current pledge, and an officer."""
    with app.app_context():
        organisation = registered()
        supplier = make_supplier("mo@winsford-widgets.example", name="Mo Member", organisation=organisation)
        pledge(organisation.id, supplier.id)
        officer = make_staff("rita@example.com", name="Rita Reviewer")
        admin = make_staff("hana@example.com", name="Hana Head", admin=True)
        return SimpleNamespace(
            organisation_id=organisation.id, supplier_id=supplier.id, officer_id=officer.id, admin_id=admin.id
        )


def social_value_messages() -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.template.like("social_value/%"))
        .order_by(OutboxMessage.id)
    ).all()


def general(state: OfferState) -> SimpleNamespace:
    return SimpleNamespace(state=state, opportunity_id=None)


def test_the_table_is_the_issues_workflow():
    for state, sides in EXPECTED.items():
        for role, names in sides.items():
            assert [move.name for move in workflow.allowed(general(state), role)] == names, (state, role)
    for state in OfferState:
        for role in ROLES:
            response = SimpleNamespace(state=state, opportunity_id=1)
            names = [move.name for move in workflow.allowed(response, role)]
            assert names == OPPORTUNITY_EXPECTED.get(state, {}).get(role, []), (state, role)
    assert {name: move.target for name, move in MOVES.items() if name not in RESPONSE_MOVES} == TARGETS
    assert {
        name: move.target for name, move in MOVES.items() if name in RESPONSE_MOVES
    } == OPPORTUNITY_TARGETS
    sending = {name for name, move in MOVES.items() if set(SENDING) <= set(move.checks)}
    assert sending == {"submit", "resubmit", "seal"}
    assert {name: move.note_missing for name, move in MOVES.items() if move.note == "required"} == {
        "ask": "Enter your question to the supplier",
        "resubmit": "Enter your answer to the procurement unit's question",
        "decline": "Enter the reason for declining",
    }


@pytest.mark.parametrize(
    ("state", "name", "role"), CASES, ids=[f"{state.value}-{name}-{role}" for state, name, role in CASES]
)
def test_each_move_from_each_state_by_each_side_is_made_or_refused_as_the_table_says(
    app, people, state, name, role
):
    move = MOVES[name]
    allowed = state in move.sources and role in move.by
    assert (move in workflow.allowed(general(state), role)) is allowed
    message = "Because, with “words” – and ünïcödé." if move.note else ""
    actor_id = people.supplier_id if role == "supplier" else people.officer_id
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id, state=state)
        offer = db.session.get(Offer, offer_id)
        revision, queued_at = offer.revision, offer.queued_at
        actor = db.session.get(User, actor_id)
        if not allowed:
            with pytest.raises(Refused) as refused:
                services.transition(offer, name, actor=actor, revision=revision, message=message)
            if role not in move.by:
                expected = {
                    "officer": "Only the supplier can do that",
                    "supplier": "Only the procurement unit can do that",
                }[role]
            else:
                expected = "This offer has changed since you opened the page: see where it is now"
            assert str(refused.value) == expected
            db.session.rollback()
            offer = db.session.get(Offer, offer_id)
            assert (offer.state, offer.revision, offer.events) == (state, revision, [])
            assert offer.commitment is None
            assert social_value_messages() == []
        else:
            event = services.transition(offer, name, actor=actor, revision=revision, message=message)
            db.session.commit()
            db.session.expire_all()
            offer = db.session.get(Offer, offer_id)
            assert offer.state == move.target
            assert offer.revision == revision + 1
            [stored] = offer.events
            assert stored.id == event.id
            assert (stored.action, stored.from_state, stored.to_state) == (
                name,
                state.value,
                move.target.value,
            )
            assert (stored.actor_id, stored.message) == (actor_id, message)
            assert (offer.commitment is not None) is (move.target == S.ACCEPTED)
            if offer.commitment is not None:
                assert offer.commitment.quantity == offer.quantity
                assert offer.commitment.due_on == offer.due_on
                assert offer.commitment.organisation_id == people.organisation_id
            assert (offer.decided_at is not None) is (move.target in {S.ACCEPTED, S.DECLINED})
            if move.target in {S.SUBMITTED, S.RESUBMITTED}:
                assert offer.queued_at is not None and offer.queued_at != queued_at
            else:
                assert offer.queued_at == queued_at
            if name == "pick_up":
                assert offer.reviewer_id == people.officer_id
            [message_row] = social_value_messages()
            assert message_row.template == f"social_value/offer_{name}"
            to = "procurement@example.org" if role == "supplier" else "mo@winsford-widgets.example"
            assert to in message_row.recipients[0]
    [audit] = audits(app, "offer.") if allowed else [None]
    if allowed:
        assert audit.action == f"offer.{name}"
        assert (audit.record_type, audit.record_id, audit.actor_id) == (
            "social_value_offers",
            str(offer_id),
            actor_id,
        )
        assert audit.details == {"from": state.value, "to": move.target.value}
    else:
        assert audits(app, "offer.") == []


def test_an_admin_acts_as_an_officer(app, people):
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id, state=S.SUBMITTED)
        offer = db.session.get(Offer, offer_id)
        admin = db.session.get(User, people.admin_id)
        services.transition(offer, "pick_up", actor=admin, revision=offer.revision)
        with pytest.raises(Refused, match="Only the supplier can do that"):
            services.transition(offer, "withdraw", actor=admin, revision=offer.revision)
        db.session.commit()
        assert db.session.get(Offer, offer_id).reviewer_id == people.admin_id


def test_an_officer_cannot_submit_for_a_supplier(app, people):
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id)
        offer = db.session.get(Offer, offer_id)
        for staff_id in (people.officer_id, people.admin_id):
            with pytest.raises(Refused, match="Only the supplier can do that"):
                services.transition(
                    offer, "submit", actor=db.session.get(User, staff_id), revision=offer.revision
                )
        db.session.rollback()
        assert db.session.get(Offer, offer_id).state == S.DRAFT


@pytest.mark.parametrize(("state", "name"), [(S.DRAFT, "submit"), (S.UNDER_REVIEW, "decline")])
def test_a_form_older_than_the_offers_last_change_is_refused(app, people, state, name):
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id, state=state)
        offer = db.session.get(Offer, offer_id)
        actor_id = people.supplier_id if "supplier" in MOVES[name].by else people.officer_id
        for stale in (offer.revision - 1, offer.revision + 1, 0):
            with pytest.raises(Refused, match="This offer has changed since you opened the page"):
                services.transition(
                    offer, name, actor=db.session.get(User, actor_id), revision=stale, message="Why"
                )
        db.session.rollback()
        assert db.session.get(Offer, offer_id).state == state


@pytest.mark.parametrize(
    ("state", "name", "role"),
    [
        (S.UNDER_REVIEW, "ask", "officer"),
        (S.UNDER_REVIEW, "decline", "officer"),
        (S.CLARIFICATION, "resubmit", "supplier"),
    ],
)
def test_a_move_that_needs_words_is_refused_without_them(app, people, state, name, role):
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id, state=state)
        offer = db.session.get(Offer, offer_id)
        actor = db.session.get(User, people.officer_id if role == "officer" else people.supplier_id)
        for blank in ("", "   ", "\n\t "):
            with pytest.raises(Refused, match=MOVES[name].note_missing):
                services.transition(offer, name, actor=actor, revision=offer.revision, message=blank)
        db.session.rollback()
        assert db.session.get(Offer, offer_id).events == []


@pytest.mark.parametrize(("state", "name"), [(S.UNDER_REVIEW, "accept"), (S.SUBMITTED, "withdraw")])
def test_the_words_are_optional_for_accepting_and_withdrawing(app, people, state, name):
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id, state=state)
        offer = db.session.get(Offer, offer_id)
        actor_id = people.officer_id if name == "accept" else people.supplier_id
        services.transition(offer, name, actor=db.session.get(User, actor_id), revision=offer.revision)
        db.session.commit()
        assert db.session.get(Offer, offer_id).state == MOVES[name].target


def test_an_incomplete_draft_cannot_be_submitted(app, people):
    with app.app_context():
        supplier = db.session.get(User, people.supplier_id)
        offer = services.start_offer(db.session.get(User, people.supplier_id).organisation, user=supplier)
        offer.theme_id = "social"
        db.session.commit()
        with pytest.raises(Refused) as refused:
            services.transition(offer, "submit", actor=supplier, revision=offer.revision)
        assert str(refused.value) == (
            "Answer every question before you submit: outcomes, indicator, description, quantity, where, when, partner"
        )
        db.session.rollback()
        assert db.session.get(Offer, offer.id).state == S.DRAFT


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("outcome", "An outcome you chose is not one of the theme's"),
        ("indicator", "The indicator you chose is not one of the theme's"),
        ("measure", "The measure you chose does not evidence the indicator"),
    ],
)
def test_answers_that_no_longer_fit_the_matrix_cannot_be_submitted(app, people, change, problem):
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id)
        offer = db.session.get(Offer, offer_id)
        if change == "outcome":
            from portal.social_value.models import Outcome

            offer.outcomes = [*offer.outcomes, db.session.get(Outcome, outcome_id("economic", 1))]
        elif change == "indicator":
            from tests.social_value.conftest import indicator_id

            offer.indicator_id = indicator_id("economic", 1)
        else:
            offer.measure_id = measure_id("waste_diverted")
        db.session.commit()
        db.session.expire_all()
        offer = db.session.get(Offer, offer_id)
        assert problem in " ".join(rules.matrix_problems(offer))
        with pytest.raises(Refused, match=problem):
            services.transition(
                offer, "submit", actor=db.session.get(User, people.supplier_id), revision=offer.revision
            )
        db.session.rollback()
        assert db.session.get(Offer, offer_id).state == S.DRAFT


@pytest.mark.parametrize(("state", "name"), [(S.DRAFT, "submit"), (S.CLARIFICATION, "resubmit")])
def test_submitting_and_resubmitting_need_a_current_pledge(app, transaction, state, name):
    with app.app_context():
        organisation = registered("Unpledged Ltd")
        organisation_id = organisation.id
        supplier = make_supplier("una@unpledged.example", name="Una Unpledged", organisation=organisation)
        offer_id = add_offer(organisation_id, supplier.id, state=state)
        offer = db.session.get(Offer, offer_id)
        with pytest.raises(Refused, match="Sign the Supplier Code of Ethics for your organisation first"):
            services.transition(
                offer, name, actor=db.session.get(User, supplier.id), revision=offer.revision, message="Yes"
            )
        db.session.rollback()
        # Withdrawing needs none.
        if state == S.CLARIFICATION:
            offer = db.session.get(Offer, offer_id)
            services.transition(
                offer, "withdraw", actor=db.session.get(User, supplier.id), revision=offer.revision
            )
            db.session.commit()
            assert db.session.get(Offer, offer_id).state == S.WITHDRAWN


def test_a_pledge_to_an_older_version_is_not_enough(app, people):
    with app.app_context():
        publish_version(changed_text(), effective_on=london_today())
        db.session.commit()
        offer_id = add_offer(people.organisation_id, people.supplier_id)
        offer = db.session.get(Offer, offer_id)
        with pytest.raises(Refused, match="Sign the new version of the Supplier Code of Ethics first"):
            services.transition(
                offer, "submit", actor=db.session.get(User, people.supplier_id), revision=offer.revision
            )
        db.session.rollback()


def test_the_timeline_is_kept_as_the_record(app, people):
    """Events are append-only: the session and the database refuse to change or delete one."""
    with app.app_context():
        offer_id = add_offer(people.organisation_id, people.supplier_id, state=S.SUBMITTED)
        offer = db.session.get(Offer, offer_id)
        services.transition(
            offer, "pick_up", actor=db.session.get(User, people.officer_id), revision=offer.revision
        )
        db.session.commit()
        event_id = offer.events[0].id
        for statement in (
            sa.update(OfferEvent).where(OfferEvent.id == event_id).values(message="rewritten"),
            sa.delete(OfferEvent).where(OfferEvent.id == event_id),
        ):
            with pytest.raises(AppendOnlyError):
                db.session.execute(statement)
            db.session.rollback()
        for statement in (
            "UPDATE social_value_offer_events SET message = 'rewritten' WHERE id = :id",
            "DELETE FROM social_value_offer_events WHERE id = :id",
        ):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                db.session.execute(sa.text(statement), {"id": event_id})
            db.session.rollback()
        assert db.session.get(OfferEvent, event_id).message == ""


def test_an_accepted_offer_is_a_commitment_at_once(app, people):
    with app.app_context():
        offer_id = add_offer(
            people.organisation_id,
            people.supplier_id,
            state=S.UNDER_REVIEW,
            measure="work_experience_placements",
            indicator=4,
            outcomes=(4, 5),
            quantity="6",
            due_on=london_today() + timedelta(days=30),
        )
        offer = db.session.get(Offer, offer_id)
        services.transition(
            offer, "accept", actor=db.session.get(User, people.officer_id), revision=offer.revision
        )
        db.session.commit()
        commitment = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == offer_id))
        assert commitment.measure_id == measure_id("work_experience_placements")
        assert commitment.quantity == 6
        assert commitment.due_on == london_today() + timedelta(days=30)
        assert commitment.delivered_quantity == 0 and commitment.delivered_at is None
        assert services.commitment_state(commitment) == "on_track"


@pytest.mark.parametrize("name", sorted(OPPORTUNITY_TARGETS))
def test_a_general_offer_makes_no_move_of_a_response_to_an_opportunity(app, people, name):
    actor_id = people.supplier_id if "supplier" in MOVES[name].by else people.officer_id
    with app.app_context():
        offer_id = add_offer(
            people.organisation_id, people.supplier_id, state=next(iter(MOVES[name].sources))
        )
        offer = db.session.get(Offer, offer_id)
        state, revision = offer.state, offer.revision
        with pytest.raises(Refused, match="This offer is a general commitment: it is reviewed, not sealed"):
            services.transition(offer, name, actor=db.session.get(User, actor_id), revision=revision)
        db.session.rollback()
        offer = db.session.get(Offer, offer_id)
        assert (offer.state, offer.revision, offer.events) == (state, revision, [])
