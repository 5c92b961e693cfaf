"""The officers' quotation exercise pages (the rules and writes are in
portal.opportunities.quotation_services): an opportunity's exercise with its invitees and the
suggested local suppliers, inviting one not on the portal, completing it, and the share of
exercises that invited a local supplier."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SubmitField
from wtforms.validators import InputRequired, Regexp

from portal.changes import committed
from portal.extensions import db
from portal.fields import email_field, text_area, text_field
from portal.forms import ConfirmForm, FilterForm, RevisionForm, SubmitInput, bind_filters
from portal.opportunities.models import Opportunity, Procedure
from portal.organisations.models import Organisation
from portal.organisations.services import status_words
from portal.pagination import newest_first
from portal.quotations import officer_bp
from portal.quotations.models import QuotationExercise, QuotationInvitee, QuotationState
from portal.quotations.rules import invitees_local, needs_reason, quotes_invited
from portal.quotations.services import (
    MOST_INVITEES,
    OffsetPage,
    complete,
    exercise_of,
    exercise_rows,
    invite_named,
    invite_organisation,
    local_share,
    named_problem,
    remove_invitee,
    search,
    start,
    suggestions,
)

NOT_ON_PORTAL = "Not on the portal: local, SME and VCSE status not known"

# --- forms -----------------------------------------------------------------------------------


class SupplierSearchForm(FilterForm):
    q = text_field("Name of a registered supplier", length=200)
    submit = SubmitField("Search", widget=SubmitInput())


class InviteForm(FlaskForm):
    # Text, not an integer field: a number past the database's integer would fail in the query.
    organisation_id = HiddenField(validators=[InputRequired(), Regexp(r"^[1-9]\d{0,8}\Z")])


class NamedSupplierForm(FlaskForm):
    name = text_field("Supplier's name", required="Enter the supplier's name")
    email = email_field("Email address (optional)", required=None)
    submit = SubmitField("Invite this supplier", widget=SubmitInput())


class CompleteForm(RevisionForm):
    reason = text_area("Why was inviting a Cheshire supplier not feasible?", length=2000)
    submit = SubmitField("Save as complete", widget=SubmitInput())


# --- officer pages ---------------------------------------------------------------------------


def _quotation(opportunity_id: int) -> Opportunity:
    """:raise 404: no such opportunity, or its procedure is not quotation."""
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.procedure is not Procedure.QUOTATION:
        abort(404)
    return opportunity


def _page_number() -> int:
    value = request.args.get("page", "")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 5 and int(value) else 1


def _back(opportunity: Opportunity, **args: str | int) -> Response:
    return redirect(url_for("quotations_officers.quotation_exercise", opportunity_id=opportunity.id, **args))


def _statuses(organisations: list[Organisation]) -> dict[int, str]:
    return {org.id: "; ".join(status_words(org).values()) for org in organisations}


def _invitees(exercise: QuotationExercise | None) -> dict:
    """What a page shows of the invitees: each with whether it counts as local, their local, SME
    and VCSE status, and whether the policy's warning applies."""
    invitees = exercise.invitees if exercise else []
    local = invitees_local(invitees)
    quotes = quotes_invited()
    return {
        "invitees": list(zip(invitees, local, strict=True)),
        "statuses": _statuses([invitee.organisation for invitee in invitees if invitee.organisation]),
        "warning": needs_reason(local, quotes),
        "quotes": quotes,
        "not_on_portal": NOT_ON_PORTAL,
    }


@officer_bp.get("/opportunities/quotations")
def quotation_exercises():
    return render_template(
        "quotations/list.html",
        share=local_share(),
        page=newest_first(exercise_rows(), QuotationExercise.id, plain=True),
    )


@officer_bp.get("/opportunities/<int:opportunity_id>/quotation")
def quotation_exercise(opportunity_id: int):
    opportunity = _quotation(opportunity_id)
    exercise = exercise_of(opportunity.id)
    form, chosen = bind_filters(SupplierSearchForm)
    found = _found(chosen["q"], opportunity, exercise)
    return render_template(
        "quotations/exercise.html",
        opportunity=opportunity,
        exercise=exercise,
        form=form,
        q=chosen["q"],
        found=found,
        found_statuses=_statuses(found.items),
        invited={invitee.organisation_id for invitee in exercise.invitees} if exercise else set(),
        most=MOST_INVITEES,
        **_invitees(exercise),
    )


def _found(q: str, opportunity: Opportunity, exercise: QuotationExercise | None) -> OffsetPage:
    """A page of the registered organisations named like `q`, or else of the local suppliers suggested."""
    number = _page_number()
    return search(q, number) if q else suggestions(opportunity, exercise, number)


