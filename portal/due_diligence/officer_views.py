"""The officers' pages, on the officers blueprint (staff only): organisations by rating, highest
first, and one organisation's answers with its follow-ups."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.due_diligence import officer_bp, queries, services
from portal.due_diligence.forms import FollowUpForm, RatingFilterForm
from portal.due_diligence.models import DueDiligenceAnswers
from portal.due_diligence.views import answers_shown
from portal.extensions import db
from portal.forms import bind_filters

FOLLOW_UPS_SHOWN = 50


@officer_bp.get("/due-diligence")
def due_diligence():
    form, chosen = bind_filters(RatingFilterForm)
    page = queries.highest_first(
        queries.rated(chosen["rating"] or ""), request.args.get("before"), request.args.get("after")
    )
    return render_template("due_diligence/officer_list.html", form=form, page=page)


@officer_bp.route("/due-diligence/<int:organisation_id>", methods=["GET", "POST"])
def due_diligence_organisation(organisation_id: int):
    answers = db.first_or_404(queries.organisation_answers(organisation_id))
    form = FollowUpForm()
    if form.validate_on_submit():
        return _record_follow_up(answers, form)
    org = answers.organisation
    follow_ups = db.session.scalars(queries.follow_ups(organisation_id).limit(FOLLOW_UPS_SHOWN + 1)).all()
    return render_template(
        "due_diligence/officer_organisation.html",
        org=org,
        **answers_shown(answers),
        facts=services.profile_facts(org),
        follow_ups=follow_ups[:FOLLOW_UPS_SHOWN],
        more_follow_ups=len(follow_ups) > FOLLOW_UPS_SHOWN,
        form=form,
    )


def _record_follow_up(answers: DueDiligenceAnswers, form: FollowUpForm):
    services.record_follow_up(answers, form.note.data, officer=current_user)
    db.session.commit()
    flash("Follow-up recorded.", "success")
    return redirect(
        url_for("due_diligence_officers.due_diligence_organisation", organisation_id=answers.organisation_id)
    )
