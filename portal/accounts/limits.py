"""Rate limits on sign-in, reset and registration (Flask-Limiter; storage from
RATELIMIT_STORAGE_URI: memory for one process, Redis whenever more than one worker serves)."""

from __future__ import annotations

from flask import Response, request
from flask_limiter.util import get_remote_address

from portal.accounts.services import normalise_email


def submitted_email() -> str:
    """The account a form names, so one account's limit holds across every client address."""
    return "email:" + normalise_email(request.form.get("email", ""))[:254]


def failed(response: Response) -> bool:
    """A sign-in that did not redirect was refused: only failures count against the limits."""
    return response.status_code != 302


client_address = get_remote_address
