"""Organisations' emails: each message's subject, template and audience, and the two audiences
other areas write to as well: an organisation's members, and the procurement inbox about an
organisation. Written to the outbox in the transaction of the change that causes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal import outbox
from portal.accounts.models import User
from portal.organisations.models import (
    Accreditation,
    ClassificationDecision,
    Organisation,
    OrganisationInvitation,
)
from portal.outbox import link, notify


def active_members(organisation: Organisation) -> list[User]:
    """The members who can be written to (not disabled, email confirmed), oldest account first."""
    return sorted(
        (m for m in organisation.members if not m.is_disabled and m.is_verified), key=lambda m: m.id
    )


def email_members(
    organisation: Organisation, template: str, *, subject: str, cause: Any, context: dict
) -> int:
    """Queue `template` to each active member, with their name in its context; how many."""
    members = active_members(organisation)
    for member in members:
        notify(
            template,
            to=(member.name, member.email),
            subject=subject,
            cause=cause,
            context={**context, "name": member.name},
        )
    return len(members)


def tell_procurement_about(organisation: Organisation, template: str, *, subject: str, context: dict) -> None:
    """To the procurement inbox about an organisation, with a link to its officers' page."""
    outbox.notify_procurement(
        template,
        subject=subject,
        cause=organisation,
        context={
            "organisation": organisation,
            "link": link("organisations_officers.organisation", organisation_id=organisation.id),
            **context,
        },
    )


def registered(organisation: Organisation, classifications: dict) -> None:
    tell_procurement_about(
        organisation,
        "organisations/registered",
        subject=f"New registration: {organisation.name}",
        context={"classifications": classifications},
    )


def classification_changed(organisation: Organisation, before: dict, after: dict) -> None:
    tell_procurement_about(
        organisation,
        "organisations/classification_changed",
        subject=f"Classification changed: {organisation.name}",
        context={"before": before, "after": after},
    )


def classification_decided(
    organisation: Organisation,
    decision: ClassificationDecision,
    *,
    verb: str,
    label: str,
    value: str,
    note: str,
) -> None:
    """To the organisation's members: an officer verified or overrode a classification."""
    email_members(
        organisation,
        "organisations/classification_decided",
        subject=f"The procurement team has {verb} your organisation's {label} status",
        cause=decision,
        context={
            "organisation": organisation,
            "verb": verb,
            "label": label,
            "value": value,
            "note": note,
            "link": link("organisations.profile"),
        },
    )


def colleague_invitation(
    invitation: OrganisationInvitation, *, inviter: User, join_link: str, expires: datetime
) -> None:
    """To the address invited; the link's secret is erased from the outbox once it expires."""
    notify(
        "organisations/invitation",
        to=invitation.email,
        subject=f"{inviter.name} has invited you to join {invitation.organisation.name}",
        context={
            "inviter": inviter.name,
            "organisation": invitation.organisation.name,
            "link": join_link,
            "expires_at": expires,
        },
        cause=invitation,
        secret_expires_at=expires,
    )


def member_removed(organisation: Organisation, member: User, *, remover: User, own: Organisation) -> None:
    """To the person removed: they keep an account, in an organisation of their own."""
    notify(
        "organisations/member_removed",
        to=(member.name, member.email),
        subject=f"You have been removed from {organisation.name} on the Supplier Portal",
        context={
            "name": member.name,
            "organisation": organisation.name,
            "remover": remover.name,
            "own": own.name,
            "login_url": link("accounts.login"),
        },
        cause=member,
    )


def accreditation_expiring(
    accreditation: Accreditation, *, name: str, subject: str, expires: str, days_left: int, stage: str
) -> int:
    organisation = accreditation.organisation
    return email_members(
        organisation,
        "organisations/accreditation_expiring",
        subject=subject,
        cause=accreditation,
        context={
            "organisation_name": organisation.name,
            "accreditation_name": name,
            "certificate_number": accreditation.certificate_number,
            "expires": expires,
            "days_left": days_left,
            "stage": stage,
            "link": link("organisations.accreditations"),
        },
    )


def size_figures_old(organisation: Organisation) -> int:
    return email_members(
        organisation,
        "organisations/size_figures_old",
        subject=f"Update the size figures for {organisation.name}",
        cause=organisation,
        context={
            "organisation_name": organisation.name,
            "financial_year_end": f"{organisation.financial_year_end:%-d %B %Y}",
            "link": link("organisations.step", slug="size"),
        },
    )
