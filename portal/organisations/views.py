"""The supplier's profile in steps: the list of steps, each form step's page, the council area
question where a postcode cannot tell, and "check your answers", which registers the
organisation. The steps that keep lists of records (other sites, accreditations) have their pages
in collection_views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice

from portal.extensions import db
from portal.organisations import bp, queries, services
from portal.organisations.forms import AuthorityForm, ConfirmRegistrationForm, VcseForm
from portal.organisations.loading import COLLECTIONS, organisation, page_organisation
from portal.organisations.models import ACCREDITATION_NAMES, OUTSIDE_FORCE_AREA, Organisation
from portal.organisations.rules import VCSE_FORMS, LegalForm
from portal.organisations.steps import (
    BY_SLUG,
    STEPS,
    YES_NO_COLUMNS,
    Profile,
    Step,
    all_done,
    answers,
    next_step,
    steps_for,
)
from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES, PostcodeAnswer, lookup_postcode
from portal.reference.cpv import division_choices
from portal.reference.figures import figures_on
from portal.reference.models import CpvDivision
from portal.time import utcnow

FIELD_PARAMS = {
    "legal_name": {"autocomplete": "organization"},
    "website": {"type": "url", "spellcheck": False, "autocomplete": "url"},
    "companies_house_number": {"classes": "govuk-input--width-10", "spellcheck": False},
    "charity_number": {"classes": "govuk-input--width-10", "spellcheck": False},
    "address_line_1": {"autocomplete": "address-line1"},
    "address_line_2": {"autocomplete": "address-line2"},
    "town": {"autocomplete": "address-level2", "classes": "govuk-!-width-two-thirds"},
    "postcode": {"autocomplete": "postal-code", "classes": "govuk-input--width-10"},
    "staff_headcount": {"classes": "govuk-input--width-10", "inputmode": "numeric"},
    "turnover": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}, "inputmode": "decimal"},
    "balance_sheet_total": {
        "classes": "govuk-input--width-10",
        "prefix": {"text": "£"},
        "inputmode": "decimal",
    },
}

# The last answer to "which council area are the premises in?".
NONE_OF_THESE = "None of these: the premises are outside the force area"

TAKEN = (
    "This {what} is already registered to another organisation on the portal. Ask a colleague there "
    "to invite you to it from their organisation's colleagues page"
)


def after_step_url(org: Profile, step: Step) -> str:
    """On to the next step, or back to "check your answers" when the supplier came from there."""
    steps = steps_for(org)  # once: which steps apply turns on the classification rules
    following = next_step(org, step, steps)
    if following is None or (request.args.get("from") == "check" and all_done(org, steps)):
        return url_for("organisations.check_answers" if all_done(org, steps) else "organisations.profile")
    return url_for("organisations.step", slug=following.slug)


def after_step(org: Profile, step: Step):
    return redirect(after_step_url(org, step))


@bp.get("/profile")
def profile():
    return render_template("organisations/profile.html", progress=queries.profile_progress())


@bp.route("/profile/<slug>", methods=["GET", "POST"])
def step(slug: str):
    step = BY_SLUG.get(slug)
    if step is None:
        abort(404)
    if step.form is None:  # a step with pages of its own
        return redirect(url_for(f"organisations.{step.slug.replace('-', '_')}"))
    return form_step(step)


def form_step(step: Step):
    """A step asked on one form: the form with the answers so far, saved when they are sound."""
    org = page_organisation(*(column for column in step.columns if column in COLLECTIONS))
    if not step.applies(org):
        return redirect(url_for("organisations.profile"))
    form = step_form(step, org)
    if form.validate_on_submit() and (changes := changes_from(form, step, org)) is not None:
        return save_step(org, step, changes)
    return step_page(form, step, org)


def step_form(step: Step, org: Profile) -> FlaskForm:
    """The step's form, holding the organisation's answers on a GET and what was posted otherwise."""
    form = step.form(data=None if request.method == "POST" else answers(org, step))
    prepare(form, org)
    return form


def step_page(form, step: Step, org: Profile) -> str:
    return render_template(
        "organisations/step.html",
        form=form,
        step=step,
        org=org,
        field_params=FIELD_PARAMS,
        # The rules' figures, for the steps that quote them (never written into the templates).
        figures=figures_on() if step.slug in {"size", "modern-slavery"} else None,
    )


def save_step(org: Organisation, step: Step, changes: dict[str, Any]):
    """Save the step's answers; ask for the council area where the new postcode cannot tell."""
    services.update_profile(org, changes, actor=current_user)
    db.session.commit()
    if step.slug == "address" and lookup_postcode(org.postcode).status == "ask":
        return redirect(url_for("organisations.council", **request.args))
    return after_step(org, step)


def prepare(form, org: Profile) -> None:
    """Fill choices from reference data; leave out a question another answer makes irrelevant."""
    if "divisions" in form:
        form.divisions.choices = division_choices()
    if isinstance(form, VcseForm) and org.legal_form in VCSE_FORMS:
        del form.vcse_declared  # its legal form already makes it a VCSE


