"""Officers draft, publish, change and close opportunities, add lots, and see who is interested
(pages in the officer workspace)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from portal.changes import committed
from portal.extensions import db
from portal.forms import ConfirmForm, RevisionForm, bind_filters
from portal.opportunities import officer_bp, rules, services
from portal.opportunities.forms import (
    CloseForm,
    DeclarationForm,
    LotForm,
    OfficerFilterForm,
    OpportunityForm,
    ScoreForm,
    award_form,
)
from portal.opportunities.models import (
    Award,
    Interest,
    Opportunity,
    OpportunityState,
    Procedure,
    ResponseRoute,
)
from portal.opportunities.services import responses
from portal.opportunities.views import opportunity_or_404, opportunity_summary
from portal.organisations.models import Organisation
from portal.organisations.services import status_words
from portal.pagination import Page, newest_first
from portal.time import LONDON


@officer_bp.get("/opportunities")
def opportunities():
    form, chosen = bind_filters(OfficerFilterForm)
    page = newest_first(_officer_list(chosen["state"]), Opportunity.id, plain=True)
    return render_template(
        "opportunities/officers/list.html",
        form=form,
        page=page,
    )


def _officer_list(state: str) -> sa.Select:
    """The officers' list as plain columns: every opportunity, or those in `state`."""
    query = sa.select(
        Opportunity.id,
        Opportunity.reference,
        Opportunity.title,
        Opportunity.state,
        Opportunity.closes_at,
        Opportunity.value_ex_vat,
    )
    if state:
        query = query.where(Opportunity.state == OpportunityState(state))
    return query


def _details(form: OpportunityForm) -> services.Details:
    return services.Details(
        reference=form.reference.data,
        title=form.title.data,
        summary=form.summary.data,
        cpv_division=form.cpv_division.data,
        value_ex_vat=form.value_ex_vat.amount,
        vat_rate=Decimal(form.vat_rate.data),
        procedure=Procedure(form.procedure.data),
        closes_at=form.closes_at(),
        notice_url=form.notice_url.data or None,
        suitable_sme="sme" in (form.suitable.data or []),
        suitable_vcse="vcse" in (form.suitable.data or []),
        response_route=ResponseRoute(form.response_route.data),
        weighting=form.percent,
        weighting_reason=form.weighting_reason.data or None,
    )


def _form_data(opportunity: Opportunity) -> dict:
    local = opportunity.closes_at.astimezone(LONDON)
    return {
        **{name: getattr(opportunity, name) for name in ("reference", "title", "summary", "cpv_division")},
        "value_ex_vat": opportunity.value_ex_vat,
        "vat_rate": rules.plain_number(opportunity.vat_rate),
        "procedure": opportunity.procedure.value,
        "closing_date": local.date(),
        "closing_time": f"{local:%H:%M}",
        "notice_url": opportunity.notice_url or "",
        "suitable": [name for name in ("sme", "vcse") if getattr(opportunity, f"suitable_{name}")],
        "response_route": opportunity.response_route.value,
        "weighting": rules.plain_number(opportunity.weighting),
        "weighting_reason": opportunity.weighting_reason or "",
    }


@officer_bp.route("/opportunities/new", methods=["GET", "POST"], defaults={"opportunity_id": None})
@officer_bp.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
def edit_opportunity(opportunity_id: int | None):
    opportunity = opportunity_or_404(opportunity_id) if opportunity_id else None
    if opportunity is not None and services.has_closed(opportunity):  # past its closing time too
        flash("A closed opportunity cannot be changed.")
        return redirect(url_for("opportunities_officers.opportunity", opportunity_id=opportunity.id))
    data = _form_data(opportunity) if opportunity and request.method == "GET" else None
    form = OpportunityForm(data=data)
    if form.validate_on_submit():
        details = _details(form)
        problems = services.problems(details, opportunity)
        for name, message in problems.items():
            form[name].errors.append(message)
        if not problems:
            return _save_opportunity(opportunity or Opportunity(), details)
    return render_template("opportunities/officers/form.html", form=form, opportunity=opportunity)


