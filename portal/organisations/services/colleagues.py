"""Colleagues: a member invites colleagues by email, a colleague joins from the emailed link
(signed in with that address, or by registering with it), and a member removes another.

- An invitation is tied to its address, works once (`accepted_at`) for 7 days, and dies when
  cancelled (its row is deleted; the audit log keeps the cancellation).
- Inviting reveals nothing about an address beyond this organisation: one with an account
  elsewhere is invited like any other, and the join page explains to its owner why they cannot join.
- A supplier belongs to one organisation. Joining moves an account only out of a draft (never
  registered, no other member), which is left behind unchanged.
- A removed member keeps their account, moved into a new draft of their own named after them;
  their sessions end and the invitations they sent that are still waiting are cancelled.
- An organisation keeps at least one member: nobody removes themselves, and removal locks the
  organisation's row so two members cannot remove each other at once.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa

from portal import audit, tokens
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.extensions import db
from portal.organisations import emails
from portal.organisations.models import Organisation, OrganisationInvitation
from portal.outbox import link
from portal.time import utcnow

LIFETIME = tokens.LIFETIMES[tokens.COLLEAGUE_INVITATION]


# --- reading ---------------------------------------------------------------------------------


def expires_at(invitation: OrganisationInvitation) -> datetime:
    return invitation.created_at + LIFETIME


def members_of(organisation: Organisation) -> list[User]:
    query = sa.select(User).where(User.organisation_id == organisation.id).order_by(User.name, User.id)
    return list(db.session.scalars(query))


def count_members(organisation: Organisation) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.organisation_id == organisation.id)
    )


def _pending(organisation: Organisation) -> sa.Select:
    return sa.select(OrganisationInvitation).where(
        OrganisationInvitation.organisation_id == organisation.id,
        OrganisationInvitation.accepted_at.is_(None),
        OrganisationInvitation.created_at > utcnow() - LIFETIME,
    )


def pending_invitations(organisation: Organisation) -> list[tuple[OrganisationInvitation, str]]:
    """Invitations still waiting (neither used nor expired), oldest first, with the inviter's name."""
    query = (
        _pending(organisation)
        .add_columns(User.name)
        .join(User, User.id == OrganisationInvitation.invited_by_id)
        .order_by(OrganisationInvitation.id)
    )
    return [(invitation, inviter) for invitation, inviter in db.session.execute(query)]


def invitation_for_token(token: str, *, lock: bool = False) -> OrganisationInvitation:
    """The waiting invitation a genuine link names. `lock` holds its row until the transaction
    ends, so a double-click accepts it once. :raise InvalidLink, ExpiredLink:"""
    payload = tokens.read_token(tokens.COLLEAGUE_INVITATION, token)
    invitation = _invitation(_invitation_id(payload), lock=lock)
    if invitation is None or invitation.email != payload.get("email"):
        raise tokens.InvalidLink("the invitation was cancelled")
    _refuse_spent(invitation)
    return invitation


def _invitation_id(payload: dict) -> int:
    """:raise InvalidLink: the link's payload names no invitation."""
    invitation_id = payload.get("invitation")
    if not isinstance(invitation_id, int):
        raise tokens.InvalidLink("unexpected payload")
    return invitation_id


