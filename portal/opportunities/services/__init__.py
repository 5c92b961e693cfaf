"""Every write to opportunities: officers' drafting, publishing and closing, lots, suppliers'
interest, and the categories organisations are alerted about. Each is audited in the caller's
transaction; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from portal import audit, workflow
from portal.accounts.models import Role, User
from portal.ethics.services import PledgeRequired, require_current_pledge
from portal.extensions import db
from portal.formats import money
from portal.opportunities import rules
from portal.opportunities import workflow as _tables  # noqa: F401  (registers the opportunities' moves)
from portal.opportunities.models import (
    AlertOptOut,
    Interest,
    Lot,
    Opportunity,
    OpportunityState,
    Procedure,
    ResponseRoute,
    alert_divisions,
)
from portal.organisations.models import Organisation
from portal.outbox.audiences import Recipient, audience
from portal.outbox.services import link
from portal.reference.figures import figures_on
from portal.time import london_today, utcnow
from portal.tokens import ALERTS_UNSUBSCRIBE, make_token
from portal.workflow import Refused

# Published and not closed by an officer: open to responses until its closing time.
LIVE_STATES = {OpportunityState.PUBLISHED}


@dataclass(frozen=True)
class Details:
    """What an officer enters for an opportunity (the form's answers)."""

    reference: str
    title: str
    summary: str
    cpv_division: str
    value_ex_vat: Decimal
    vat_rate: Decimal
    procedure: Procedure
    closes_at: datetime
    notice_url: str | None
    suitable_sme: bool
    suitable_vcse: bool
    response_route: ResponseRoute
    weighting: Decimal | None  # None: the default the rules give
    weighting_reason: str | None


def problems(details: Details, opportunity: Opportunity | None = None) -> dict[str, str]:
    """The answers that break a rule, by field name, in the words shown beside the field."""
    found = {
        "closing_date": _closing_problem(details),
        "weighting_reason": _weighting_reason_problem(details),
        "value_ex_vat": _value_problem(details, opportunity),
        "reference": _reference_problem(details, opportunity),
    }
    return {field: problem for field, problem in found.items() if problem is not None}


def _closing_problem(details: Details) -> str | None:
    return "The closing date and time must be in the future" if details.closes_at <= utcnow() else None


def _weighting_reason_problem(details: Details) -> str | None:
    """A weighting under the default needs a reason, where the rules say so."""
    figures = figures_on(london_today())
    weighting = _weighting(details, figures)
    needs_reason = rules.weighting_needs_reason(weighting, details.value_ex_vat, details.procedure, figures)
    if not needs_reason or details.weighting_reason:
        return None
    return (
        f"Say why a weighting under {rules.plain_number(figures['social_value.default_weighting'])}% is relevant "
        "and proportionate for this opportunity"
    )


def _value_problem(details: Details, opportunity: Opportunity | None) -> str | None:
    lots_total = sum((lot.value_ex_vat for lot in opportunity.lots), Decimal(0)) if opportunity else 0
    if lots_total > details.value_ex_vat:
        return (
            f"The estimated value must be at least the lots' total, {money(lots_total, short=True)}, "
            "or change the lots first"
        )
    return None


def _reference_problem(details: Details, opportunity: Opportunity | None) -> str | None:
    taken = db.session.scalar(
        sa.select(Opportunity.id).where(
            Opportunity.reference == details.reference,
            Opportunity.id != (opportunity.id if opportunity and opportunity.id else -1),
        )
    )
    if taken is not None:
        return "Another opportunity already has that reference: give this one its own"
    return None


def _weighting(details: Details, figures: dict) -> Decimal:
    if details.weighting is not None:
        return details.weighting
    return rules.default_weighting(details.value_ex_vat, details.procedure, figures)


def save(opportunity: Opportunity, details: Details, *, actor: User) -> Opportunity:
    """Create or change an opportunity from checked details (see `problems`); what changed is
    audited. A reason is kept only while the weighting needs one."""
    new = opportunity.id is None
    before = {} if new else _audited_values(opportunity)
    for name, value in _column_values(details).items():
        setattr(opportunity, name, value)
    opportunity.updated_at = utcnow()
    if new:
        opportunity.created_by_id = actor.id
        db.session.add(opportunity)
        db.session.flush()
    after = _audited_values(opportunity)
    changed = {name: after[name] for name in after if before.get(name) != after[name]}
    if changed:
        record_change(opportunity, "opportunity.created" if new else "opportunity.changed", actor, changed)
    return opportunity


def _column_values(details: Details) -> dict[str, object]:
    """The details as the opportunity keeps them: the weighting the rules give where none was
    entered, and its reason only while it needs one."""
    figures = figures_on(london_today())
    weighting = _weighting(details, figures)
    needs_reason = rules.weighting_needs_reason(weighting, details.value_ex_vat, details.procedure, figures)
    values = {name: getattr(details, name) for name in Details.__dataclass_fields__}
    values["weighting"] = weighting
    values["weighting_reason"] = details.weighting_reason if needs_reason else None
    return values


def _audited_values(opportunity: Opportunity) -> dict[str, str | bool | None]:
    return {name: _audited(getattr(opportunity, name)) for name in Details.__dataclass_fields__}


def _audited(value: object) -> str | bool | None:
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # to the penny: the form's 20 and the database's 20.00 are one value
    return value if isinstance(value, bool) or value is None else str(value)


def record_change(opportunity: Opportunity, action: str, actor: User, details: dict | None = None) -> None:
    """Audit a change under its opportunity, so the opportunity's history holds all of them
    (its lots, responses, scores, award and quotation exercise too)."""
    audit.record(action, opportunity, actor=actor, **(details or {}))


def publish(opportunity: Opportunity, *, actor: User, revision: int | None = None) -> None:
    """Publish a draft: the public can find it, and the organisations alerted about its category
    are sent one email each member (once, however often it is changed later). :raise Refused:"""
    workflow.transition(opportunity, "publish", actor=actor, revision=revision)


@audience("opportunity_alert")
def alert_recipients(params: dict, after_key: int | None, limit: int) -> list[Recipient]:
    """The verified, active members of the organisations alerted about the opportunity's
    category, but those who unsubscribed, by account id; each with their own unsubscribe link."""
    return [_alert_recipient(row) for row in _alerted_members(params["division"], after_key, limit)]


def _alerted_members(division: str, after_key: int | None, limit: int) -> list[sa.Row]:
    alerted = sa.select(alert_divisions.c.organisation_id).where(alert_divisions.c.cpv_division == division)
    return db.session.execute(
        sa.select(User.id, User.email, User.name)
        .where(
            User.organisation_id.in_(alerted),
            User.role == Role.SUPPLIER,
            User.is_disabled.is_(False),
            User.email_verified_at.is_not(None),
            User.id > (after_key or 0),
            ~sa.exists().where(AlertOptOut.user_id == User.id),
        )
        .order_by(User.id)
        .limit(limit)
    ).all()


def _alert_recipient(member: sa.Row) -> Recipient:
    unsubscribe = link("opportunities.unsubscribe", token=make_token(ALERTS_UNSUBSCRIBE, {"user": member.id}))
    return Recipient(
        key=member.id, address=member.email, name=member.name, context={"unsubscribe_link": unsubscribe}
    )


def close(opportunity: Opportunity, *, actor: User, reason: str, revision: int | None = None) -> None:
    """Close a published opportunity before its closing time; it stays readable. :raise Refused:"""
    workflow.transition(opportunity, "close", actor=actor, note=reason, revision=revision)


def is_open(opportunity: Opportunity) -> bool:
    return opportunity.state in LIVE_STATES and opportunity.closes_at > utcnow()


def has_closed(opportunity: Opportunity) -> bool:
    """Published and past its closing time, or closed early: its responses can be read."""
    return opportunity.published_at is not None and not is_open(opportunity)


# --- lots ------------------------------------------------------------------------------------


def lot_problem(opportunity: Opportunity, value_ex_vat: Decimal) -> str | None:
    """Why a new lot of this value cannot be added, or None."""
    total = sum((lot.value_ex_vat for lot in opportunity.lots), Decimal(0)) + value_ex_vat
    if total > opportunity.value_ex_vat:
        return (
            f"The lots would be worth {money(total, short=True)}, more than the whole opportunity's "
            f"{money(opportunity.value_ex_vat, short=True)}: lower the lot's value or raise the opportunity's"
        )
    return None


def add_lot(
    opportunity: Opportunity, *, title: str, value_ex_vat: Decimal, cpv_division: str, actor: User
) -> Lot:
    number = max((lot.number for lot in opportunity.lots), default=0) + 1
    lot = Lot(number=number, title=title, value_ex_vat=value_ex_vat, cpv_division=cpv_division)
    opportunity.lots.append(lot)
    opportunity.updated_at = utcnow()
    record_change(
        opportunity,
        "opportunity.lot_added",
        actor,
        {"lot": number, "title": title, "value_ex_vat": str(value_ex_vat), "cpv_division": cpv_division},
    )
    return lot


def remove_lot(opportunity: Opportunity, lot: Lot, *, actor: User) -> None:
    opportunity.lots.remove(lot)
    opportunity.updated_at = utcnow()
    record_change(opportunity, "opportunity.lot_removed", actor, {"lot": lot.number, "title": lot.title})


# --- interest and alerts ---------------------------------------------------------------------


def register_interest(opportunity: Opportunity, *, user: User) -> Interest:
    """The user's organisation says it is interested: needs an open opportunity and a current
    Code of Ethics pledge; once an organisation."""
    organisation = user.organisation
    _check_may_register(opportunity, organisation)
    existing = db.session.scalar(
        sa.select(Interest).where(
            Interest.opportunity_id == opportunity.id, Interest.organisation_id == organisation.id
        )
    )
    if existing is not None:
        return existing
    interest = Interest(
        opportunity_id=opportunity.id, organisation_id=organisation.id, registered_by_id=user.id
    )
    db.session.add(interest)
    db.session.flush()
    record_change(opportunity, "opportunity.interest_registered", user, {"organisation_id": organisation.id})
    return interest


def _check_may_register(opportunity: Opportunity, organisation: Organisation) -> None:
    """:raise Refused: the opportunity has closed, or the organisation's pledge is not current."""
    if not is_open(opportunity):
        raise Refused("This opportunity has closed")
    try:
        require_current_pledge(organisation)
    except PledgeRequired as error:
        raise Refused(str(error)) from error


def alert_division_codes(organisation: Organisation) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(alert_divisions.c.cpv_division)
            .where(alert_divisions.c.organisation_id == organisation.id)
            .order_by(alert_divisions.c.cpv_division)
        )
    )


