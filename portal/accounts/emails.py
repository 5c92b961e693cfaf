"""Accounts' emails: each message's subject, template and audience. Written to the outbox in the
transaction of the change that causes it; a message carrying a link that signs someone in has
its secret erased once the link expires (`secret_expires_at`)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from portal.accounts.models import User
from portal.outbox.services import link, notify
from portal.time import london_datetime, utcnow


def already_registered(address: str) -> None:
    """To an address that already has an account, in place of a second one."""
    notify(
        "accounts/already_registered",
        to=address,
        subject="You already have a Supplier Portal account",
        context={"login_url": link("accounts.login"), "reset_url": link("accounts.forgot_password")},
    )


def verify_email(user: User, verify_link: str, expires_at: datetime) -> None:
    _link_for(user, "accounts/verify_email", "Confirm your email address", verify_link, expires_at)


def reset_no_account(address: str) -> None:
    """To an address with no active account that asked for a reset: how to register."""
    notify(
        "accounts/reset_no_account",
        to=address,
        subject="Reset your password",
        context={"register_url": link("accounts.register")},
    )


def reset_password(user: User, reset_link: str, expires_at: datetime) -> None:
    _link_for(user, "accounts/reset_password", "Reset your password", reset_link, expires_at)


def _link_for(
    user: User, template: str, subject: str, secret_link: str, expires_at: datetime, *, address: str = ""
) -> None:
    """To the account's owner (at `address` where it is not the account's yet): a link that acts
    for them, erased from the outbox once it expires."""
    notify(
        template,
        to=(user.name, address or user.email),
        subject=subject,
        context={"name": user.name, "link": secret_link},
        cause=user,
        secret_expires_at=expires_at,
    )


def change_email(user: User, address: str, change_link: str, expires_at: datetime) -> None:
    """To the new address: the link that makes it the account's."""
    _link_for(
        user,
        "accounts/change_email",
        "Confirm your new email address",
        change_link,
        expires_at,
        address=address,
    )


def email_change_to_used_address(address: str) -> None:
    """To an address that already has an account, which someone asked to move another account to."""
    notify(
        "accounts/email_change_to_used_address",
        to=address,
        subject="Someone asked to use your email address on the Supplier Portal",
        context={"login_url": link("accounts.login"), "reset_url": link("accounts.forgot_password")},
    )


def email_changed(user: User, old_address: str) -> None:
    """To the old address, so a change its owner did not make is noticed and reported: they can
    no longer sign in with it, so the way back is the procurement team."""
    notify(
        "accounts/email_changed",
        to=(user.name, old_address),
        subject="Your email address has been changed",
        context={
            "name": user.name,
            "new_address": masked(user.email),
            "changed_at": london_datetime(utcnow()),
            "feedback_url": link("pages.feedback"),
            "procurement_email": current_app.config["PROCUREMENT_INBOX"],
        },
        cause=user,
    )


def masked(address: str) -> str:
    """An address partly hidden, enough for its owner to know it: "ja***@example.com"."""
    local, _, domain = address.rpartition("@")
    return f"{local[: 2 if len(local) > 3 else 1]}***@{domain}"


def password_changed(user: User) -> None:
    """To the account's owner, so a change they did not make is noticed."""
    notify(
        "accounts/password_changed",
        to=(user.name, user.email),
        subject="Your password has been changed",
        context={"name": user.name, "reset_url": link("accounts.forgot_password")},
        cause=user,
    )


def staff_invitation(user: User, inviter: User | None, invitation_link: str, expires_at: datetime) -> None:
    """To a new officer or admin: set a password from the link."""
    notify(
        "accounts/invitation",
        to=(user.name, user.email),
        subject="You have been invited to the Supplier Portal",
        context={
            "name": user.name,
            "role": user.role.value,
            "inviter": inviter.name if inviter else None,
            "link": invitation_link,
        },
        cause=user,
        secret_expires_at=expires_at,
    )


# What each change of a second factor says to the account's owner: (subject, what happened).
FACTOR_CHANGES = {
    "added": (
        "An authenticator app was added to your account",
        "An authenticator app was added to your Supplier Portal account, with new recovery codes.",
    ),
    "replaced": (
        "Your authenticator app was changed",
        "Your Supplier Portal account now uses a different authenticator app, with new recovery codes. "
        "The old app's codes and the old recovery codes no longer work.",
    ),
    "recovery_codes": (
        "You have new recovery codes",
        "New recovery codes were made for your Supplier Portal account. The old ones no longer work.",
    ),
    "removed": (
        "Your authenticator app was removed",
        "The authenticator app and recovery codes were removed from your Supplier Portal account. "
        "You now sign in with your password alone.",
    ),
    "reset": (
        "Your authenticator app was reset",
        "The procurement team removed the authenticator app, recovery codes and passkeys from your "
        "Supplier Portal account, as you asked them to.",
    ),
}


def factor_changed(user: User, change: str) -> None:
    """To the account's owner, so a change they did not make is noticed."""
    subject, what = FACTOR_CHANGES[change]
    notify(
        "accounts/factor_changed",
        to=(user.name, user.email),
        subject=subject,
        context={"name": user.name, "what": what, "reset_url": link("accounts.forgot_password")},
        cause=user,
    )


def recovery_code_used(user: User, left: int) -> None:
    """To the account's owner: a recovery code signed them in, and how many are left."""
    notify(
        "accounts/recovery_code_used",
        to=(user.name, user.email),
        subject="A recovery code was used to sign in",
        context={"name": user.name, "left": left, "account_url": link("accounts.two_factor")},
        cause=user,
    )


def passkey_changed(user: User, name: str, *, added: bool) -> None:
    """To the account's owner, so a passkey they did not add (or remove) is noticed."""
    notify(
        "accounts/passkey_changed",
        to=(user.name, user.email),
        subject="A passkey was added to your account" if added else "A passkey was removed from your account",
        context={
            "name": user.name,
            "passkey": name,
            "added": added,
            "reset_url": link("accounts.forgot_password"),
        },
        cause=user,
    )
