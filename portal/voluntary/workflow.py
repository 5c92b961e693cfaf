"""The needs board's moves: an officer approves or declines a waiting need; its poster (or an
officer) says it is met or closes it; the daily job closes one whose end date has passed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.time import utcnow
from portal.voluntary.emails import need_decided_email
from portal.voluntary.models import Need
from portal.voluntary.models import NeedState as S
from portal.workflow import Move, Workflow, register

if TYPE_CHECKING:
    from portal.accounts.models import User


def _decided(need: Need, actor: User | None, note: str) -> None:
    need.decided_by_id, need.decided_at = actor.id, utcnow()
    need.decline_reason = note or None


def _closed(need: Need, _actor: User | None, _note: str) -> None:
    need.closed_at = utcnow()


NEEDS = register(
    Need,
    Workflow(
        noun="need",
        moves={
            move.name: move
            for move in (
                Move(
                    "approve",
                    frozenset({S.PENDING}),
                    S.PUBLISHED,
                    frozenset({"officer"}),
                    effects=(_decided,),
                    emails=(need_decided_email,),
                ),
                Move(
                    "decline",
                    frozenset({S.PENDING}),
                    S.DECLINED,
                    frozenset({"officer"}),
                    note="required",
                    note_missing="Say why the need is declined",
                    effects=(_decided,),
                    emails=(need_decided_email,),
                ),
                Move(
                    "met",
                    frozenset({S.PUBLISHED}),
                    S.MET,
                    frozenset({"supplier", "officer"}),
                    effects=(_closed,),
                ),
                Move(
                    "close",
                    frozenset({S.PENDING, S.PUBLISHED}),
                    S.CLOSED,
                    frozenset({"supplier", "officer", "system"}),
                    effects=(_closed,),
                ),
            )
        },
        audit_action="{noun}.{target}",
        audit_details=lambda _need, _before, _move, note: {"reason": note} if note else {},
        wrong_state="This {noun} is {state}: it cannot be {target} now",
        not_yours="Only the procurement unit can do that",
    ),
)
OPEN_STATES = frozenset({S.PENDING, S.PUBLISHED})
