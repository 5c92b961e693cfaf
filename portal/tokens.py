"""Signed, expiring links: email verification (48 hours), password reset (1 hour), a staff
invitation to set a first password (72 hours), a member's invitation to a colleague to join
their organisation (7 days) and a change of an account's email address (24 hours).

A reset or invitation link also carries a fingerprint of the password hash it was issued against, so it works
once: setting the password (through the link or otherwise) changes the hash and kills the link.
A verification link carries the address it verifies. A colleague's invitation carries the
invitation's id and the address it was sent to: it works once (the invitation's `accepted_at`) and
not at all once the invitation is cancelled (its row is deleted). A change of address carries the
account, the new address and a keyed fingerprint of the account's address when the link was sent
(not the address itself: a link mailed to a mistyped address must not tell a stranger the old
one): it works once, and not at all once the address has changed another way (another such link).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"  # noqa: S105 (a purpose name, not a password)
INVITATION = "invitation"
COLLEAGUE_INVITATION = "colleague-invitation"
CHANGE_EMAIL = "change-email"
# An opportunity alert's unsubscribe link: it must still work when an old alert is found.
ALERTS_UNSUBSCRIBE = "alerts-unsubscribe"
LIFETIMES = {
    VERIFY_EMAIL: timedelta(hours=48),
    RESET_PASSWORD: timedelta(hours=1),
    INVITATION: timedelta(hours=72),
    COLLEAGUE_INVITATION: timedelta(days=7),
    CHANGE_EMAIL: timedelta(hours=24),
    ALERTS_UNSUBSCRIBE: timedelta(days=730),
}


class InvalidLink(Exception):
    """The link was tampered with, is for something else, or is not for this state."""


class ExpiredLink(InvalidLink):
    """The link was genuine but is older than its lifetime."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"portal.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> dict:
    """The payload of a genuine, unexpired token for `purpose`. :raise InvalidLink, ExpiredLink:"""
    try:
        payload = _serializer(purpose).loads(token, max_age=LIFETIMES[purpose].total_seconds())
    except SignatureExpired as error:
        raise ExpiredLink(str(error)) from None
    except BadSignature as error:
        raise InvalidLink(str(error)) from None
    if not isinstance(payload, dict):
        raise InvalidLink("unexpected payload")
    return payload


def password_fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def address_fingerprint(address: str) -> str:
    """A digest of an address for a link to carry in its place, keyed with the secret key so that
    nobody holding the link can check a guess of the address against it."""
    return hmac.new(current_app.secret_key.encode(), address.encode(), hashlib.sha256).hexdigest()[:16]
