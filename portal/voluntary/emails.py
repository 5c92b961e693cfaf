"""The needs board's emails: each message's template, subject and audience. The services and the
workflow's moves call these; each writes to the outbox in the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.outbox import link, notify, notify_procurement
from portal.voluntary.models import Need, NeedResponse, NeedState

if TYPE_CHECKING:
    from portal.accounts.models import User


def need_awaiting_approval_email(need: Need, *, changed: bool = False) -> None:
    """To the procurement inbox: a new (or changed) need waits for an officer's decision."""
    notify_procurement(
        "voluntary/need_awaiting_approval",
        subject=f"A {'changed ' if changed else ''}need awaits approval: {need.title}",
        cause=need,
        context={"need": need, "link": link("voluntary_officers.need", need_id=need.id)},
    )


def need_decided_email(need: Need, reason: str) -> None:
    """To the need's contact: an officer approved or declined it (with the reason)."""
    published = need.state == NeedState.PUBLISHED
    notify(
        f"voluntary/need_{need.state.value}",
        to=(need.contact_name, need.contact_email),
        subject=f"Your need has been {'approved' if published else 'declined'}: {need.title}",
        cause=need,
        context={"need": need, "reason": reason, "link": link("voluntary.need", need_id=need.id)},
    )


def need_answered_email(need: Need, response: NeedResponse, user: User) -> None:
    """To the need's contact: a supplier offers to help."""
    notify(
        "voluntary/need_answered",
        to=(need.contact_name, need.contact_email),
        subject=f"{user.organisation.name} answered your need: {need.title}",
        cause=response,
        context={
            "need": need,
            "response": response,
            "organisation": user.organisation,
            "user": user,
            "link": link("voluntary.need", need_id=need.id),
        },
    )
