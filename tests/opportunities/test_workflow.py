"""The opportunities' table, tried exhaustively: every state x move x kind of actor is made (with
its effects, audit and email) or refused with the page's message and nothing changed; a stale
revision is refused; the close form keeps the officer's text when the reason is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.opportunities.models import Opportunity, OpportunityState
from portal.opportunities.workflow import OPPORTUNITIES
from portal.outbox.models import Broadcast
from portal.workflow import Refused, transition
from tests.conftest import post_form
from tests.factories import make_opportunity, make_staff, make_supplier

S = OpportunityState
KINDS = ["officer", "supplier", "system"]
WRONG_STATE = {
    "publish": "This opportunity has already been published",
    "close": "Only a published opportunity can be closed",
}


def test_the_moves_an_opportunity_makes():
    table = {name: (set(m.sources), m.target, set(m.by), m.note) for name, m in OPPORTUNITIES.moves.items()}
    assert table == {
        "publish": ({S.DRAFT}, S.PUBLISHED, {"officer"}, None),
        "close": ({S.PUBLISHED}, S.CLOSED, {"officer"}, "required"),
    }


def actions(opportunity_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditRecord.action)
            .where(AuditRecord.record_type == "opportunities", AuditRecord.record_id == str(opportunity_id))
            .order_by(AuditRecord.id)
        )
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(OPPORTUNITIES.moves))
@pytest.mark.parametrize("state", list(S))
def test_each_move_is_made_or_refused_as_the_table_says(app, transaction, state, name, kind):
    move = OPPORTUNITIES.moves[name]
    with app.app_context():
        officer = make_staff()
        actor = {"officer": officer, "supplier": make_supplier(), "system": None}[kind]
        opportunity = make_opportunity(officer=officer, state=state.value)
        if state is S.CLOSED:
            opportunity.closed_at = opportunity.published_at
        db.session.commit()
        revision = opportunity.revision
        note = "The requirement has changed" if move.note == "required" else ""
        if state in move.sources and kind in move.by:
            transition(opportunity, name, actor=actor, note=note, revision=revision)
            db.session.commit()
            db.session.expire_all()
            made = db.session.get(Opportunity, opportunity.id)
            assert (made.state, made.revision) == (move.target, revision + 1)
            assert actions(made.id) == [f"opportunity.{move.target.value}"]
            if name == "publish":
                assert made.published_at is not None and made.alerted_at is not None
                assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 1
            else:
                assert made.closed_at is not None
            return
        expected = WRONG_STATE[name] if kind in move.by else "Only the procurement unit can do that"
        with pytest.raises(Refused, match=expected):
            transition(opportunity, name, actor=actor, note=note, revision=revision)
        db.session.rollback()
        kept = db.session.get(Opportunity, opportunity.id)
        assert (kept.state, kept.revision, actions(kept.id)) == (state, revision, [])


@pytest.mark.parametrize(("state", "name"), [(S.DRAFT, "publish"), (S.PUBLISHED, "close")])
def test_a_move_from_a_stale_page_is_refused(app, transaction, state, name):
    with app.app_context():
        officer = make_staff()
        opportunity = make_opportunity(officer=officer, state=state.value)
        db.session.commit()
        for stale in (opportunity.revision - 1, opportunity.revision + 1):
            with pytest.raises(Refused, match="This opportunity has changed since you opened the page"):
                transition(opportunity, name, actor=officer, note="Because", revision=stale)
        assert opportunity.state is state


@pytest.mark.parametrize(
    ("state", "name", "message"),
    [
        (S.DRAFT, "publish", "The closing date has passed: change it before publishing"),
        (S.PUBLISHED, "close", "This opportunity has already reached its closing time"),
    ],
)
def test_no_move_once_the_closing_time_has_passed(app, transaction, state, name, message):
    with app.app_context():
        officer = make_staff()
        opportunity = make_opportunity(officer=officer, state=state.value, closes_in=timedelta(minutes=-1))
        db.session.commit()
        with pytest.raises(Refused, match=message):
            transition(opportunity, name, actor=officer, note="Because")


def test_a_refused_reason_is_shown_at_its_field_with_the_rest_kept(app, officer_client, transaction):
    with app.app_context():
        opportunity = make_opportunity(state="published")
        db.session.commit()
        page = f"/officer/opportunities/{opportunity.id}/close"
    response = post_form(officer_client, page, {"reason": "   "})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#reason"' in html
    assert "Say why the opportunity is closing early" in html
    with app.app_context():
        assert db.session.get(Opportunity, opportunity.id).state is S.PUBLISHED


def test_closing_from_a_page_opened_before_another_officer_closed_it_is_refused(
    app, officer_client, transaction
):
    with app.app_context():
        officer = make_staff()
        opportunity = make_opportunity(officer=officer, state="published")
        db.session.commit()
        opportunity_id, opened_at = opportunity.id, opportunity.revision
        opportunity.title = "Changed by a colleague"
        db.session.commit()
    response = post_form(
        officer_client,
        f"/officer/opportunities/{opportunity_id}/close",
        {"reason": "The requirement has changed", "revision": str(opened_at)},
        follow_redirects=True,
    )
    assert (
        "This opportunity has changed since you opened the page: see where it is now."
        in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.get(Opportunity, opportunity_id).state is S.PUBLISHED
