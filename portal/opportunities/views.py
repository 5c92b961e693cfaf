"""The public opportunities: search and filters, each opportunity's page, and suppliers'
interest and alert categories."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts.access import member_organisation, public
from portal.accounts.models import User
from portal.changes import committed
from portal.extensions import db
from portal.forms import ConfirmForm, bind_filters
from portal.opportunities import bp, queries, rules, services
from portal.opportunities.forms import AlertsForm, SearchForm
from portal.opportunities.models import AlertOptOut, Award, Interest, Opportunity
from portal.opportunities.services import responses
from portal.organisations.models import Organisation
from portal.pagination import own_list
from portal.time import utcnow
from portal.tokens import ALERTS_UNSUBSCRIBE, InvalidLink, read_token


@bp.get("/opportunities")
@public
def opportunities():
    form, chosen = bind_filters(SearchForm, keep_valid=True)
    page = queries.listing(chosen, queries.dialect())
    return render_template(
        "opportunities/list.html",
        form=form,
        closed=chosen["status"] == "closed",
        page=page,
        searched=bool(chosen["q"]) and not queries.search_words(chosen["q"]),
        now=utcnow(),
    )


def opportunity_or_404(opportunity_id: int) -> Opportunity:
    """The opportunity, in any state, with its lots. :raise 404:"""
    opportunity = db.session.scalar(
        sa.select(Opportunity).where(Opportunity.id == opportunity_id).options(selectinload(Opportunity.lots))
    )
    if opportunity is None:
        abort(404)
    return opportunity


def shown_opportunity(opportunity_id: int) -> Opportunity:
    """A published or closed opportunity; drafts only to staff. :raise 404:"""
    opportunity = opportunity_or_404(opportunity_id)
    if opportunity.published_at is None and not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    return opportunity


def opportunity_summary(opportunity: Opportunity) -> dict[str, object]:
    """What the public page and the officers' page of an opportunity both show of it: its
    details, with the rules as they applied and its value with VAT, and whether it is open."""
    return {
        "opportunity": opportunity,
        "rulings": services.rulings(opportunity),
        "including_vat": rules.value_including_vat(opportunity.value_ex_vat, opportunity.vat_rate),
        "is_open": services.is_open(opportunity),
    }


@bp.get("/opportunities/<int:opportunity_id>")
@public
def opportunity(opportunity_id: int):
    shown = shown_opportunity(opportunity_id)
    interest = None
    if current_user.is_authenticated and current_user.organisation_id is not None:
        interest = db.session.scalar(
            sa.select(Interest).where(
                Interest.opportunity_id == shown.id, Interest.organisation_id == current_user.organisation_id
            )
        )
    return render_template(
        "opportunities/opportunity.html",
        **opportunity_summary(shown),
        takes_responses=responses.takes_responses(shown),
        interest=interest,
        form=ConfirmForm(),
    )


@bp.post("/opportunities/<int:opportunity_id>/interest")
def register_interest(opportunity_id: int):
    shown = shown_opportunity(opportunity_id)
    member_organisation()
    if ConfirmForm().validate_on_submit():
        committed(
            lambda: services.register_interest(shown, user=current_user._get_current_object()),
            "Your organisation's interest is registered: the procurement unit can see it.",
        )
    return redirect(url_for("opportunities.opportunity", opportunity_id=shown.id))


@bp.get("/opportunities/interests")
def interests():
    """The opportunities the member's organisation registered interest in, newest first."""
    return own_list("opportunities/interests.html", queries.interests_of(), Interest.id, now=utcnow())


@bp.get("/opportunities/awards")
def awards():
    """The lots and opportunities awarded to the member's organisation, newest first."""
    return own_list("opportunities/awards.html", queries.awards_of(), Award.id)


@bp.route("/opportunities/alerts", methods=["GET", "POST"])
def alerts():
    organisation = member_organisation()
    user = current_user._get_current_object()
    form = AlertsForm(data={"divisions": services.alert_division_codes(organisation)})
    opted_out = db.session.get(AlertOptOut, user.id) is not None
    if form.validate_on_submit():
        return _save_alerts(form, organisation, user)
    return render_template("opportunities/alerts.html", form=form, opted_out=opted_out)


def _save_alerts(form: AlertsForm, organisation: Organisation, user: User):
    """Alerts about the categories chosen (of those offered), and again for a member who had opted out."""
    chosen = set(form.divisions.data or [])
    known = {choice.value for choice in form.divisions.choices}
    services.set_alert_divisions(organisation, sorted(chosen & known), user=user)
    services.opt_in(user)
    db.session.commit()
    flash(
        "Alert categories saved: members of your organisation will be emailed about new opportunities in them."
        if chosen
        else "Alerts are off: nobody in your organisation will be emailed about new opportunities.",
        "success",
    )
    return redirect(url_for("opportunities.alerts"))


@bp.route("/opportunities/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """An alert's unsubscribe link: it asks first (a GET never writes, and mail scanners follow
    links), then stops alerts to that one person."""
    try:
        user = db.session.get(User, read_token(ALERTS_UNSUBSCRIBE, token).get("user"))
    except InvalidLink:
        user = None
    if user is None:
        return render_template("opportunities/unsubscribe.html", user=None, form=None), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        services.opt_out(user)
        db.session.commit()
        return render_template("opportunities/unsubscribe.html", user=user, form=None, done=True)
    return render_template("opportunities/unsubscribe.html", user=user, form=form)
