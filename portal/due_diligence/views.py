"""The supplier's pages (members only, staff refused): the
questionnaire and the rating it gave, with the reasons."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.due_diligence import bp, services
from portal.due_diligence.forms import DueDiligenceForm, answer_rows
from portal.due_diligence.models import DueDiligenceAnswers
from portal.extensions import db
from portal.organisations.models import Organisation


@bp.route("/due-diligence", methods=["GET", "POST"])
def due_diligence():
    org = current_user.organisation
    if not org.is_registered:
        return _profile_first(org)
    saved = services.answers_of(org)
    form = DueDiligenceForm(
        data=DueDiligenceForm.data_from(saved) if saved and request.method == "GET" else None
    )
    facts = services.profile_facts(org)
    if form.validate_on_submit():
        services.save_answers(org, form.answers(), facts, actor=current_user)
        db.session.commit()
        return redirect(url_for("due_diligence.due_diligence_result"))
    return render_template(
        "due_diligence/questionnaire.html", org=org, form=form, facts=facts, rules=services.rules_in_force()
    )


def _profile_first(org: Organisation):
    """The questions wait for a finished profile: the page says so, and a post is turned back."""
    if request.method == "POST":
        flash("Finish your organisation's profile before you answer the due diligence questions.")
        return redirect(url_for("due_diligence.due_diligence"))
    return render_template("due_diligence/questionnaire.html", org=org, form=None)


@bp.get("/due-diligence/result")
def due_diligence_result():
    org = current_user.organisation
    saved = services.answers_of(org)
    if saved is None:
        return redirect(url_for("due_diligence.due_diligence"))
    facts = services.profile_facts(org)
    return render_template(
        "due_diligence/result.html",
        org=org,
        **answers_shown(saved),
        facts=facts,
        profile_changed=facts.differ_from(saved),
    )


def answers_shown(answers: DueDiligenceAnswers) -> dict[str, object]:
    """What the result page and the officers' page show of a set of answers: each answer, the
    rules in force and the rating they give, with its reasons."""
    rules = services.rules_in_force()
    return {
        "answers": answers,
        "answer_rows": answer_rows(answers),
        "rules": rules,
        "assessment": services.explain(answers, rules),
    }
