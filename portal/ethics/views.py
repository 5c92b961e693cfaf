"""The Code for everyone to read; signing and the certificate for members of an organisation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.access import public
from portal.ethics import bp, services
from portal.ethics.forms import sign_form
from portal.ethics.models import CodeVersion, Pledge
from portal.ethics.pledges import PledgeState, pledge_by_reference, pledge_status, pledges_of
from portal.ethics.services import AlreadySigned, StaleVersion
from portal.ethics.versions import VersionRef, all_versions, version_numbered, version_refs, versions_by_day
from portal.extensions import db


def _member_organisation():
    """The signed-in supplier's organisation, or None for visitors and staff."""
    if current_user.is_authenticated and current_user.is_verified and current_user.organisation_id:
        return current_user.organisation
    return None


@bp.route("/code-of-ethics", methods=["GET", "POST"])
@public
def code():
    in_force, latest = version_refs()
    if latest is None:
        abort(404)
    organisation = _member_organisation()
    if organisation is None:
        return _code_for_visitor(latest, in_force)
    return _code_for_member(organisation, latest, in_force)


def _code_for_visitor(latest: VersionRef, in_force: VersionRef | None):
    """The Code to read; signing it asks for a member's sign-in."""
    if request.method == "POST":
        return redirect(url_for("accounts.login", next=url_for("ethics.code")))
    return _code_page(latest, in_force, status=None, form=None)


def _code_for_member(organisation, latest: VersionRef, in_force: VersionRef | None):
    """The Code with the organisation's pledge, and the form to sign it where it should."""
    status = pledge_status(organisation)
    form = sign_form(latest) if status.should_sign and organisation.is_registered else None
    if request.method == "POST" and (response := _sign_posted(form, organisation, latest)) is not None:
        return response
    return _code_page(latest, in_force, status=status, form=form, organisation=organisation)


def _sign_posted(form, organisation, latest: VersionRef):
    """Sign as posted; a response when done, None to show the form again with its errors."""
    if not organisation.is_registered:
        flash("Finish your organisation's profile before you sign the Code for it.")
        return redirect(url_for("ethics.code"))
    if form is None:  # signed already (another tab, a colleague): the certificate says so
        return _already_signed(organisation, latest)
    return _sign(form, organisation, db.session.get(CodeVersion, latest.id))


def _code_page(version: VersionRef, in_force: VersionRef | None, **context) -> str:
    return render_template("ethics/code.html", version=version, in_force=in_force, **context)


@bp.route("/code-of-ethics/correct", methods=["GET", "POST"])
def correct():
    """Sign again, with corrected details, the version already signed: a new pledge that names
    the one it supersedes."""
    organisation = _member_organisation() or abort(403)
    status = pledge_status(organisation)
    if status.pledge is None or status.pledge.version_id != status.latest.id:
        flash("There is no pledge to the newest version to correct: sign the Code instead.")
        return redirect(url_for("ethics.code"))
    pledge = db.session.get(Pledge, status.pledge.id)
    form = sign_form(status.latest, data=_pledge_answers(pledge) if request.method == "GET" else None)
    if request.method == "POST":
        response = _sign(form, organisation, db.session.get(CodeVersion, status.latest.id), supersedes=pledge)
        if response is not None:
            return response
    return _code_page(
        status.latest, status.in_force, status=status, form=form, organisation=organisation, correcting=pledge
    )


def _pledge_answers(pledge: Pledge) -> dict:
    return {
        "representative_name": pledge.representative_name,
        "representative_position": pledge.representative_position,
        "signature": pledge.signature,
    }


def _sign(form, organisation, version: CodeVersion, supersedes: Pledge | None = None):
    """Validate and sign; a response when done, None to show the form again with its errors."""
    if not (form.validate_on_submit() and _for_version(form, version) and _signature_confirmed(form)):
        return None
    try:
        _sign_as_filled_in(form, organisation, version, supersedes)
    except AlreadySigned:
        db.session.rollback()
        return _already_signed(organisation, version)
    except StaleVersion:
        db.session.rollback()
        flash("A new version of the Code has been published: read it and sign it. Nothing was saved.")
        return redirect(url_for("ethics.code"))
    return _signed(organisation, version)


