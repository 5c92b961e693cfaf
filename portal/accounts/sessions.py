"""Sessions that really end, and sign-in's second step.

Flask-Login keeps "<user id>:<session version>" in the signed session cookie: sign-out and a
password change bump the account's version, so an older cookie (replayed, or on another device)
loads no user. The sign-in time and the last request's time are in the cookie too, and every
request checks them against the idle and absolute limits: keeping a session alive writes the
cookie, never the database. The last request's time is renewed at most once a minute
(RENEW_AFTER_SECONDS), so most responses do not re-sign and re-set the cookie; the idle limit may
then end a session up to that much early, never late.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, current_app, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.database import built_once
from portal.extensions import db, login_manager

SIGNED_IN_AT = "signed_in_at"
# Whether this session passed a second factor: a staff session must have (see enforce_session_limits).
TWO_FACTOR = "two_factor"
# A sign-in whose password was right, waiting for its second factor: the account ("<id>:<session
# version>"), when, and the page to go on to. Nobody is signed in until the factor passes.
PENDING = "pending_sign_in"
PENDING_SECONDS = 600
SEEN_AT = "seen_at"
ENDED = "session_ended"  # why the last session ended, for the sign-in page to say
# Whether the account has an organisation, noted at sign-in so that the account is loaded with
# its organisation only when it has one: joining it costs the ORM a third of the load (staff
# have none). Only a choice of statement: a wrong note costs a lazy load, never a wrong answer.
WITH_ORGANISATION = "with_organisation"
# A request within this many seconds of the noted one leaves the cookie as it is.
RENEW_AFTER_SECONDS = 60


# Every signed-in page loads its account; built once with the pledge status's statements (ethics),
# /account went 1.8 -> 1.4 ms a GET (docs/performance.md).
@built_once
def _user(*, with_organisation: bool) -> sa.Select:
    """The signed-in account (`user_id`), and its organisation where it has one (suppliers' pages
    all show it), in one query."""
    query = sa.select(User).where(User.id == sa.bindparam("user_id"))
    return query.options(joinedload(User.organisation)) if with_organisation else query


@login_manager.user_loader
def load_user(key: str, *, with_organisation: bool | None = None) -> User | None:
    user_id, _, version = key.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    if with_organisation is None:
        with_organisation = session.get(WITH_ORGANISATION, True)
    statement = _user(with_organisation=with_organisation)
    user = db.session.scalars(statement, {"user_id": int(user_id)}).one_or_none()
    if user is None or user.is_disabled or user.session_version != int(version):
        return None
    return user


def start_session(user: User, *, two_factor: bool) -> None:
    """A new session for `user`, who passed a second factor or not: nothing from before sign-in
    is carried over."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    session[WITH_ORGANISATION] = user.organisation_id is not None
    session[TWO_FACTOR] = two_factor


def go_on_after_change(user: User) -> None:
    """After a change that ended every session of the account: this one starts again, with the
    factors it had passed."""
    start_session(user, two_factor=session.get(TWO_FACTOR, False))


def await_second_factor(user: User, next_page: str | None) -> None:
    """The password was right: remember the sign-in until its second factor passes."""
    session.clear()
    session[PENDING] = {"user": user.get_id(), "at": int(time.time()), "next": next_page}


def pending_sign_in() -> tuple[User, str | None] | None:
    """The account waiting for its second factor, and the page to go on to; None where there is
    none, it is too old, or the account changed since (disabled, signed out, new factors)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = load_user(str(pending.get("user", "")), with_organisation=False)
    return (user, pending.get("next")) if user is not None else None


def end_session(reason: str | None = None) -> None:
    logout_user()
    session.clear()
    if reason:
        session[ENDED] = reason


def seconds_left() -> int:
    """Until the idle limit ends this session (for the timeout warning)."""
    config = current_app.config
    now = time.time()
    idle = session.get(SEEN_AT, now) + config["SESSION_IDLE_SECONDS"] - now
    absolute = session.get(SIGNED_IN_AT, now) + config["SESSION_ABSOLUTE_SECONDS"] - now
    return max(0, int(min(idle, absolute)))


def renew_session() -> None:
    session[SEEN_AT] = int(time.time())


def enforce_session_limits() -> None:
    """before_request: end a session past its idle or absolute limit, else note this request
    (once a minute at most: see RENEW_AFTER_SECONDS). A page's own files (CSS, scripts, images)
    are not activity, and cost no database look-up; nor do `@accountless` views, nor a path that
    is no page (404)."""
    if request.endpoint in {None, "static"} or _accountless() or not current_user.is_authenticated:
        return
    config = current_app.config
    now = time.time()
    seen = now - session.get(SEEN_AT, 0)
    if current_user.is_staff and not session.get(TWO_FACTOR):
        end_session()  # staff sign in with a second factor: a session without one is no session
    elif now - session.get(SIGNED_IN_AT, 0) > config["SESSION_ABSOLUTE_SECONDS"]:
        end_session("absolute")
    elif seen > config["SESSION_IDLE_SECONDS"]:
        end_session("idle")
    elif seen >= RENEW_AFTER_SECONDS:
        renew_session()


def _accountless() -> bool:
    return getattr(current_app.view_functions.get(request.endpoint or ""), "accountless", False)


def init_sessions(app: Flask) -> None:
    app.before_request(enforce_session_limits)
