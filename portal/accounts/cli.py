"""`flask users ...`: staff accounts from the command line (the first admin comes only from here)."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from portal.accounts import factors, services
from portal.accounts.models import Role
from portal.accounts.passwords import hash_password, password_problem
from portal.extensions import db
from portal.time import utcnow

users_cli = AppGroup("users", help="Staff accounts.")

DEV_ADMIN_EMAIL = "dev-admin@example.org"


@users_cli.command("create-officer")
@click.argument("email")
@click.option("--name", prompt="Full name", help="The officer's full name.")
@click.option("--admin", is_flag=True, help="An admin (head of procurement), not an officer.")
@click.option("--prompt-password", is_flag=True, help="Type a password now instead of emailing a link.")
def create_officer_command(email: str, name: str, admin: bool, prompt_password: bool) -> None:
    """Create a staff account for EMAIL; by default they are emailed a link to set a password."""
    password = _typed_password(email, name) if prompt_password else None
    try:
        user = services.create_staff(
            email=email, name=name, role=Role.ADMIN if admin else Role.OFFICER, password=password
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    how = "can sign in now" if password else "has been emailed a link to set a password (72 hours)"
    click.echo(f"{user.role.value} {user.email} created; they {how}")


def _typed_password(email: str, name: str) -> str:
    """A password typed twice at the prompt. :raise ClickException: the password rules refuse it."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if problem := password_problem(password, email=email, name=name):
        raise click.ClickException(problem)
    return password


@users_cli.command("reset-factors")
@click.argument("email")
def reset_factors_command(email: str) -> None:
    """Remove EMAIL's authenticator app, recovery codes and passkeys (for the last admin, who lost
    them): staff then add an app at their next sign-in. Audited, and the person is emailed."""
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"no account has the address {email}")
    factors.remove_factors(user, actor=None, check="reset on the server with flask users reset-factors")
    db.session.commit()
    click.echo(
        f"{user.email}'s authenticator app, recovery codes and passkeys are removed; they have been emailed"
    )


@users_cli.command("dev-admin")
def dev_admin_command() -> None:
    """Development only: an admin with a fresh random password and authenticator app secret,
    printed here (an app, or pyotp, makes its codes)."""
    if current_app.config["ENV_NAME"] != "development":
        raise click.ClickException("the development admin exists only in the development configuration")
    password, secret = secrets.token_urlsafe(12), factors.new_secret()
    user = services.find_user(DEV_ADMIN_EMAIL)
    if user is None:
        user = services.create_staff(
            email=DEV_ADMIN_EMAIL, name="Development Admin", role=Role.ADMIN, password=password
        )
    else:
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        user.is_disabled = False
        services.end_sessions(user)
    user.totp_secret, user.totp_added_at, user.totp_last_step = secret, utcnow(), None
    db.session.commit()
    click.echo(f"Staff sign-in (development only): {DEV_ADMIN_EMAIL}  password: {password}")
    code_now = f"{sys.executable} -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\""
    click.echo(f"  authenticator app key: {secret}  (a code now: {code_now})")