# Said when the unique constraints refuse a second exercise or a second invitation.
CLASH = "Another officer changed this quotation exercise at the same time: check it and try again."


@officer_bp.post("/opportunities/<int:opportunity_id>/quotation/invite")
def invite_supplier(opportunity_id: int):
    opportunity = _quotation(opportunity_id)
    back = {name: request.args[name][:200] for name in ("q", "page") if request.args.get(name)}
    form = InviteForm()
    if not form.validate_on_submit():
        flash("Choose a supplier to invite.")
        return _back(opportunity, **back)
    organisation = db.session.get(Organisation, int(form.organisation_id.data))
    if organisation is None:
        abort(404)
    _invite(opportunity, organisation)
    return _back(opportunity, **back)


def _invite(opportunity: Opportunity, organisation: Organisation) -> None:
    """Invite a supplier on the portal, starting the exercise with its first invitation."""
    actor = current_user._get_current_object()

    def invite() -> None:
        invite_organisation(
            exercise_of(opportunity.id) or start(opportunity, actor=actor), organisation, actor=actor
        )

    committed(invite, f"{organisation.name} is invited to quote.", clash=CLASH)


@officer_bp.route("/opportunities/<int:opportunity_id>/quotation/named", methods=["GET", "POST"])
def invite_named_supplier(opportunity_id: int):
    opportunity = _quotation(opportunity_id)
    exercise = exercise_of(opportunity.id)
    form = NamedSupplierForm()
    if form.validate_on_submit():
        problem = named_problem(exercise, form.name.data)
        if not problem:
            _invite_named(opportunity, exercise, form)
            return _back(opportunity)
        form.name.errors.append(problem)
    return render_template("quotations/named.html", form=form, opportunity=opportunity)


def _invite_named(
    opportunity: Opportunity, exercise: QuotationExercise | None, form: NamedSupplierForm
) -> None:
    """Invite a supplier not on the portal, by name and address, starting the exercise if need be."""
    actor = current_user._get_current_object()
    committed(
        lambda: invite_named(
            exercise or start(opportunity, actor=actor), form.name.data, form.email.data, actor=actor
        ),
        f"{form.name.data} is invited to quote.",
        clash=CLASH,
    )


@officer_bp.post("/opportunities/<int:opportunity_id>/quotation/invitees/<int:invitee_id>/remove")
def remove_quotation_invitee(opportunity_id: int, invitee_id: int):
    opportunity = _quotation(opportunity_id)
    exercise = exercise_of(opportunity.id)
    invitee = _invitee(exercise, invitee_id)
    if ConfirmForm().validate_on_submit():
        _remove(exercise, invitee)
    return _back(opportunity)


def _invitee(exercise: QuotationExercise | None, invitee_id: int) -> QuotationInvitee:
    """One of the exercise's invitees. :raise 404:"""
    invitee = next((i for i in exercise.invitees if i.id == invitee_id), None) if exercise else None
    if invitee is None:
        abort(404)
    return invitee


def _remove(exercise: QuotationExercise, invitee: QuotationInvitee) -> None:
    """Take the invitee off the exercise, saying so."""
    committed(
        lambda: remove_invitee(exercise, invitee, actor=current_user._get_current_object()),
        f"{invitee.display_name} is no longer invited.",
        clash=CLASH,
    )


@officer_bp.route("/opportunities/<int:opportunity_id>/quotation/complete", methods=["GET", "POST"])
def complete_quotation_exercise(opportunity_id: int):
    opportunity = _quotation(opportunity_id)
    exercise = exercise_of(opportunity.id)
    if exercise is None or exercise.state is not QuotationState.IN_PROGRESS:
        return _back(opportunity)
    form = CompleteForm(revision=exercise.revision)
    if form.validate_on_submit():
        made = _complete(exercise, form)
        if made or not form.errors:  # made, or refused for a reason the exercise's page shows
            return _back(opportunity)
    return render_template(
        "quotations/complete.html",
        form=form,
        opportunity=opportunity,
        exercise=exercise,
        **_invitees(exercise),
    )


def _complete(exercise: QuotationExercise, form: CompleteForm) -> bool:
    """Complete the exercise, with the reason given; whether it was."""
    return committed(
        lambda: complete(
            exercise, form.reason.data, actor=current_user._get_current_object(), revision=form.revision.data
        ),
        "The quotation exercise is complete.",
        clash=CLASH,
        fields={"note": form.reason},
    )