def _save_opportunity(opportunity: Opportunity, details: services.Details):
    saved = services.save(opportunity, details, actor=current_user._get_current_object())
    db.session.commit()
    flash(f"“{saved.title}” is saved.", "success")
    return redirect(url_for("opportunities_officers.opportunity", opportunity_id=saved.id))


@officer_bp.get("/opportunities/<int:opportunity_id>")
def opportunity(opportunity_id: int):
    shown = opportunity_or_404(opportunity_id)
    interests = _interests(shown)
    return render_template(
        "opportunities/officers/opportunity.html",
        **opportunity_summary(shown),
        interests=interests,
        statuses={interest.id: status_words(interest.organisation) for interest in interests.items},
        responses=responses.responses(shown, current_user._get_current_object()),
        has_closed=services.has_closed(shown),
        awards=_awards(shown),
        form=ConfirmForm(),
    )


def _interests(shown: Opportunity) -> Page:
    """A page of the organisations interested, newest first, with what the page shows of them."""
    return newest_first(
        sa.select(Interest)
        .where(Interest.opportunity_id == shown.id)
        .options(
            selectinload(Interest.organisation).selectinload(Organisation.decisions),
            selectinload(Interest.registered_by),
        ),
        Interest.id,
    )


def _awards(shown: Opportunity) -> list[Award]:
    """Who the opportunity is awarded to, once it is."""
    if not shown.awarded_at:
        return []
    return db.session.scalars(
        sa.select(Award).where(Award.opportunity_id == shown.id).options(selectinload(Award.organisation))
    ).all()


@officer_bp.post("/opportunities/<int:opportunity_id>/publish")
def publish_opportunity(opportunity_id: int):
    shown = opportunity_or_404(opportunity_id)
    form = RevisionForm()
    if form.validate_on_submit():
        committed(
            lambda: services.publish(
                shown, actor=current_user._get_current_object(), revision=form.revision.data
            ),
            f"“{shown.title}” is published: anyone can find it, and organisations alerted about "
            f"{shown.division.title} are being emailed.",
        )
    return redirect(url_for("opportunities_officers.opportunity", opportunity_id=shown.id))


@officer_bp.route("/opportunities/<int:opportunity_id>/close", methods=["GET", "POST"])
def close_opportunity(opportunity_id: int):
    shown = opportunity_or_404(opportunity_id)
    form = CloseForm(revision=shown.revision)
    if form.validate_on_submit():
        made = committed(
            lambda: services.close(
                shown,
                actor=current_user._get_current_object(),
                reason=form.reason.data,
                revision=form.revision.data,
            ),
            f"“{shown.title}” is closed. It stays readable.",
            fields={"note": form.reason},
        )
        if made or not form.errors:  # made, or refused for a reason the opportunity's page shows
            return redirect(url_for("opportunities_officers.opportunity", opportunity_id=shown.id))
    return render_template("opportunities/officers/close.html", form=form, opportunity=shown)


@officer_bp.route("/opportunities/<int:opportunity_id>/lots/new", methods=["GET", "POST"])
def new_lot(opportunity_id: int):
    shown = opportunity_or_404(opportunity_id)
    if services.has_closed(shown):
        abort(404)
    form = LotForm(data=None if request.method == "POST" else {"cpv_division": shown.cpv_division})
    if form.validate_on_submit():
        problem = services.lot_problem(shown, form.value_ex_vat.amount)
        if not problem:
            return _add_lot(shown, form)
        form.value_ex_vat.errors.append(problem)
    return render_template("opportunities/officers/lot.html", form=form, opportunity=shown)


def _add_lot(shown: Opportunity, form: LotForm):
    lot = services.add_lot(
        shown,
        title=form.title.data,
        value_ex_vat=form.value_ex_vat.amount,
        cpv_division=form.cpv_division.data,
        actor=current_user._get_current_object(),
    )
    db.session.commit()
    flash(f"Lot {lot.number}, “{lot.title}”, is added.", "success")
    return redirect(url_for("opportunities_officers.opportunity", opportunity_id=shown.id))


@officer_bp.post("/opportunities/<int:opportunity_id>/lots/<int:lot_id>/remove")
def remove_lot(opportunity_id: int, lot_id: int):
    shown = opportunity_or_404(opportunity_id)
    lot = next((lot for lot in shown.lots if lot.id == lot_id), None)
    if lot is None or services.has_closed(shown):
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.remove_lot(shown, lot, actor=current_user._get_current_object())
        db.session.commit()
        flash(f"Lot {lot.number}, “{lot.title}”, is removed.", "success")
    return redirect(url_for("opportunities_officers.opportunity", opportunity_id=shown.id))


