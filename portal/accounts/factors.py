"""Second factors: an authenticator app (TOTP, RFC 6238, through pyotp) and ten single-use
recovery codes that stand in for it when it is lost. Staff must have an app; suppliers may add
one. Every change of factor ends the account's other sessions, is audited and is emailed to its
owner."""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from markupsafe import Markup

from portal import audit
from portal.accounts import emails
from portal.accounts.models import Passkey, RecoveryCode, User
from portal.accounts.passwords import hash_password, verify_password
from portal.extensions import db
from portal.time import utcnow

ISSUER = "Cheshire Supplier Portal"
STEP_SECONDS = 30
# A code from the step before or after this one is accepted too: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# Letters and digits a person cannot mistake for one another (no 0/o, 1/l/i).
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# A recovery code's first LOOKUP characters find it (stored as they are); the whole is checked
# against its argon2 hash, as passwords are: 79 bits, 59 of them secret in the database.
LOOKUP, CODE_LENGTH = 4, 16


def new_secret() -> str:
    """A fresh shared secret for an authenticator app: 160 random bits, in base32."""
    return pyotp.random_base32(32)


def qr_code(secret: str, user: User) -> Markup:
    """The secret as a QR code an authenticator app scans: SVG with its title, drawn with
    attributes only (no inline style, which the CSP refuses)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, title=f"QR code for {ISSUER}", svgclass="portal-qr")
    # Safe: segno writes the SVG; the only text in it is our title, escaped by segno.
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704  # nosec B704


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(typed: str) -> str:
    return "".join(typed.split())


def code_matches(secret: str, typed: str, *, after_step: int | None = None) -> int | None:
    """The time step whose code `typed` is (this step or one either side), if later than
    `after_step`; None if it is no such code."""
    code = _digits(typed)
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_SECONDS
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if (after_step is None or step > after_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_code(user: User, typed: str) -> bool:
    """Whether `typed` is the current code of the account's app, never accepted before. Claimed
    in one UPDATE, so two requests carrying the same code cannot both pass."""
    if user.totp_secret is None:
        return False
    step = code_matches(user.totp_secret, typed, after_step=user.totp_last_step)
    if step is None:
        return False
    claimed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    db.session.refresh(user, ["totp_last_step"])
    return True


def add_app(user: User, secret: str, typed: str) -> list[str] | None:
    """Add the authenticator app holding `secret`, or replace the account's app with it, once
    `typed` shows it gives the right codes: new recovery codes, returned to be shown once, and
    every other session ended. None where the code is wrong."""
    step = code_matches(secret, typed)
    if step is None:
        return None
    replacing = user.has_totp
    user.totp_secret, user.totp_added_at, user.totp_last_step = secret, utcnow(), step
    codes = _new_recovery_codes(user)
    user.session_version += 1
    audit.record("account.totp_replaced" if replacing else "account.totp_added", user, actor=user)
    emails.factor_changed(user, "replaced" if replacing else "added")
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes in place of the old, which stop working."""
    codes = _new_recovery_codes(user)
    audit.record("account.recovery_codes_renewed", user, actor=user)
    emails.factor_changed(user, "recovery_codes")
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes: dict[str, str] = {}
    while len(codes) < RECOVERY_CODES:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        codes.setdefault(code[:LOOKUP], code)
    db.session.add_all(
        RecoveryCode(user_id=user.id, lookup=lookup, code_hash=hash_password(code))
        for lookup, code in codes.items()
    )
    db.session.expire(user, ["recovery_codes"])
    return [_shown(code) for code in codes.values()]


def _shown(code: str) -> str:
    return "-".join(code[i : i + LOOKUP] for i in range(0, len(code), LOOKUP))


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(user: User, typed: str) -> bool:
    """Whether `typed` is one of the account's unused recovery codes; if so it is used up (in one
    UPDATE, so it cannot be used twice at once), audited and its owner told."""
    code = "".join(character for character in typed.lower() if character.isalnum())
    if len(code) != CODE_LENGTH:
        return False
    found = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.lookup == code[:LOOKUP],
            RecoveryCode.used_at.is_(None),
        )
    )
    if not verify_password(found.code_hash if found else None, code):
        return False
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.id == found.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return False
    left = recovery_codes_left(user)
    audit.record("account.recovery_code_used", user, actor=user, codes_left=left)
    emails.recovery_code_used(user, left)
    return True


def remove_factors(user: User, *, actor: User | None, check: str | None = None) -> None:
    """Take away the account's app and recovery codes and end its sessions: its owner removing
    them (suppliers only), or staff resetting every factor, passkeys too, for someone who lost
    them (`check`: how that person's identity was confirmed). Staff then add an app again at
    their next sign-in."""
    user.totp_secret = user.totp_added_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    by_owner = actor is not None and actor.id == user.id
    if by_owner:
        audit.record("account.totp_removed", user, actor=actor)
    else:
        db.session.execute(sa.delete(Passkey).where(Passkey.user_id == user.id))
        audit.record("account.factors_reset", user, actor=actor, source="cli", check=check)
    db.session.expire(user, ["recovery_codes", "passkeys"])
    emails.factor_changed(user, "removed" if by_owner else "reset")