def changes_from(form, step: Step, org: Organisation) -> dict[str, Any] | None:
    """The form's answers as column values; None (with the form's errors set) if refused."""
    changes = _form_answers(form, step)
    if "legal_form" in changes:
        changes["legal_form"] = LegalForm(changes["legal_form"])
        if _number_taken(form, changes, org):
            return None
    if "postcode" in changes and changes["postcode"] != org.postcode:
        changes["declared_authority"] = None  # the council area was the old postcode's
    if "divisions" in changes:
        changes["divisions"] = _chosen_divisions(changes["divisions"])
    _yes_no(changes)
    _declaration(changes)
    return changes


def _form_answers(form, step: Step) -> dict[str, Any]:
    """The step's columns the form asks, as typed."""
    return {column: _as_typed(form[column]) for column in step.columns if column in form}


def _as_typed(field: Field) -> Any:
    """A field's answer as typed: money as its amount, blank text as None."""
    value = getattr(field, "amount", field.data)
    return (value or None) if isinstance(value, str) else value


def _chosen_divisions(chosen: list[str] | None) -> Sequence[CpvDivision]:
    """The CPV divisions ticked, as the reference table's rows."""
    query = sa.select(CpvDivision).where(CpvDivision.division.in_(set(chosen or [])))
    return db.session.scalars(query).all()


def _number_taken(form, changes: dict[str, Any], org: Organisation) -> bool:
    """Is a registration number given already another organisation's? Says so on its field."""
    for column, what in (
        ("companies_house_number", "Companies House number"),
        ("charity_number", "charity number"),
    ):
        if services.number_taken(getattr(Organisation, column), changes[column], org):
            form[column].errors.append(TAKEN.format(what=what))
            return True
    return False


def _yes_no(changes: dict[str, Any]) -> None:
    """Yes/no answers as booleans."""
    for column in YES_NO_COLUMNS:
        if column in changes:
            changes[column] = changes[column] == "yes"


def _declaration(changes: dict[str, Any]) -> None:
    """The tax declaration as when and by whom it was made."""
    if "declared" in changes:
        del changes["declared"]
        changes["tax_compliance_declared_at"] = utcnow()
        changes["tax_compliance_declared_by_id"] = current_user.id


@bp.route("/profile/address/council", methods=["GET", "POST"])
def council():
    """The registered address's postcode cannot place the premises: ask which authority."""
    org = organisation()
    return ask_council(
        org,
        org.postcode,
        lambda code: {"declared_authority": code},
        BY_SLUG["address"],
        "The registered address",
    )


def ask_council(org: Organisation, postcode: str | None, change, step: Step, what: str):
    if not postcode:
        return redirect(url_for("organisations.profile"))
    answer = lookup_postcode(postcode)
    form = _authority_form(answer)
    if form.validate_on_submit():
        services.update_profile(org, change(_council_area(form)), actor=current_user)
        db.session.commit()
        return after_step(org, step)
    return render_template("organisations/council.html", form=form, answer=answer, what=what, step=step)


def _authority_form(answer: PostcodeAnswer) -> AuthorityForm:
    """The question, offering the councils the postcode may be in (all where it names none)."""
    form = AuthorityForm()
    codes = [code for code, _name in answer.authorities] or list(FORCE_AREA_AUTHORITIES)
    form.authority.choices = [SelectChoice(code, FORCE_AREA_AUTHORITIES[code]) for code in codes]
    form.authority.choices.append(SelectChoice(OUTSIDE_FORCE_AREA, NONE_OF_THESE))
    return form


def _council_area(form: AuthorityForm) -> str:
    """The council chosen, or OUTSIDE_FORCE_AREA for "none of these"."""
    return form.authority.data if form.authority.data in FORCE_AREA_AUTHORITIES else OUTSIDE_FORCE_AREA


@bp.route("/profile/check", methods=["GET", "POST"])
def check_answers():
    org = page_organisation("sites", "divisions", "accreditations")
    steps = steps_for(org)
    if not all_done(org, steps):
        flash("Answer every section before you check your answers.")
        return redirect(url_for("organisations.profile"))
    form = ConfirmRegistrationForm()
    if form.validate_on_submit():
        return _register(org)
    return check_answers_page(org, form, steps)


def _register(org: Organisation):
    """Register the organisation (once: a second click finds it registered) and say so."""
    if not org.is_registered:
        services.register(org, actor=current_user)
        db.session.commit()
    flash("Your organisation is registered. The procurement team has been told.", "success")
    return redirect(url_for("home.account"))


def check_answers_page(org: Profile, form: ConfirmRegistrationForm, steps: list[Step]) -> str:
    return render_template(
        "organisations/check_answers.html",
        org=org,
        form=form,
        steps=steps,
        change_links=_change_links(steps),
        classifications=services.classify(org),
        STEPS=STEPS,
    )


def _change_links(steps: list[Step]) -> dict[str, str]:
    """Each section's "Change" link, to its step and back to "check your answers"."""
    # One URL built, the others from it (a slug is letters and hyphens): a url_for a section cost
    # more than the section's rows.
    pattern = url_for("organisations.step", slug="SLUG", **{"from": "check"})
    return {step.slug: pattern.replace("SLUG", step.slug, 1) for step in steps}


@bp.app_context_processor
def organisation_names() -> dict:
    return {"accreditation_names": ACCREDITATION_NAMES}


@bp.app_template_global()
def section_rows(org: Profile, step: Step):
    from portal.organisations.steps import section_rows as rows

    return rows(org, step)
