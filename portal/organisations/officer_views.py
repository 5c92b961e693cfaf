"""The officers' pages about organisations: the list, one organisation with its answers and
classifications (verified or overridden with a note), and its evidence files."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import files
from portal.database import Plan
from portal.extensions import db
from portal.forms import bind_filters
from portal.organisations import officer_bp, queries, services
from portal.organisations.forms import DecisionForm, OrganisationFilterForm
from portal.organisations.models import Accreditation, Classification, Organisation
from portal.organisations.rules import LOCAL_STATUS_WORDS
from portal.organisations.steps import steps_for
from portal.pagination import newest_first

DECIDED = "Decision recorded: {label}. The organisation's members have been emailed."


@officer_bp.get("/organisations")
def organisations():
    form, chosen = bind_filters(OrganisationFilterForm)
    query, values = queries.organisations(chosen["q"] or "", chosen["status"] or "")
    page = newest_first(query, Organisation.id, params=values, plain=True, plan=Plan.searching(chosen["q"]))
    return render_template(
        "organisations/officers/organisations.html",
        form=form,
        page=page,
        local_status_words=LOCAL_STATUS_WORDS,
    )


@officer_bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisation(organisation_id: int):
    org = db.first_or_404(queries.organisation(organisation_id))
    form = DecisionForm()
    if form.validate_on_submit():
        return decide(org, form)
    return _organisation_page(org, form)


def _organisation_page(org: Organisation, form: DecisionForm) -> str:
    """The organisation's answers and classifications, with the decisions that still apply."""
    return render_template(
        "organisations/officers/organisation.html",
        org=org,
        form=form,
        steps=steps_for(org),
        classifications=services.classify(org),
        decisions=services.current_decisions(org),
        Classification=Classification,
    )


def decide(org: Organisation, form: DecisionForm):
    """Record the officer's decision on a classification, which emails the members."""
    decision = services.decide_classification(org, *_decision_answers(form), officer=current_user)
    db.session.commit()
    flash(DECIDED.format(label=services.LABELS[decision.classification]), "success")
    return redirect(url_for("organisations_officers.organisation", organisation_id=org.id))


def _decision_answers(form: DecisionForm) -> tuple[Classification, bool, str]:
    """The classification decided on, the decision (yes or no) and the note."""
    return Classification(form.classification.data), form.value.data == "yes", form.note.data


@officer_bp.get("/organisations/<int:organisation_id>/accreditations/<int:accreditation_id>/evidence")
def accreditation_evidence(organisation_id: int, accreditation_id: int):
    accreditation = db.session.get(Accreditation, accreditation_id)
    if (
        accreditation is None
        or accreditation.organisation_id != organisation_id
        or not accreditation.evidence_name
    ):
        abort(404)
    return files.send(accreditation)
