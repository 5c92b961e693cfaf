"""Two officers deciding the same need at the same moment: one decision, one email."""

import threading

import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.voluntary import services
from portal.voluntary.models import Need, NeedState
from portal.workflow import Refused
from tests.factories import make_staff, make_supplier
from tests.voluntary.conftest import add_need, vcse_organisation


def test_two_officers_deciding_at_once_leave_one_decision(fresh_app, database_kind):
    with fresh_app.app_context():
        organisation = vcse_organisation()
        poster = make_supplier("poster@example.com", organisation=organisation)
        need_id = add_need(poster.id, organisation_id=organisation.id, state=NeedState.PENDING)
        officers = [make_staff(f"decider{n}@example.com").id for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(officer_id: int, move: str) -> None:
        with fresh_app.app_context():
            if database_kind == "sqlite":
                barrier.wait(10)  # a transaction there takes the write lock at its first read
            need = db.session.get(Need, need_id)
            officer = db.session.get(User, officer_id)
            if database_kind == "postgresql":
                barrier.wait(10)  # both have read "pending": the revision decides
            try:
                services.move(need, move, actor=officer, reason="Not for this board")
                db.session.commit()
                outcomes.append(move)
            except Refused:
                db.session.rollback()
                outcomes.append("refused")
            db.session.remove()

    threads = [
        threading.Thread(target=decide, args=(officers[0], "approve")),
        threading.Thread(target=decide, args=(officers[1], "decline")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) in (["approve", "refused"], ["decline", "refused"])
    with fresh_app.app_context():
        need = db.session.get(Need, need_id)
        assert need.state in {NeedState.PUBLISHED, NeedState.DECLINED}
        decisions = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template.in_(["voluntary/need_published", "voluntary/need_declined"]))
        )
        assert decisions == 1
