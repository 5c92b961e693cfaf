"""Two people moving the same offer at the same moment: one move is made, the other refused with a
clear message, and only one is recorded, emailed and (for an acceptance) committed."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.social_value import services
from portal.social_value.models import Commitment, Offer, OfferEvent, OfferState
from portal.workflow import Refused
from tests.conftest import csrf_token_from
from tests.factories import make_staff, make_supplier, sign_in
from tests.social_value.conftest import add_offer, pledge, registered

DECIDED = {"accept": OfferState.ACCEPTED, "decline": OfferState.DECLINED, "withdraw": OfferState.WITHDRAWN}


def setting(app) -> dict:
    """An offer under review, its author and two officers (committed for real)."""
    with app.app_context():
        organisation = registered("Race Ltd")
        organisation_id = organisation.id
        supplier = make_supplier("rhiannon@race.example", name="Rhiannon Jones", organisation=organisation)
        pledge(organisation_id, supplier.id)
        officers = [make_staff(f"decider{n}@example.com", name=f"Decider {n}").id for n in range(2)]
        offer_id = add_offer(organisation_id, supplier.id, state=OfferState.UNDER_REVIEW)
        db.session.remove()
    return {"offer_id": offer_id, "supplier_id": supplier.id, "officer_ids": officers}


def recorded(app, offer_id: int) -> tuple[OfferState, list[str], int, int]:
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        actions = db.session.scalars(
            sa.select(OfferEvent.action).where(OfferEvent.offer_id == offer_id).order_by(OfferEvent.id)
        ).all()
        emails = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template.in_([f"social_value/offer_{name}" for name in DECIDED]))
        )
        commitments = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
        state = offer.state
        db.session.remove()
        return state, list(actions), emails, commitments


@pytest.mark.parametrize(("first", "second"), [("accept", "decline"), ("accept", "withdraw")])
def test_two_moves_at_once_leave_one_decision(fresh_app, database_kind, first, second):
    people = setting(fresh_app)
    actors = {
        first: people["officer_ids"][0],
        second: people["officer_ids"][1] if second == "decline" else people["supplier_id"],
    }
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def move(name: str) -> None:
        try:
            with fresh_app.app_context():
                if database_kind == "sqlite":
                    barrier.wait(10)  # a transaction there takes the write lock at its first read
                offer = db.session.get(Offer, people["offer_id"])
                actor = db.session.get(User, actors[name])
                revision = offer.revision
                if database_kind == "postgresql":
                    barrier.wait(10)  # both have read "under review": the revision decides
                try:
                    services.transition(offer, name, actor=actor, revision=revision, message="Our reason.")
                    db.session.commit()
                    outcomes.append(name)
                except Refused as refused:
                    db.session.rollback()
                    outcomes.append(str(refused))
                db.session.remove()
        except Exception as error:  # collected for the assertion below
            outcomes.append(error)

    threads = [threading.Thread(target=move, args=(name,)) for name in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    made = [outcome for outcome in outcomes if outcome in DECIDED]
    refused = [outcome for outcome in outcomes if outcome not in DECIDED]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert refused[0] in {
        "Someone else has moved this offer on meanwhile: see where it is now",
        "This offer has changed since you opened the page: see where it is now",
    }, refused
    state, actions, emails, commitments = recorded(fresh_app, people["offer_id"])
    assert state == DECIDED[made[0]]
    assert actions == made
    assert emails == 1
    assert commitments == (1 if made[0] == "accept" else 0)


def test_two_officers_posting_their_decisions_at_once_over_http_leave_one(fresh_app):
    people = setting(fresh_app)
    offer_id = people["offer_id"]
    clients = []
    with fresh_app.app_context():
        emails = [db.session.get(User, officer_id).email for officer_id in people["officer_ids"]]
        db.session.remove()
    for email in emails:
        client = fresh_app.test_client()
        sign_in(client, email)
        page = client.get(f"/officer/offers/{offer_id}").get_data(as_text=True)
        clients.append((client, csrf_token_from(page)))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def decide(client, token, name) -> None:
        barrier.wait(10)
        response = client.post(
            f"/officer/offers/{offer_id}/{name}",
            data={"csrf_token": token, "revision": "1", "message": "Decided."},
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=decide, args=(*clients[0], "accept")),
        threading.Thread(target=decide, args=(*clients[1], "decline")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [302, 302]
    state, actions, emails_sent, commitments = recorded(fresh_app, offer_id)
    assert state in {OfferState.ACCEPTED, OfferState.DECLINED}
    assert len(actions) == 1 and emails_sent == 1
    assert commitments == (1 if state == OfferState.ACCEPTED else 0)
    # The one who lost is told so on the page.
    pages = [client.get(f"/officer/offers/{offer_id}").get_data(as_text=True) for client, _ in clients]
    told = [page for page in pages if "see where it is now" in page]
    assert len(told) == 1
