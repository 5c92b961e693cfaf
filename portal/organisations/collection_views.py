"""The profile steps that keep lists of records: other sites (each asked its council area where
its postcode cannot tell) and accreditations (with their evidence files)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from portal import files
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.organisations import bp, services
from portal.organisations.forms import AccreditationForm, SiteForm
from portal.organisations.loading import organisation, own, page_organisation
from portal.organisations.models import Accreditation, Organisation, OrganisationSite, council_area_name
from portal.organisations.steps import BY_SLUG, Profile
from portal.organisations.views import after_step, after_step_url, ask_council
from portal.postcodes.lookup import lookup_postcode


@bp.route("/profile/sites", methods=["GET", "POST"])
def sites():
    org = page_organisation("sites")
    form = SiteForm()
    if form.validate_on_submit():
        return save_site(org, form)
    return _sites_page(org, form)


def _sites_page(org: Profile, form: SiteForm) -> str:
    """The sites, each with its council area, and the form to add another."""
    return render_template(
        "organisations/sites.html",
        form=form,
        org=org,
        step=BY_SLUG["sites"],
        council_area_name=council_area_name,
        remove_form=ConfirmForm(),
        next_url=after_step_url(org, BY_SLUG["sites"]),
    )


def save_site(org: Organisation, form: SiteForm):
    """Add the site; ask for its council area where its postcode cannot tell."""
    site = _site_from(form)
    services.update_profile(org, {"sites": [*org.sites, site]}, actor=current_user)
    db.session.commit()
    if lookup_postcode(site.postcode).status == "ask":
        return redirect(url_for("organisations.site_council", site_id=site.id, **request.args))
    flash(f"{site.label} added.", "success")
    return redirect(url_for("organisations.sites", **request.args))


def _site_from(form: SiteForm) -> OrganisationSite:
    return OrganisationSite(
        label=form.label.data,
        address_line_1=form.address_line_1.data,
        town=form.town.data or None,
        postcode=form.postcode.data,
    )


@bp.post("/profile/sites/<int:site_id>/remove")
def remove_site(site_id: int):
    org = organisation()
    site = own(OrganisationSite, site_id, org)
    if ConfirmForm().validate_on_submit():
        services.update_profile(org, {"sites": [s for s in org.sites if s.id != site.id]}, actor=current_user)
        db.session.commit()
        flash(f"{site.label} removed.", "success")
    return redirect(url_for("organisations.sites", **request.args))


@bp.route("/profile/sites/<int:site_id>/council", methods=["GET", "POST"])
def site_council(site_id: int):
    org = organisation()
    site = own(OrganisationSite, site_id, org)

    def change(code: str | None) -> dict[str, Any]:
        site.declared_authority = code
        return {"sites": org.sites}

    return ask_council(org, site.postcode, change, BY_SLUG["sites"], site.label)


@bp.route("/profile/accreditations", methods=["GET", "POST"])
def accreditations():
    org = page_organisation("accreditations")
    form = AccreditationForm()
    if form.validate_on_submit() and save_accreditation(org, form):
        flash("Accreditation added.", "success")
        return redirect(url_for("organisations.accreditations", **request.args))
    return _accreditations_page(org, form)


def _accreditations_page(org: Profile, form: AccreditationForm) -> str:
    return render_template(
        "organisations/accreditations.html",
        form=form,
        org=org,
        step=BY_SLUG["accreditations"],
        action_form=ConfirmForm(),
    )


def save_accreditation(org: Organisation, form: AccreditationForm) -> bool:
    """Store the evidence file, if one came, and add the accreditation; False (the form's error
    set) where the file is refused."""
    try:
        stored = _store_evidence(form.evidence.data)
    except files.EvidenceRefused as refusal:
        form.evidence.errors.append(str(refusal))
        return False
    services.add_accreditation(org, form, stored, actor=current_user)
    db.session.commit()
    return True


def _store_evidence(upload: FileStorage | None) -> files.StoredEvidence | None:
    """The evidence file stored, if one came. :raise files.EvidenceRefused:"""
    try:
        return files.store(upload) if upload and upload.filename else None
    finally:
        if upload:
            upload.close()  # a large upload is spooled to a temporary file


@bp.post("/profile/accreditations/done")
def accreditations_done():
    org = organisation()
    if ConfirmForm().validate_on_submit():
        services.update_profile(org, {"accreditations_answered": True}, actor=current_user)
        db.session.commit()
    return after_step(org, BY_SLUG["accreditations"])


@bp.post("/profile/accreditations/<int:accreditation_id>/remove")
def remove_accreditation(accreditation_id: int):
    org = organisation()
    accreditation = own(Accreditation, accreditation_id, org)
    if ConfirmForm().validate_on_submit():
        services.remove_accreditation(accreditation, actor=current_user)
        db.session.commit()
        files.remove(accreditation.evidence_name)
        flash("Accreditation removed.", "success")
    return redirect(url_for("organisations.accreditations", **request.args))


@bp.get("/accreditations/<int:accreditation_id>/evidence")
def accreditation_evidence(accreditation_id: int):
    accreditation = own(Accreditation, accreditation_id, organisation())
    if not accreditation.evidence_name:
        abort(404)
    return files.send(accreditation)
