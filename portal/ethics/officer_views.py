"""The officer workspace's pages for the Code: pledges by organisation and version, a pledge's
full record, and (admins) publishing a new version."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from portal.accounts.access import admin_required
from portal.database import any_like, contains_pattern
from portal.ethics import officer_bp, services
from portal.ethics.content import ContentError, digest, parse
from portal.ethics.forms import PledgeFilterForm, PublishForm
from portal.ethics.models import CodeVersion, Pledge
from portal.ethics.pledges import (
    PLEDGE_STATE_LABELS,
    PledgeState,
    newest_pledge,
    pledge_by_reference,
    state_of,
)
from portal.ethics.versions import all_versions, versions_by_day
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.pagination import Page, newest_first
from portal.time import london_today


def organisations_by_pledge(
    q: str, state: str, version: CodeVersion | None, in_force: CodeVersion | None
) -> sa.Select:
    """Organisations filtered by their pledge; each condition is an indexed EXISTS on pledges."""
    query = sa.select(Organisation)
    if q:
        query = query.where(any_like(contains_pattern(q), Organisation.name))

    def pledged(*conditions) -> sa.Exists:
        return sa.exists().where(Pledge.organisation_id == Organisation.id, *conditions)

    current = pledged(Pledge.version_id >= in_force.id) if in_force else pledged()
    if state == PledgeState.NONE:
        query = query.where(~pledged())
    elif state == PledgeState.CURRENT:
        query = query.where(current)
    elif state == PledgeState.OUT_OF_DATE:
        query = query.where(pledged(), ~current)
    if version is not None:
        query = query.where(pledged(Pledge.version_id == version.id))
    return query


def newest_pledges(organisation_ids: list[int]) -> dict[int, Pledge]:
    """Each listed organisation's newest pledge, in one query."""
    if not organisation_ids:
        return {}
    newest = (
        sa.select(sa.func.max(Pledge.id))
        .where(Pledge.organisation_id.in_(organisation_ids))
        .group_by(Pledge.organisation_id)
    )
    pledges = db.session.scalars(
        sa.select(Pledge).where(Pledge.id.in_(newest)).options(joinedload(Pledge.version))
    )
    return {pledge.organisation_id: pledge for pledge in pledges}


@officer_bp.get("/pledges")
def pledges():
    in_force, _ = versions_by_day()
    published = all_versions()
    form = _pledge_filter_form(published)
    valid = form.validate() if request.args else True
    if valid and form.reference.data:
        found = _pledge_with_reference(form)
        if found is not None:
            return redirect(url_for("ethics_officers.pledge", reference=found.reference))
        valid = False
    q, state, version = _chosen_filters(form, published) if valid else ("", "", None)
    page = newest_first(organisations_by_pledge(q, state, version, in_force), Organisation.id)
    return _pledges_page(form, page, in_force)


def _pledge_filter_form(published: list[CodeVersion]) -> PledgeFilterForm:
    form = PledgeFilterForm(request.args)
    form.version.choices = [
        SelectChoice("", "Any"),
        *(SelectChoice(str(v.number), f"Version {v.number}") for v in published),
    ]
    return form


def _pledge_with_reference(form: PledgeFilterForm) -> Pledge | None:
    """The pledge the form's reference names; where none, the field says so."""
    pledge = pledge_by_reference(form.reference.data)
    if pledge is None:
        form.reference.errors.append(f"No pledge has the reference {form.reference.data}")
    return pledge


def _chosen_filters(
    form: PledgeFilterForm, published: list[CodeVersion]
) -> tuple[str, str, CodeVersion | None]:
    """The search text, the pledge state and the version a valid form chose ("" or None: any)."""
    version = next((v for v in published if str(v.number) == form.version.data), None)
    return form.q.data or "", form.state.data or "", version


def _pledges_page(form: PledgeFilterForm, page: Page, in_force: CodeVersion | None) -> str:
    newest = newest_pledges([org.id for org in page.items])
    return render_template(
        "ethics/officers/pledges.html",
        form=form,
        page=page,
        newest=newest,
        in_force=in_force,
        states={org.id: state_of(newest.get(org.id), in_force) for org in page.items},
        labels=PLEDGE_STATE_LABELS,
    )


@officer_bp.get("/pledges/<reference>")
def pledge(reference: str):
    record = pledge_by_reference(reference) or abort(404)
    in_force, _ = versions_by_day()
    superseded_by = db.session.scalar(sa.select(Pledge).where(Pledge.supersedes_id == record.id))
    newest = newest_pledge(record.organisation_id)
    return render_template(
        "ethics/officers/pledge.html",
        pledge=record,
        superseded_by=superseded_by,
        is_newest=newest is not None and newest.id == record.id,
        state=state_of(record, in_force),
        labels=PLEDGE_STATE_LABELS,
    )


@officer_bp.get("/code-of-ethics")
@admin_required
def code_versions():
    counts = dict(
        db.session.execute(sa.select(Pledge.version_id, sa.func.count()).group_by(Pledge.version_id)).all()
    )
    in_force, latest = versions_by_day()
    return render_template(
        "ethics/officers/versions.html",
        versions=all_versions(),
        counts=counts,
        in_force=in_force,
        latest=latest,
    )


@officer_bp.route("/code-of-ethics/new", methods=["GET", "POST"])
@admin_required
def publish_code():
    _, latest = versions_by_day()
    form = PublishForm(data={"text": latest.text if latest else "", "effective_on": london_today()})
    submitted = form.validate_on_submit()
    if submitted and form.publish.data and _published(form):
        return redirect(url_for("ethics_officers.code_versions"))
    preview = _preview(form.text.data) if submitted and not form.publish.data else None
    return render_template("ethics/officers/publish.html", form=form, preview=preview, latest=latest)


def _published(form: PublishForm) -> bool:
    """Publish the version as the form has it and commit, saying so; False where the rules refuse
    its text or date (the field says why)."""
    try:
        version = _publish_as_filled_in(form)
    except ContentError as error:
        db.session.rollback()
        _refusal_at_field(form, error)
        return False
    db.session.commit()
    flash(
        f"Version {version.number} is published. Every member of every organisation will be "
        "emailed to sign it.",
        "success",
    )
    return True


def _publish_as_filled_in(form: PublishForm) -> CodeVersion:
    return services.publish_version(
        form.text.data,
        effective_on=form.effective_on.data,
        summary=form.summary.data or "",
        actor=current_user._get_current_object(),
    )


def _refusal_at_field(form: PublishForm, error: ContentError) -> None:
    """Why the rules refused the version, at its date or else its text."""
    target = form.effective_on if "date" in str(error) else form.text
    target.errors.append(str(error))


def _preview(text: str) -> dict[str, object]:
    """The text as the Code's page would show it, with its fingerprint."""
    return {"document": parse(text), "sha256": digest(text)}
