"""The public opportunities: search and filters, each opportunity's page, and suppliers'
interest and alert categories."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from portal import rows
from portal.accounts.access import public
from portal.accounts.forms import ConfirmForm
from portal.accounts.models import User
from portal.accounts.tokens import ALERTS_UNSUBSCRIBE, InvalidLink, read_token
from portal.extensions import db
from portal.filters import filter_fields, read_filters
from portal.opportunities import bp, queries, responses, rules, services
from portal.opportunities.forms import AlertsForm, SearchForm
from portal.opportunities.models import PROCEDURE_NAMES, ROUTE_NAMES, AlertOptOut, Interest, Opportunity
from portal.organisations.rules import gbp
from portal.pagination import row_link
from portal.reference.cpv import division_reading
from portal.reference.figures import figures_on
from portal.social_value.views import member_organisation
from portal.time import london_today, utcnow


def _search_form_fields(form: SearchForm) -> Markup:
    return filter_fields(
        form,
        ("q", "category", "value", "procedure", "suitable", "status"),
        "opportunities.opportunities",
        {"q": {"type": "search"}},
    )


def committed(change: Callable[[], object], done: str, *, clash: str | None = None) -> bool:
    """Make a change and commit it, saying `done`; or, where the rules refuse it, roll it back
    and say why. With `clash`, a commit a unique constraint refuses (another officer made the
    same change at the same moment) is rolled back with that message. Whether it was made."""
    try:
        change()
    except services.Refused as error:
        db.session.rollback()
        flash(f"{error}.")
        return False
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        if clash is None:
            raise
        db.session.rollback()
        flash(clash)
        return False
    flash(done, "success")
    return True


@bp.get("/opportunities")
@public
def opportunities():
    filters = read_filters(SearchForm, _search_form_fields, division_reading())
    chosen = filters.chosen
    page = queries.listing(chosen, queries.dialect())
    return render_template(
        "opportunities/list.html",
        form=filters.form,
        fields=filters.fields,
        closed=chosen["status"] == "closed",
        page=page,
        searched=bool(chosen["q"]) and not queries.search_words(chosen["q"]),
        results=rows.opportunity_results(
            page.items,
            row_link("opportunities.opportunity", "opportunity_id"),
            PROCEDURE_NAMES,
            utcnow(),
            gbp,
        ),
    )


def shown_opportunity(opportunity_id: int) -> Opportunity:
    """A published or closed opportunity; drafts only to staff. :raise 404:"""
    opportunity = db.session.scalar(
        sa.select(Opportunity).where(Opportunity.id == opportunity_id).options(selectinload(Opportunity.lots))
    )
    if opportunity is None:
        abort(404)
    if opportunity.published_at is None and not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    return opportunity


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
        opportunity=shown,
        rulings=rulings(shown),
        including_vat=rules.value_including_vat(shown.value_ex_vat, shown.vat_rate),
        is_open=services.is_open(shown),
        takes_responses=responses.takes_responses(shown),
        interest=interest,
        form=ConfirmForm(),
        procedures=PROCEDURE_NAMES,
        routes=ROUTE_NAMES,
        gbp=gbp,
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


@bp.route("/opportunities/alerts", methods=["GET", "POST"])
def alerts():
    organisation = member_organisation()
    user = current_user._get_current_object()
    form = AlertsForm(data={"divisions": services.alert_division_codes(organisation)})
    opted_out = db.session.get(AlertOptOut, user.id) is not None
    if form.validate_on_submit():
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
    return render_template("opportunities/alerts.html", form=form, opted_out=opted_out)


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
