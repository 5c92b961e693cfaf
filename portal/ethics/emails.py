"""The Code of Ethics' emails: each message's subject, template and audience. Written to the
outbox in the transaction of the change that causes it."""

from __future__ import annotations

from portal.accounts.models import User
from portal.ethics.models import CodeVersion, Pledge
from portal.organisations.emails import tell_procurement_about
from portal.organisations.models import Organisation
from portal.outbox.services import link, notify, queue_broadcast


def new_version(version: CodeVersion) -> None:
    """To every member of every organisation (the "organisation_members" audience): sign again."""
    queue_broadcast(
        "ethics/new_version",
        audience="organisation_members",
        subject=f"Sign the new Supplier Code of Ethics (version {version.number})",
        cause=version,
        context={
            "number": version.number,
            "effective_on": f"{version.effective_on:%-d %B %Y}",
            "summary": version.summary,
            "link": link("ethics.code"),
        },
    )


def signed(
    organisation: Organisation, pledge: Pledge, version: CodeVersion, signer: User, *, corrected: bool
) -> None:
    """To the procurement inbox, and a confirmation to the person who signed."""
    context = {"pledge": pledge, "version": version, "signer": signer}
    tell_procurement_about(
        organisation,
        "ethics/signed_inbox",
        subject=f"Code of Ethics {'corrected' if corrected else 'signed'}: {organisation.name}",
        context={**context, "link": link("ethics_officers.pledge", reference=pledge.reference)},
    )
    notify(
        "ethics/signed_confirmation",
        to=(signer.name, signer.email),
        subject=f"You signed the Supplier Code of Ethics for {organisation.name}",
        cause=pledge,
        context={**context, "organisation": organisation, "link": link("ethics.certificate")},
    )
