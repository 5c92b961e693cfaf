"""Accounts: registration, email verification, sign-in with a second factor and sign-out, password
reset and change, a change of email address, authenticator apps and recovery codes."""

from flask import Blueprint

from portal.accounts.access import officer_blueprint

bp = Blueprint("accounts", __name__)
officer_bp = officer_blueprint("accounts_officers", __name__)

from portal.accounts import email_views, factor_views, officer_views, passkey_views, views  # noqa: E402,F401  (views register on bp)
