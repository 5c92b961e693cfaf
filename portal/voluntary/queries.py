"""Reading suppliers' answers to needs: an organisation's answers to one need, for the need's
page, and its newest answers to any need, for the supplier's home page. Plain rows, each list
one statement."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from portal.accounts.models import User
from portal.database import built_once, fixed_limit, plain_rows
from portal.voluntary.models import Need, NeedResponse, NeedState


class SentAnswer(NamedTuple):
    """One of an organisation's answers to a need, as the need's page shows it."""

    message: str
    sender: str  # the name of the member who sent it
    created_at: datetime


class NeedAnswer(NamedTuple):
    """One of an organisation's answers, with the need it answers."""

    need_id: int
    need_title: str
    need_state: NeedState
    created_at: datetime


def answers_to(need_id: int, organisation_id: int) -> list[SentAnswer]:
    """The organisation's answers to the need, newest first, with who sent each."""
    statement = (
        sa.select(NeedResponse.message, User.name, NeedResponse.created_at)
        .join(User, User.id == NeedResponse.user_id)
        .where(NeedResponse.need_id == need_id, NeedResponse.organisation_id == organisation_id)
        .order_by(NeedResponse.id.desc())
    )
    return plain_rows(statement, row_class=SentAnswer)


def answers_of(organisation_id: int, limit: int) -> tuple[int, list[NeedAnswer]]:
    """How many answers to needs the organisation has sent, and its newest `limit` (0 or more),
    newest first, in one statement.

    The count and the rows are two subqueries joined on nothing, the count always giving its one
    row: the count reads only the index on (organisation_id, id), and the rows stop at `limit`
    walking it backwards. A window (`count(*) over ()` beside the rows) would read every answer
    before the limit, and gives no count when no row is returned (a limit of 0)."""
    if limit < 0:
        raise ValueError("limit must be 0 or more")
    rows = plain_rows(_answers_of(limit), {"organisation_id": organisation_id})
    answers = [NeedAnswer._make(row[:4]) for row in rows if row.need_id is not None]
    return rows[0].total, answers


# Built once: the supplier's home spent 3.5 ms of its 15 building it each time (in one process,
# profiled), more than the statement's run (docs/performance.md, the supplier's home).
@built_once
def _answers_of(limit: int) -> sa.Select:
    """The newest `limit` answers of the bound `organisation_id` (their need's id, title and
    state, and when each was sent), each beside the organisation's count of answers; one row of
    the count alone where there are none."""
    own = NeedResponse.organisation_id == sa.bindparam("organisation_id")
    total = sa.select(sa.func.count().label("total")).select_from(NeedResponse).where(own).subquery()
    newest = (
        sa.select(NeedResponse.id, NeedResponse.need_id, Need.title, Need.state, NeedResponse.created_at)
        .join(Need, Need.id == NeedResponse.need_id)
        .where(own)
        .order_by(NeedResponse.id.desc())
        .limit(fixed_limit(limit))
        .subquery()
    )
    return (
        sa.select(newest.c.need_id, newest.c.title, newest.c.state, newest.c.created_at, total.c.total)
        .select_from(total)
        .outerjoin(newest, sa.true())
        .order_by(newest.c.id.desc())
    )
