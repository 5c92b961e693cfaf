"""Reading suppliers' answers to needs: an organisation's answers to one need, for the need's
page. Plain rows, each list one statement."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from portal.accounts.models import User
from portal.database import plain_rows
from portal.voluntary.models import NeedResponse


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