def _invitation(invitation_id: int, *, lock: bool) -> OrganisationInvitation | None:
    """The invitation with this id; where `lock`, read afresh and its row held until the
    transaction ends."""
    query = sa.select(OrganisationInvitation).where(OrganisationInvitation.id == invitation_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _refuse_spent(invitation: OrganisationInvitation) -> None:
    """:raise InvalidLink: the invitation was used; ExpiredLink: it has expired."""
    if invitation.accepted_at is not None:
        raise tokens.InvalidLink("the invitation was used")
    if utcnow() >= expires_at(invitation):
        raise tokens.ExpiredLink("the invitation has expired")


class JoinProblem(enum.StrEnum):
    OTHER_ADDRESS = "other-address"
    ALREADY_MEMBER = "already-member"
    IN_ANOTHER_ORGANISATION = "in-another-organisation"


def can_leave(organisation: Organisation) -> bool:
    """A draft only: never registered, and this person its only member."""
    return not organisation.is_registered and count_members(organisation) == 1


def join_problem(invitation: OrganisationInvitation, user: User) -> JoinProblem | None:
    if user.email != invitation.email:
        return JoinProblem.OTHER_ADDRESS
    if user.organisation_id == invitation.organisation_id:
        return JoinProblem.ALREADY_MEMBER
    if not can_leave(user.organisation):
        return JoinProblem.IN_ANOTHER_ORGANISATION
    return None


# --- writing (services flush, the views commit) ------------------------------------------------


class Refused(ValueError):
    """The change is not allowed; the message says why, in the page's words."""


def invite_colleague(organisation: Organisation, email: str, *, actor: User) -> OrganisationInvitation:
    """Record the invitation and email its link. :raise Refused: the address is already a member
    here, or already has an invitation waiting here."""
    address = accounts.normalise_email(email)
    _refuse_invitation(organisation, address)
    invitation = OrganisationInvitation(organisation=organisation, email=address, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "organisation.invitation_sent", organisation, actor=actor, invitation_id=invitation.id, email=address
    )
    _send_invitation(invitation, inviter=actor)
    return invitation


def _refuse_invitation(organisation: Organisation, address: str) -> None:
    """:raise Refused: `address` is a member here already, or has an invitation waiting here."""
    member = sa.select(User.id).where(User.email == address, User.organisation_id == organisation.id)
    if db.session.scalar(member) is not None:
        raise Refused(f"This person is already a member of {organisation.name}")
    waiting = db.session.scalar(_pending(organisation).where(OrganisationInvitation.email == address))
    if waiting is not None:
        raise Refused("You have already invited this person. Cancel that invitation below to send a new one")


def _send_invitation(invitation: OrganisationInvitation, *, inviter: User) -> None:
    """Email the invitation's signed link to the address invited."""
    payload = {"invitation": invitation.id, "email": invitation.email}
    token = tokens.make_token(tokens.COLLEAGUE_INVITATION, payload)
    emails.colleague_invitation(
        invitation,
        inviter=inviter,
        join_link=link("organisations.join", token=token),
        expires=expires_at(invitation),
    )


def cancel_invitation(invitation: OrganisationInvitation, *, actor: User) -> None:
    details = {"invitation_id": invitation.id, "email": invitation.email}
    audit.record("organisation.invitation_cancelled", invitation.organisation, actor=actor, **details)
    db.session.delete(invitation)


def accept_invitation(
    invitation: OrganisationInvitation, user: User, *, left: Organisation | None = None
) -> None:
    """Mark the invitation used and record the joining. The link reached the invited address,
    which proves it, so the account's address counts as confirmed."""
    invitation.accepted_at = utcnow()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    details = {"user_id": user.id, "email": user.email, "invitation_id": invitation.id}
    if left is not None:
        details["left_organisation_id"] = left.id
        audit.record(
            "organisation.member_left", left, actor=user, user_id=user.id, joined=invitation.organisation_id
        )
    audit.record("organisation.member_joined", invitation.organisation, actor=user, **details)


def join_organisation(invitation: OrganisationInvitation, user: User) -> None:
    """A signed-in person with the invited address joins, leaving their draft organisation behind.
    :raise Refused: a join problem (see `join_problem`)."""
    if join_problem(invitation, user) is not None:
        raise Refused("this account cannot join with this invitation")
    left = user.organisation
    _cancel_invitations_sent_by(user, left)
    user.organisation = invitation.organisation
    accept_invitation(invitation, user, left=left)


def remove_member(member: User, *, actor: User) -> Organisation:
    """Move `member` out of the actor's organisation into a new draft of their own, end their
    sessions and tell them. Returns the new draft. :raise Refused:"""
    organisation = _locked_organisation(actor.organisation_id)
    db.session.refresh(member)  # both as committed now that the organisation is locked
    db.session.refresh(actor)
    _refuse_removal(organisation, member, actor)
    cancelled = _cancel_invitations_sent_by(member, organisation)
    own = _move_to_own_draft(member)
    _record_removal(organisation, member, own, cancelled, actor=actor)
    return own


def _move_to_own_draft(member: User) -> Organisation:
    """The member moved into a new draft organisation named after them, signed out everywhere."""
    own = Organisation(name=member.name)
    member.organisation = own
    accounts.end_sessions(member)
    db.session.flush()
    return own


def _locked_organisation(organisation_id: int | None) -> Organisation | None:
    """The organisation as committed, its row locked until the transaction ends."""
    return db.session.scalar(
        sa.select(Organisation)
        .where(Organisation.id == organisation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _refuse_removal(organisation: Organisation | None, member: User, actor: User) -> None:
    """:raise Refused: the actor removing themselves, a member no longer in the actor's
    organisation, or the organisation's last member."""
    if member.id == actor.id:
        raise Refused(self_removal_words(organisation))
    if organisation is None or {member.organisation_id, actor.organisation_id} != {organisation.id}:
        raise Refused("This person is no longer a member of your organisation")
    if count_members(organisation) < 2:
        raise Refused(f"{organisation.name} must keep at least one member")


def _record_removal(
    organisation: Organisation, member: User, own: Organisation, cancelled: list[int], *, actor: User
) -> None:
    """The removal's audit record, and the email to the member removed."""
    audit.record(
        "organisation.member_removed",
        organisation,
        actor=actor,
        user_id=member.id,
        email=member.email,
        new_organisation_id=own.id,
        cancelled_invitations=cancelled,
    )
    emails.member_removed(organisation, member, remover=actor, own=own)


def self_removal_words(organisation: Organisation) -> str:
    name = organisation.name
    if count_members(organisation) < 2:
        return f"You are the only member of {name}, and an organisation always keeps at least one member"
    return f"You cannot remove yourself. Ask a colleague at {name} to remove you"


def _cancel_invitations_sent_by(user: User, organisation: Organisation) -> list[int]:
    """Waiting invitations `user` sent on behalf of `organisation`, deleted; their ids."""
    waiting = list(
        db.session.scalars(_pending(organisation).where(OrganisationInvitation.invited_by_id == user.id))
    )
    for invitation in waiting:
        db.session.delete(invitation)
    return [invitation.id for invitation in waiting]
