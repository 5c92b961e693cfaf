"""Reading suppliers' answers to needs: an organisation's answers to one need, for the need's
page, and its answers to any need, whose newest a supplier's home lists. Plain rows."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from portal.accounts.models import User
from portal.database import built_once, plain_rows
from portal.voluntary.models import Need, NeedResponse


class SentAnswer(NamedTuple):
    """One of an organisation's answers to a need, as the need's page shows it."""

    message: str
    sender: str  # the name of the member who sent it
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


# Built once, as a supplier's home's other lists are (portal.home.queries: each list's select
# built afresh cost the home 0.3 ms a GET, docs/performance.md).
@built_once
def organisation_answers() -> sa.Select:
    """The bound organisation's answers to needs: each one's need (id, title and state) and when it
    was sent (a supplier's home lists the newest)."""
    return (
        sa.select(
            NeedResponse.id,
            NeedResponse.need_id,
            Need.title.label("need_title"),
            Need.state.label("need_state"),
            NeedResponse.created_at,
        )
        .join(Need, Need.id == NeedResponse.need_id)
        .where(NeedResponse.organisation_id == sa.bindparam("organisation_id"))
    )
