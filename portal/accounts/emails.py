"""Accounts' emails: each message's subject, template and audience. Written to the outbox in the
transaction of the change that causes it; a message carrying a link that signs someone in has
its secret erased once the link expires (`secret_expires_at`)."""

from __future__ import annotations

from datetime import datetime

from portal.accounts.models import User
from portal.outbox.services import link, notify


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


def _link_for(user: User, template: str, subject: str, secret_link: str, expires_at: datetime) -> None:
    """To the account's owner: a link that acts for them, erased from the outbox once it expires."""
    notify(
        template,
        to=(user.name, user.email),
        subject=subject,
        context={"name": user.name, "link": secret_link},
        cause=user,
        secret_expires_at=expires_at,
    )


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
