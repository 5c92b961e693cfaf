"""Every write the accounts area makes. Services flush; the view commits."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit, tokens
from portal.accounts import emails
from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password, hasher, verify_password
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationInvitation
from portal.outbox import link
from portal.time import utcnow


def normalise_email(email: str) -> str:
    """The form an address is stored and looked up in: one account per address, whatever its case."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def register_supplier(
    *,
    name: str,
    email: str,
    password: str,
    organisation_name: str | None = None,
    invitation: OrganisationInvitation | None = None,
) -> User | None:
    """Create the organisation with this person as its first member and send the verification
    link; or, with a colleague's invitation (for this address), make them a member of the
    inviting organisation (the caller then accepts the invitation, whose link proved the address:
    portal.organisations.services.colleagues.accept_invitation). For an address already
    registered, email its owner instead and return None: the page looks the same either way, so
    it reveals nothing."""
    address = normalise_email(email)
    if invitation is not None and invitation.email != address:
        raise ValueError("an invitation joins only the address it was sent to")
    password_hash = hash_password(password)  # before the look-up: both paths take as long
    organisation = invitation.organisation if invitation else Organisation(name=organisation_name)
    user = None if find_user(address) else _add_supplier(address, name, password_hash, organisation)
    if user is None:
        emails.already_registered(address)
        return None
    _record_registration(user, invitation)
    return user


def _add_supplier(address: str, name: str, password_hash: str, organisation: Organisation) -> User | None:
    """The new account, a member of `organisation`; None where the address got an account meanwhile."""
    user = User(
        email=address,
        name=name,
        password_hash=password_hash,
        role=Role.SUPPLIER,
        password_changed_at=utcnow(),
    )
    try:
        with db.session.begin_nested():  # two registrations racing for one address
            db.session.add_all([organisation, user])
            user.organisation = organisation  # once both are in the session (an invitation's already is)
    except IntegrityError:
        return None
    return user


def _record_registration(user: User, invitation: OrganisationInvitation | None) -> None:
    """Audit the registration and send the verification link, unless an invitation's link proved
    the address (its caller accepts the invitation)."""
    details = {"organisation_id": user.organisation.id}
    if invitation is not None:
        details["invitation_id"] = invitation.id
    audit.record("account.registered", user, actor=user, **details)
    if invitation is None:
        send_verification(user)


def send_verification(user: User) -> None:
    token = tokens.make_token(tokens.VERIFY_EMAIL, {"user": user.id, "email": user.email})
    emails.verify_email(
        user,
        link("accounts.verify_email", token=token),
        utcnow() + tokens.LIFETIMES[tokens.VERIFY_EMAIL],
    )


class Verification(enum.StrEnum):
    VERIFIED = "verified"
    ALREADY = "already verified"


def user_for_verification(token: str) -> User:
    """The account a genuine verification link is for. :raise InvalidLink, ExpiredLink:"""
    payload = tokens.read_token(tokens.VERIFY_EMAIL, token)
    user = db.session.get(User, payload.get("user"))
    if user is None or user.email != payload.get("email"):
        raise tokens.InvalidLink("the account or its address has changed")
    return user


def verify_email(user: User) -> Verification:
    if user.is_verified:
        return Verification.ALREADY
    user.email_verified_at = utcnow()
    audit.record("account.email_verified", user, actor=user)
    return Verification.VERIFIED


class AddressTaken(ValueError):
    """The address has an account of its own."""


class OtherAccountsLink(tokens.InvalidLink):
    """A genuine link to change an address, for another account than the one signed in."""


def request_email_change(user: User, new_email: str) -> None:
    """Email the new address a link that makes it the account's; nothing changes until it is
    followed. An address that has an account already gets a note instead, and the page that
    follows is the same: as with registration, asking reveals nothing about who has an account."""
    address = normalise_email(new_email)
    if find_user(address) is not None:
        emails.email_change_to_used_address(address)
        return
    payload = {"user": user.id, "from": tokens.address_fingerprint(user.email), "to": address}
    token = tokens.make_token(tokens.CHANGE_EMAIL, payload)
    expires_at = utcnow() + tokens.LIFETIMES[tokens.CHANGE_EMAIL]
    emails.change_email(user, address, link("accounts.confirm_email_change", token=token), expires_at)


def email_change_for(token: str, user: User) -> str:
    """The new address a genuine, unused change link asks `user`'s account to take.
    :raise OtherAccountsLink: the link is another account's.
    :raise InvalidLink, ExpiredLink: the link is not genuine, too old, used, or the account's
    address has changed since it was sent."""
    payload = tokens.read_token(tokens.CHANGE_EMAIL, token)
    if payload.get("user") != user.id:
        raise OtherAccountsLink("the link is for another account")
    if payload.get("from") != tokens.address_fingerprint(user.email):
        raise tokens.InvalidLink("the address has changed since this link was sent")
    return payload["to"]