def set_alert_divisions(organisation: Organisation, divisions: list[str], *, user: User) -> None:
    """Replace the organisation's alert categories with `divisions` (checked CPV divisions)."""
    before = set(alert_division_codes(organisation))
    after = set(divisions)
    if before == after:
        return
    if before - after:
        db.session.execute(
            sa.delete(alert_divisions).where(
                alert_divisions.c.organisation_id == organisation.id,
                alert_divisions.c.cpv_division.in_(before - after),
            )
        )
    if after - before:
        db.session.execute(
            sa.insert(alert_divisions),
            [{"organisation_id": organisation.id, "cpv_division": code} for code in sorted(after - before)],
        )
    audit.record("opportunity.alerts_changed", organisation, actor=user, divisions=sorted(after))


def opt_out(user: User) -> bool:
    """Send the user no more opportunity alerts; False if they had already opted out."""
    if db.session.get(AlertOptOut, user.id) is not None:
        return False
    db.session.add(AlertOptOut(user_id=user.id))
    _record_own_choice(user, "opportunity.alerts_opted_out")
    return True


def opt_in(user: User) -> None:
    """Alerts again for a member who had opted out (from the alerts page)."""
    opted = db.session.get(AlertOptOut, user.id)
    if opted is not None:
        db.session.delete(opted)
        _record_own_choice(user, "opportunity.alerts_opted_in")


def _record_own_choice(user: User, action: str) -> None:
    """Audit a member's choice about their own alerts, under their account."""
    audit.record(action, user, actor=user)


def rulings(opportunity: Opportunity) -> dict[str, rules.Ruling]:
    """The rules as they applied when it was published (today for a draft): the threshold in
    force then is the one that counts."""
    day = london_today(opportunity.published_at) if opportunity.published_at else london_today()
    figures = figures_on(day)
    return {
        "social_value": rules.social_value_required(opportunity.value_ex_vat, opportunity.procedure, figures),
        "threshold": rules.above_threshold(opportunity.value_ex_vat, opportunity.vat_rate, figures),
        "default_weighting": figures["social_value.default_weighting"],
    }
