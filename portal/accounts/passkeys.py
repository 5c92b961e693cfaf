"""Passkeys (WebAuthn, through py_webauthn): any account may register them and sign in with one
instead of a password and a code. A passkey proves possession of the device and, with user
verification (a fingerprint, a face or the device's PIN), who holds it: both factors at once, so
it opens staff sessions too. The relying party is BASE_URL's host; browsers refuse WebAuthn on an
IP address, so development uses http://localhost."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
import webauthn
from flask import current_app
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal import audit
from portal.accounts import emails
from portal.accounts.models import Passkey, User
from portal.extensions import db
from portal.time import utcnow

RP_NAME = "Cheshire Supplier Portal"
TIMEOUT_MS = 120_000
NOT_SIGNED_IN = "That passkey did not sign you in. Try again, or sign in with your password."
# What py_webauthn raises for a response it cannot read or verify, and what bad JSON raises.
UNUSABLE = (WebAuthnException, ValueError, TypeError, KeyError)


T = TypeVar("T")


class PasskeyRefused(Exception):
    """A passkey the portal could not accept: the message says why, for the page."""


def relying_party() -> tuple[str, str]:
    """The relying party's ID (BASE_URL's host) and the origin pages are served from."""
    base = urlsplit(current_app.config["BASE_URL"])
    return base.hostname or "", f"{base.scheme}://{base.netloc}"


def registration_options(user: User) -> tuple[str, bytes]:
    """The options for the browser to create a passkey for `user` (JSON), and their challenge. A
    discoverable credential, so that signing in needs no address; the account's other passkeys
    are excluded, so one device is not registered twice."""
    if user.passkey_handle is None:
        user.passkey_handle = secrets.token_bytes(32)
    rp_id, _origin = relying_party()
    options = webauthn.generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=user.passkey_handle,
        user_name=user.email,
        user_display_name=user.name,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=key.credential_id) for key in user.passkeys],
    )
    return webauthn.options_to_json(options), options.challenge


def add_passkey(user: User, name: str, credential: str, challenge: bytes) -> Passkey:
    """Register the passkey the browser created. :raise PasskeyRefused:"""
    verified = _verified(
        webauthn.verify_registration_response,
        "Your device did not create a passkey the portal can use. Try again.",
        credential=credential,
        expected_challenge=challenge,
    )
    if db.session.scalar(sa.select(Passkey.id).where(Passkey.credential_id == verified.credential_id)):
        raise PasskeyRefused("That passkey is already registered.")
    passkey = Passkey(
        user=user,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports(credential),
    )
    db.session.add(passkey)
    user.session_version += 1
    audit.record("account.passkey_added", user, actor=user, name=name)
    emails.passkey_changed(user, name, added=True)
    return passkey


def _verified(verify: Callable[..., T], refusal: str, **arguments: object) -> T:
    """`verify`'s result for an answer from the portal's origin, for its relying party, with the
    user verified. :raise PasskeyRefused: with `refusal`, for an answer it cannot read or trust."""
    rp_id, origin = relying_party()
    try:
        return verify(
            expected_rp_id=rp_id, expected_origin=origin, require_user_verification=True, **arguments
        )
    except UNUSABLE as error:
        raise PasskeyRefused(refusal) from error


def _transports(credential: str) -> list[str]:
    """How the browser said it reaches the passkey (usb, internal, hybrid...), for later sign-ins."""
    try:
        transports = json.loads(credential).get("response", {}).get("transports", [])
    except (ValueError, AttributeError):
        return []
    return [str(transport)[:20] for transport in transports if isinstance(transport, str)][:8]


def sign_in_options() -> tuple[str, bytes]:
    """Options for the browser to sign in with any passkey it holds for the portal, and their challenge."""
    rp_id, _origin = relying_party()
    options = webauthn.generate_authentication_options(
        rp_id=rp_id, timeout=TIMEOUT_MS, user_verification=UserVerificationRequirement.REQUIRED
    )
    return webauthn.options_to_json(options), options.challenge


def authenticate(credential: str, challenge: bytes) -> User:
    """The active account whose passkey signed `challenge`, with the user verified.
    :raise PasskeyRefused:"""
    try:
        parsed = parse_authentication_credential_json(credential)
    except UNUSABLE as error:
        raise PasskeyRefused(NOT_SIGNED_IN) from error
    passkey = db.session.scalar(sa.select(Passkey).where(Passkey.credential_id == parsed.raw_id))
    if passkey is None or passkey.user.is_disabled:
        raise PasskeyRefused(NOT_SIGNED_IN)
    verified = _verified(
        webauthn.verify_authentication_response,
        NOT_SIGNED_IN,
        credential=parsed,
        expected_challenge=challenge,
        credential_public_key=passkey.public_key,
        credential_current_sign_count=passkey.sign_count,
    )
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    return passkey.user


def remove_passkey(passkey: Passkey, *, actor: User) -> None:
    """Its owner removes a passkey (a lost phone): it signs nobody in from now, and the account's
    other sessions end."""
    user = passkey.user
    db.session.delete(passkey)
    user.session_version += 1
    audit.record("account.passkey_removed", user, actor=actor, name=passkey.name)
    emails.passkey_changed(user, passkey.name, added=False)