def change_email(user: User, address: str) -> None:
    """Give the account the address its link reached (which confirms it), end every session of
    the account and tell the old address. :raise AddressTaken: another account has it now."""
    old = user.email
    if find_user(address) is not None:
        raise AddressTaken(address)
    try:
        with db.session.begin_nested():  # another account taking the address at the same moment
            user.email = address
    except IntegrityError:
        raise AddressTaken(address) from None
    user.email_verified_at = utcnow()
    end_sessions(user)
    audit.record("account.email_changed", user, actor=user, old_email=old, new_email=address)
    emails.email_changed(user, old)


def authenticate(email: str, password: str) -> User | None:
    """The active account these credentials open, or None. An unknown address costs the same
    hashing work as a known one, and a disabled account fails like a wrong password."""
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user.is_disabled:
        return None
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # the hash settings were raised since
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link, or, for an unknown address, a note that it has no account: the same
    page and the same work either way."""
    user = find_user(email)
    if user is None or user.is_disabled:
        emails.reset_no_account(normalise_email(email))
        return
    _send_reset_link(user)


def _send_reset_link(user: User) -> None:
    expires_at = utcnow() + tokens.LIFETIMES[tokens.RESET_PASSWORD]
    emails.reset_password(user, password_link(user, tokens.RESET_PASSWORD), expires_at)


def set_password(user: User, password: str, *, reason: str) -> None:
    """Set a new password, end every session of the account, and tell its owner (unless it is
    the first password, set from an invitation)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_sessions(user)
    audit.record(f"account.password_{reason}", user, actor=user)
    if reason == "invitation":
        return  # a first password, chosen from the invitation: nothing to warn about
    emails.password_changed(user)


def end_sessions(user: User) -> None:
    """Every session cookie issued before now stops working at its next request."""
    user.session_version += 1


def password_matches(user: User, password: str) -> bool:
    return verify_password(user.password_hash, password)


def password_link(user: User, purpose: str) -> str:
    """A link to set the password, single-use: it dies once the password hash changes."""
    token = tokens.make_token(
        purpose, {"user": user.id, "pw": tokens.password_fingerprint(user.password_hash)}
    )
    endpoint = "accounts.reset_password" if purpose == tokens.RESET_PASSWORD else "accounts.accept_invitation"
    return link(endpoint, token=token)


def create_staff(
    *, email: str, name: str, role: Role, password: str | None = None, actor: User | None = None
) -> User:
    """A staff account (never in an organisation). Without a password, the person is emailed a
    link to set one. :raise ValueError: the address already has an account."""
    user = _staff_account(normalise_email(email), name, role, password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "account.staff_created", user, actor=actor, source="cli", role=role.value, invited=password is None
    )
    if password is None:
        _send_staff_invitation(user, actor)
    return user


def _staff_account(address: str, name: str, role: Role, password: str | None) -> User:
    """With a password (given by whoever creates the account), the account is ready to use;
    without, its owner sets one from the invitation, which also proves the address.
    :raise ValueError: not a staff role, or the address already has an account."""
    if role not in {Role.OFFICER, Role.ADMIN}:
        raise ValueError("staff are officers or admins")
    if find_user(address) is not None:
        raise ValueError(f"{address} already has an account")
    return User(
        email=address,
        name=name,
        role=role,
        email_verified_at=utcnow() if password else None,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
    )


def _send_staff_invitation(user: User, actor: User | None) -> None:
    expires_at = utcnow() + tokens.LIFETIMES[tokens.INVITATION]
    emails.staff_invitation(user, actor, password_link(user, tokens.INVITATION), expires_at)


def user_for_password_link(token: str, purpose: str) -> User:
    """The account a genuine, unused reset or invitation link is for. :raise InvalidLink, ExpiredLink:"""
    payload = tokens.read_token(purpose, token)
    user = db.session.get(User, payload.get("user"))
    if user is None or user.is_disabled:
        raise tokens.InvalidLink("no such account")
    if payload.get("pw") != tokens.password_fingerprint(user.password_hash):
        raise tokens.InvalidLink("the password has changed since this link was sent")
    return user


def set_disabled(user: User, disabled: bool, *, actor: User) -> None:
    """Disable or re-enable an account; disabling ends its sessions at once."""
    if user.id == actor.id:
        raise ValueError("you cannot disable your own account")
    user.is_disabled = disabled
    end_sessions(user)
    audit.record("account.disabled" if disabled else "account.enabled", user, actor=actor, email=user.email)
