"""Officers' pages for social value: the review queue, an offer's moves, delivery reports to verify,
totals, and (admins) the matrix's outcomes, indicators and measures."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import audit
from portal.accounts.access import admin_required
from portal.changes import committed
from portal.extensions import db
from portal.forms import ConfirmForm, bind_filters
from portal.social_value import matrix, officer_bp, queries, services
from portal.social_value.forms import MatrixTextForm, MeasureForm, QueueFilterForm
from portal.social_value.models import (
    DeliveryReport,
    Indicator,
    Measure,
    Offer,
    Outcome,
    Theme,
)
from portal.social_value.views import apply_move, offer_page
from portal.time import utcnow


@officer_bp.get("/offers")
def offers_queue():
    form, chosen = bind_filters(QueueFilterForm, keep_valid=True)
    page = queries.queue(
        state=chosen["state"],
        theme=chosen["theme"],
        outcome=int(chosen["outcome"]) if chosen["outcome"] else None,
        organisation=chosen["organisation"],
        after=request.args.get("after", "")[:60],
    )
    return render_template(
        "social_value/officers/queue.html",
        form=form,
        page=page,
    )


@officer_bp.get("/offers/<int:offer_id>")
def offer(offer_id: int):
    return offer_page("social_value/officers/offer.html", _offer(offer_id), "officer")


def _offer(offer_id: int) -> Offer:
    shown = db.session.scalar(queries.offer(offer_id))
    if shown is None or services.hidden_from_officers(shown):
        abort(404)  # a draft is the supplier's own until submitted; a response sealed until closing
    return shown


@officer_bp.post("/offers/<int:offer_id>/<any(pick_up, ask, accept, decline):move>")
def move_offer(offer_id: int, move: str):
    shown = _offer(offer_id)
    refused = apply_move(shown, move, done=_DONE[move])
    if refused is not None:
        return offer_page("social_value/officers/offer.html", shown, "officer", refused)
    return redirect(url_for("social_value_officers.offer", offer_id=offer_id))


_DONE = {
    "pick_up": "Done: the offer is under review.",
    "ask": "Done: your question has been sent to the supplier.",
    "accept": "Done: the offer is accepted.",
    "decline": "Done: the offer is declined.",
}


@officer_bp.get("/social-value/reports")
def delivery_reports():
    """Reports waiting for an officer to verify them, oldest first."""
    reports = db.session.scalars(queries.reports_to_verify()).all()
    return render_template("social_value/officers/reports.html", reports=reports, form=ConfirmForm())


@officer_bp.post("/social-value/reports/<int:report_id>/verify")
def verify_report(report_id: int):
    report = db.get_or_404(DeliveryReport, report_id)
    if ConfirmForm().validate_on_submit():
        committed(
            lambda: services.verify_report(report, officer=current_user._get_current_object()),
            "The report is verified: it counts towards the commitment.",
        )
    return redirect(
        request.referrer if _is_ours(request.referrer) else url_for("social_value_officers.delivery_reports")
    )


def _is_ours(referrer: str | None) -> bool:
    return bool(referrer) and referrer.startswith(url_for("officers.home", _external=True))


@officer_bp.get("/social-value/totals")
def social_value_totals():
    return render_template("social_value/totals.html", rows=queries.totals(), organisation=None)


@officer_bp.get("/social-value/matrix")
@admin_required
def edit_matrix():
    themes = db.session.scalars(sa.select(Theme).order_by(Theme.position)).all()
    measures = db.session.scalars(sa.select(Measure).order_by(Measure.name)).all()
    return render_template(
        "social_value/officers/matrix.html", themes=themes, measures=measures, form=ConfirmForm()
    )


@officer_bp.post("/social-value/<any(outcome, indicator):kind>/<int:item_id>/<any(retire, restore):action>")
@admin_required
def retire_matrix_item(kind: str, item_id: int, action: str):
    """Retire an outcome or indicator (offers that used it keep it), or bring it back."""
    item = db.get_or_404(Outcome if kind == "outcome" else Indicator, item_id)
    if ConfirmForm().validate_on_submit():
        item.retired_at = utcnow() if action == "retire" else None
        audit.record(f"matrix.{kind}_{action}d", item, actor=current_user)
        db.session.commit()
        flash(
            f"The {kind} is {'retired: new offers cannot choose it' if action == 'retire' else 'in use again'}.",
            "success",
        )
    return redirect(url_for("social_value_officers.edit_matrix"))


@officer_bp.route("/social-value/measures/<int:measure_id>", methods=["GET", "POST"])
@admin_required
def edit_measure(measure_id: int):
    measure = db.get_or_404(Measure, measure_id)
    form = MeasureForm(data=_measure_data(measure) if request.method == "GET" else None)
    if form.validate_on_submit():
        return _save_measure(measure, form)
    return render_template("social_value/officers/measure.html", form=form, measure=measure)


def _measure_data(measure: Measure) -> dict[str, object]:
    return {
        "name": measure.name,
        "proxy_gbp": measure.proxy_gbp,
        "proxy_source": measure.proxy_source,
        "proxy_dated": measure.proxy_dated,
        "retired": measure.retired_at is not None,
    }


def _save_measure(measure: Measure, form: MeasureForm):
    """Save the measure; a proxy value's source and date are kept only with a value."""
    services.change_measure(
        measure,
        admin=current_user._get_current_object(),
        name=form.name.data,
        proxy_gbp=form.proxy_gbp.amount,
        proxy_source=form.proxy_source.data or None if form.proxy_gbp.amount is not None else None,
        proxy_dated=form.proxy_dated.data if form.proxy_gbp.amount is not None else None,
        retired=form.retired.data,
    )
    db.session.commit()
    flash(f"{measure.name} is saved.", "success")
    return redirect(url_for("social_value_officers.edit_matrix"))


@officer_bp.route("/social-value/<any(outcome, indicator):kind>/<int:item_id>", methods=["GET", "POST"])
@admin_required
def edit_matrix_item(kind: str, item_id: int):
    item = db.get_or_404(Outcome if kind == "outcome" else Indicator, item_id)
    form = MatrixTextForm(data={"text": item.text} if request.method == "GET" else None)
    if form.validate_on_submit():
        return _save_matrix_text(item, kind, form)
    return render_template("social_value/officers/matrix_item.html", form=form, item=item, kind=kind)


def _save_matrix_text(item: Outcome | Indicator, kind: str, form: MatrixTextForm):
    services.change_matrix_text(item, form.text.data, admin=current_user._get_current_object())
    db.session.commit()
    matrix.forget_matrix_names()
    flash(f"The {kind}'s wording is saved.", "success")
    return redirect(url_for("social_value_officers.edit_matrix"))
