"""Colleagues' pages: invite, cancel an invitation, remove a member, and join from the emailed
link. The rules are portal.organisations.services.colleagues'."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import tokens
from portal.accounts.access import public
from portal.accounts.models import User
from portal.changes import committed
from portal.extensions import db, limiter
from portal.forms import ConfirmForm
from portal.organisations import bp
from portal.organisations.forms import CancelInvitationForm, InviteColleagueForm
from portal.organisations.loading import own
from portal.organisations.models import Organisation, OrganisationInvitation
from portal.organisations.services.colleagues import (
    JoinProblem,
    Refused,
    cancel_invitation,
    expires_at,
    invitation_for_token,
    invite_colleague,
    join_organisation,
    join_problem,
    members_of,
    pending_invitations,
    remove_member,
    self_removal_words,
)

SENT = "We have sent an invitation to {email}. The link in it works once, for 7 days."


def _invite_limit_key() -> str:
    return f"invite:{getattr(current_user, 'id', None)}"


@bp.route("/colleagues", methods=["GET", "POST"])
@limiter.limit("20 per hour", key_func=_invite_limit_key, methods=["POST"])
def colleagues():
    org = current_user.organisation
    form = InviteColleagueForm()
    if form.validate_on_submit() and (invitation := invite(org, form)) is not None:
        flash(SENT.format(email=invitation.email), "success")
        return redirect(url_for("organisations.colleagues"))
    return _colleagues_page(org, form)


def _colleagues_page(org: Organisation, form: InviteColleagueForm) -> str:
    """The members, the invitations still waiting and the form to invite another."""
    return render_template(
        "organisations/colleagues.html",
        org=org,
        form=form,
        members=members_of(org),
        invitations=pending_invitations(org),
        expires_at=expires_at,
        cancel_form=ConfirmForm(),
    )


def invite(org: Organisation, form: InviteColleagueForm) -> OrganisationInvitation | None:
    """The invitation sent, or None with the refusal on the form's email field."""
    try:
        invitation = invite_colleague(org, form.email.data, actor=current_user)
    except Refused as refusal:
        form.email.errors.append(str(refusal))
        return None
    db.session.commit()
    return invitation


@bp.post("/colleagues/cancel-invitation")
def cancel_colleague_invitation():
    """:raise 404: the invitation is not one of this organisation's still waiting."""
    invitation = _waiting_invitation(CancelInvitationForm())
    cancel_invitation(invitation, actor=current_user)
    db.session.commit()
    flash(f"The invitation to {invitation.email} is cancelled. Its link no longer works.", "success")
    return redirect(url_for("organisations.colleagues"))


def _waiting_invitation(form: CancelInvitationForm) -> OrganisationInvitation:
    """The invitation the form names. :raise 404: not one of this organisation's still waiting."""
    if not form.validate_on_submit():
        abort(404)
    invitation = own(OrganisationInvitation, form.invitation_id.data, current_user.organisation)
    if invitation.accepted_at is not None:
        abort(404)
    return invitation


@bp.route("/colleagues/<int:user_id>/remove", methods=["GET", "POST"])
def remove_colleague(user_id: int):
    """Confirm, then remove. :raise 404: not a member of this organisation."""
    org = current_user.organisation
    member = own(User, user_id, org)
    if member.id == current_user.id:
        flash(self_removal_words(org) + ".")
        return redirect(url_for("organisations.colleagues"))
    form = ConfirmForm()
    if form.validate_on_submit():
        _remove(member, org)
        return redirect(url_for("organisations.colleagues"))
    return render_template("organisations/colleagues_remove.html", org=org, member=member, form=form)


def _remove(member: User, org: Organisation) -> None:
    """Remove the member (the rules may refuse), and say so."""
    committed(
        lambda: remove_member(member, actor=current_user._get_current_object()),
        f"{member.name} has been removed from {org.name}, signed out and emailed.",
    )


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def join(token: str):
    """The invitation's page: who invited whom to what, and a "Join" button for the invited
    account. Staff never get here (the blueprint refuses them)."""
    try:
        invitation = invitation_for_token(token, lock=request.method == "POST")
    except tokens.InvalidLink as error:
        return _link_problem_page(error)
    if not current_user.is_authenticated:
        return _join_signed_out(invitation, token)
    return join_as(current_user._get_current_object(), invitation, token)


def _link_problem_page(error: tokens.InvalidLink) -> tuple[str, int]:
    """Why the link no longer works: expired, or cancelled, used or not genuine."""
    page = render_template(
        "organisations/colleagues_link_problem.html", expired=isinstance(error, tokens.ExpiredLink)
    )
    return page, 400


def _join_signed_out(invitation: OrganisationInvitation, token: str):
    """The invitation's page, asking to sign in or register; the button first asks to sign in."""
    if request.method == "POST":
        return redirect(url_for("accounts.login", next=url_for("organisations.join", token=token)))
    return _join_page(invitation, token, None)


def join_as(user: User, invitation: OrganisationInvitation, token: str):
    """A signed-in person joins with the button, where nothing stops them; else the page says why."""
    problem = join_problem(invitation, user)
    form = ConfirmForm()
    if problem is None and form.validate_on_submit():
        join_organisation(invitation, user)
        db.session.commit()
        flash(f"You have joined {invitation.organisation.name}.", "success")
        return redirect(url_for("organisations.colleagues"))
    return _join_page(invitation, token, problem, form), 403 if request.method == "POST" else 200


def _join_page(invitation: OrganisationInvitation, token: str, problem: JoinProblem | None, form=None):
    return render_template(
        "organisations/colleagues_join.html",
        invitation=invitation,
        org=invitation.organisation,
        inviter=db.session.get(User, invitation.invited_by_id),
        expires_at=expires_at(invitation),
        problem=problem,
        problems=JoinProblem,
        form=form,
        register_url=url_for("accounts.register", invitation=token),
        login_url=url_for("accounts.login", next=url_for("organisations.join", token=token)),
    )