def _respondent(opportunity: Opportunity, organisation_id: int) -> responses.Response:
    """A responding organisation's response, once the opportunity has closed. :raise 404:"""
    response = responses.response_of(opportunity, organisation_id, current_user._get_current_object())
    if response is None:
        abort(404)
    return response


@officer_bp.route(
    "/opportunities/<int:opportunity_id>/responses/<int:organisation_id>", methods=["GET", "POST"]
)
def evaluate_response(opportunity_id: int, organisation_id: int):
    """Declare no conflict of interest, then read and score the organisation's response."""
    shown = opportunity_or_404(opportunity_id)
    response = _respondent(shown, organisation_id)
    declaration = DeclarationForm(prefix="declare")
    form = _score_form(response)
    declaring = request.method == "POST" and "declare-submit" in request.form
    if declaring and declaration.validate_on_submit():
        return _declare_no_conflict(shown, response)
    if not declaring and form.validate_on_submit() and _score(shown, response, form):
        return redirect(url_for("opportunities_officers.opportunity", opportunity_id=shown.id))
    return render_template(
        "opportunities/officers/response.html",
        opportunity=shown,
        response=response,
        declaration=declaration,
        form=declaration if declaration.errors else form,
    )


def _score_form(response: responses.Response) -> ScoreForm:
    """The score form, first drawn with the response's score and comment where it has them."""
    data = {"score": response.score.score, "comment": response.score.comment} if response.score else None
    return ScoreForm(data=data if request.method == "GET" else None)


def _declare_no_conflict(shown: Opportunity, response: responses.Response):
    officer = current_user._get_current_object()
    responses.declare_no_conflict(shown, response.organisation, officer=officer)
    db.session.commit()
    flash(f"Your declaration is recorded: you can score {response.organisation.name}'s response.", "success")
    return redirect(request.path)


def _score(shown: Opportunity, response: responses.Response, form: ScoreForm) -> bool:
    """Score the response from the form; whether it was scored (a refusal is said)."""
    officer = current_user._get_current_object()
    return committed(
        lambda: responses.score(
            response, shown, officer=officer, value=form.score.data, comment=form.comment.data
        ),
        f"{response.organisation.name}'s response is scored.",
    )


@officer_bp.route("/opportunities/<int:opportunity_id>/award", methods=["GET", "POST"])
def award_opportunity(opportunity_id: int):
    shown = opportunity_or_404(opportunity_id)
    if not services.has_closed(shown) or shown.awarded_at is not None:
        flash("The opportunity can be awarded once, after its closing time.")
        return redirect(url_for("opportunities_officers.opportunity", opportunity_id=shown.id))
    parts = [(f"lot_{lot.id}", f"Lot {lot.number}: {lot.title}") for lot in shown.lots] or [
        ("whole", "The whole opportunity")
    ]
    choices = [SelectChoice(o.id, o.name) for o in responses.candidates(shown)]
    form = award_form(parts, choices, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit() and _record_award(shown, form, parts):
        return redirect(url_for("opportunities_officers.opportunity", opportunity_id=shown.id))
    return render_template(
        "opportunities/officers/award.html", opportunity=shown, form=form, parts=parts, candidates=choices
    )


def _record_award(shown: Opportunity, form: FlaskForm, parts: list[tuple[str, str]]) -> bool:
    """Award each part (a lot, or the whole) to the organisations chosen for it; whether it was."""
    winners = _winners(form, parts)
    return committed(
        lambda: responses.award(shown, winners, officer=current_user._get_current_object()),
        "The award is recorded; each responding organisation has been emailed its feedback.",
    )


def _winners(form: FlaskForm, parts: list[tuple[str, str]]) -> dict[int | None, set[int]]:
    """The organisations chosen for each part, by its lot's id (None: the whole opportunity)."""
    return {
        (int(name.removeprefix("lot_")) if name != "whole" else None): set(form[name].data)
        for name, _ in parts
    }
