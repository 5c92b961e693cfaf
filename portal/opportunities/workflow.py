"""Opportunities' moves: an officer publishes a draft, and may close a published one before its
closing time (with the reason). Reaching the closing time is no move: `services.is_open` reads it."""

from __future__ import annotations

from portal.opportunities import emails
from portal.opportunities.models import Opportunity
from portal.opportunities.models import OpportunityState as S
from portal.time import utcnow
from portal.workflow import OFFICER, Change, Move, Refused, Workflow, by_name, register


def _closing_ahead(change: Change) -> None:
    if change.record.closes_at <= utcnow():
        raise Refused(
            "The closing date has passed: change it before publishing"
            if change.move.name == "publish"
            else "This opportunity has already reached its closing time"
        )


def _published(change: Change) -> None:
    """Published now, and its alert sent now: no move leads back to a draft, so an opportunity is
    published, and its alert goes, once however often it is changed later."""
    opportunity, now = change.record, utcnow()
    opportunity.published_at = opportunity.updated_at = opportunity.alerted_at = now


def _closed(change: Change) -> None:
    change.record.closed_at = change.record.updated_at = utcnow()


def _alert(change: Change) -> None:
    emails.alert(change.record)


OPPORTUNITIES = register(
    Opportunity,
    Workflow(
        noun="opportunity",
        moves=by_name(
            Move(
                "publish",
                frozenset({S.DRAFT}),
                S.PUBLISHED,
                OFFICER,
                wrong_state="This opportunity has already been published",
                checks=(_closing_ahead,),
                effects=(_published,),
                emails=(_alert,),
            ),
            Move(
                "close",
                frozenset({S.PUBLISHED}),
                S.CLOSED,
                OFFICER,
                note="required",
                note_missing="Say why the opportunity is closing early",
                wrong_state="Only a published opportunity can be closed",
                checks=(_closing_ahead,),
                effects=(_closed,),
            ),
        ),
        audit_action="{noun}.{target}",
        audit_details=lambda change: {"reason": change.note} if change.note else {},
    ),
)
