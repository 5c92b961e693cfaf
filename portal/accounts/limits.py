"""Rate limits on sign-in, codes, password checks, reset, registration and links to change an
address (Flask-Limiter; storage from RATELIMIT_STORAGE_URI: memory for one process, Redis whenever
more than one worker serves, which production insists on: see config.ProductionConfig)."""

from __future__ import annotations

from flask import Response, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.accounts.services import normalise_email
from portal.accounts.sessions import PENDING
from portal.extensions import limiter


def submitted_email() -> str:
    """The account a form names, so one account's limit holds across every client address."""
    return "email:" + normalise_email(request.form.get("email", ""))[:254]


def failed(response: Response) -> bool:
    """A password or code that was refused shows its form again (200): only those count against
    the limits, not a success (302), an expired form (400) or an outage (503), which would
    otherwise lock people out once the database is back."""
    return response.status_code == 200


def accepted(response: Response) -> bool:
    """A form that was accepted redirects (post/redirect/get): only those count against a limit
    on what a form sends, not a refusal that sends nothing."""
    return response.status_code == 302


def passkey_refused(response: Response) -> bool:
    """A passkey sign-in that was refused shows the sign-in page with a 400."""
    return response.status_code == 400


client_address = get_remote_address


def pending_account() -> str:
    """Sign-in codes count against the account waiting for them, whichever client sends them."""
    pending = session.get(PENDING)
    user = str(pending.get("user", "")) if isinstance(pending, dict) else ""
    return "pending:" + user.partition(":")[0]


def signed_in_account() -> str:
    return f"account:{current_user.id}"


# Guesses at an account's codes and password, limited per account like sign-in (10 refusals in 5
# minutes, from any client), with one count across every page that asks: codes at sign-in, and
# the current password or a code on a signed-in account's own pages.
sign_in_codes = limiter.shared_limit(
    "10 per 5 minutes", "sign-in-codes", key_func=pending_account, methods=["POST"], deduct_when=failed
)
account_checks = limiter.shared_limit(
    "10 per 5 minutes", "account-checks", key_func=signed_in_account, methods=["POST"], deduct_when=failed
)
