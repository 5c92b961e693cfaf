"""Accounts: registration, email verification, sign-in and sign-out, password reset and change."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from portal.accounts import views  # noqa: E402,F401  (views register on bp)