def _already_signed(organisation, version: CodeVersion | VersionRef):
    """The certificate, which shows the pledge the organisation has made to the version already."""
    flash(f"{organisation.name} has already signed version {version.number} of the Code.", "success")
    return redirect(url_for("ethics.certificate"))


def _for_version(form, version: CodeVersion) -> bool:
    """Was the form for `version`? One published while the form was open is read and acknowledged
    afresh: its boxes are cleared."""
    if form.version.data == str(version.number):
        return True
    for field in form.area_fields():
        field.data = False
    flash(
        f"Version {version.number} of the Code was published after you opened this page. "
        "Read it below and sign it: nothing was saved."
    )
    return False


def _signature_confirmed(form) -> bool:
    """Does the signature read as the representative's name, or has the signer confirmed it?"""
    matches = services.signature_matches(form.signature.data, form.representative_name.data)
    if matches or form.signature_confirmed.data:
        return True
    form.signature.errors.append(
        "The signature does not match the representative's name. Correct it, or tick the box "
        "below it to confirm it is right"
    )
    return False


def _sign_as_filled_in(form, organisation, version: CodeVersion, supersedes: Pledge | None) -> None:
    """Sign as the form says, from this request's address and browser. :raise AlreadySigned:
    :raise StaleVersion: (see services.sign)"""
    services.sign(
        organisation,
        current_user._get_current_object(),
        version,
        representative_name=form.representative_name.data,
        representative_position=form.representative_position.data,
        signature=form.signature.data,
        client_address=request.remote_addr or "",
        user_agent=request.user_agent.string,
        supersedes=supersedes,
    )


def _signed(organisation, version: CodeVersion):
    """Commit the pledge, and show its certificate."""
    db.session.commit()
    flash(
        f"You signed version {version.number} of the Supplier Code of Ethics for {organisation.name}. "
        "Its certificate and reference are below.",
        "success",
    )
    return redirect(url_for("ethics.certificate"))


@bp.get("/code-of-ethics/certificate")
def certificate():
    organisation = _member_organisation() or abort(403)
    history = pledges_of(organisation.id)
    status = pledge_status(organisation, history)
    return _certificate_page(organisation, history[0] if history else None, status, history)


@bp.get("/code-of-ethics/certificate/<reference>")
def earlier_certificate(reference: str):
    """One of the organisation's own pledges, an earlier one included; another's is not found."""
    organisation = _member_organisation() or abort(403)
    pledge = _own_pledge(organisation, reference)
    history = pledges_of(organisation.id)
    return _certificate_page(organisation, pledge, pledge_status(organisation, history), history)


def _own_pledge(organisation, reference: str) -> Pledge:
    """:raise 404: no pledge has the reference, or another organisation's has."""
    pledge = pledge_by_reference(reference)
    if pledge is None or pledge.organisation_id != organisation.id:
        abort(404)
    return pledge


def _certificate_page(organisation, pledge: Pledge | None, status, history: list[Pledge]):
    return render_template(
        "ethics/certificate.html",
        organisation=organisation,
        pledge=pledge,
        status=status,
        history=history,
        PledgeState=PledgeState,
    )


@bp.get("/code-of-ethics/versions")
@public
def versions():
    return render_template("ethics/versions.html", versions=all_versions())


@bp.get("/code-of-ethics/versions/<int:number>")
@public
def version(number: int):
    shown = version_numbered(number) or abort(404)
    in_force, latest = versions_by_day()
    pledges = _own_pledges_to(shown)
    return render_template(
        "ethics/version.html", version=shown, in_force=in_force, latest=latest, pledges=pledges
    )


def _own_pledges_to(version: CodeVersion) -> list[Pledge]:
    """The signed-in member's organisation's pledges to the version; none for anyone else."""
    organisation = _member_organisation()
    return pledges_of(organisation.id, version_id=version.id) if organisation else []
