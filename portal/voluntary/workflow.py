"""The needs board's moves: an officer approves or declines a waiting need; its poster (or an
officer) changes it, which sends it back for approval, says it is met or closes it; the daily job
closes one whose end date has passed."""

from __future__ import annotations

from portal.time import utcnow
from portal.voluntary.emails import need_awaiting_approval_email, need_decided_email
from portal.voluntary.models import Need
from portal.voluntary.models import NeedState as S
from portal.workflow import OFFICER, SUPPLIER, SYSTEM, Change, Move, Workflow, by_name, register


def _decided(change: Change) -> None:
    need = change.record
    need.decided_by_id, need.decided_at = change.actor.id, utcnow()
    need.decline_reason = change.note or None


def _closed(change: Change) -> None:
    change.record.closed_at = utcnow()


def _undecided(change: Change) -> None:
    need = change.record
    need.decided_by_id = need.decided_at = need.decline_reason = None


def _tell_contact(change: Change) -> None:
    need_decided_email(change.record, change.note)


def _tell_procurement(change: Change) -> None:
    need_awaiting_approval_email(change.record, changed=True)


def _audit_details(change: Change) -> dict[str, object]:
    if change.move.name == "change":
        return {"was_published": change.before is S.PUBLISHED}
    return {"reason": change.note} if change.note else {}


NEEDS = register(
    Need,
    Workflow(
        noun="need",
        moves=by_name(
            Move(
                "approve",
                frozenset({S.PENDING}),
                S.PUBLISHED,
                OFFICER,
                effects=(_decided,),
                emails=(_tell_contact,),
            ),
            Move(
                "decline",
                frozenset({S.PENDING}),
                S.DECLINED,
                OFFICER,
                note="required",
                note_missing="Say why the need is declined",
                effects=(_decided,),
                emails=(_tell_contact,),
            ),
            # The public sees a change only once it is approved again.
            Move(
                "change",
                frozenset({S.PENDING, S.PUBLISHED}),
                S.PENDING,
                SUPPLIER | OFFICER,
                audited_as="need.changed",
                effects=(_undecided,),
                emails=(_tell_procurement,),
            ),
            Move(
                "met",
                frozenset({S.PUBLISHED}),
                S.MET,
                SUPPLIER | OFFICER,
                effects=(_closed,),
            ),
            Move(
                "close",
                frozenset({S.PENDING, S.PUBLISHED}),
                S.CLOSED,
                SUPPLIER | OFFICER | SYSTEM,
                effects=(_closed,),
            ),
        ),
        audit_action="{noun}.{target}",
        audit_details=_audit_details,
        wrong_state="This {noun} is {state}: it cannot be {target} now",
    ),
)
OPEN_STATES = frozenset({S.PENDING, S.PUBLISHED})
