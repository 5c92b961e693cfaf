"""Passkeys: the account's list, adding one (named, confirmed with the password), removing one,
and signing in with one. The pages are the server's; static/js/passkeys.mjs only hands the
options to the browser's WebAuthn call and its answer back in a hidden field."""

from __future__ import annotations

import base64
import time

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.accounts import bp, passkeys, sessions
from portal.accounts.access import public
from portal.accounts.factor_views import password_confirmed
from portal.accounts.forms import NamePasskeyForm, PasskeyForm, SignInForm
from portal.accounts.limits import account_checks, client_address, passkey_refused
from portal.accounts.models import Passkey
from portal.accounts.views import landing_page, safe_next
from portal.extensions import db, limiter
from portal.forms import ConfirmForm

# Session keys: a passkey being added ({options, challenge, name, at}) and a sign-in's challenge.
ADDING, SIGNING_IN = "passkey_adding", "passkey_sign_in"
# How long the browser has to answer (its own timeout is two minutes).
CEREMONY_SECONDS = 300


def _keep(key: str, challenge: bytes, **extra: object) -> None:
    session[key] = {"challenge": base64.b64encode(challenge).decode(), "at": int(time.time()), **extra}


def _taken(key: str) -> dict | None:
    """The ceremony under way, once: a challenge is never answered twice."""
    kept = session.pop(key, None)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > CEREMONY_SECONDS:
        return None
    return {**kept, "challenge": base64.b64decode(kept["challenge"])}


@bp.route("/account/passkeys", methods=["GET", "POST"])
@account_checks
def passkeys_page():
    form = NamePasskeyForm()
    if form.validate_on_submit() and password_confirmed(form):
        options, challenge = passkeys.registration_options(current_user._get_current_object())
        db.session.commit()  # the account's passkey handle, made with its first passkey
        _keep(ADDING, challenge, options=options, name=form.name.data)
        return redirect(url_for(".create_passkey"))
    return render_template("accounts/passkeys.html", form=form, remove_form=ConfirmForm())


@bp.route("/account/passkeys/create", methods=["GET", "POST"])
def create_passkey():
    """The browser creates the passkey (GET: the page that asks it to), then the server keeps it."""
    if request.method == "GET":
        adding = session.get(ADDING)
        if not isinstance(adding, dict):
            return redirect(url_for(".passkeys_page"))
        return render_template("accounts/create_passkey.html", adding=adding, form=PasskeyForm())
    adding, form = _taken(ADDING), PasskeyForm()
    if adding is None or not form.validate_on_submit():
        flash("Adding the passkey took too long. Start again.")
        return redirect(url_for(".passkeys_page"))
    user = current_user._get_current_object()
    try:
        passkeys.add_passkey(user, adding["name"], form.credential.data or "", adding["challenge"])
    except passkeys.PasskeyRefused as refused:
        flash(str(refused))
        return redirect(url_for(".passkeys_page"))
    db.session.commit()
    sessions.go_on_after_change(user)
    flash(f"Your passkey “{adding['name']}” is added. You can sign in with it.", "success")
    return redirect(url_for(".passkeys_page"))


@bp.post("/account/passkeys/<int:passkey_id>/remove")
def remove_passkey(passkey_id: int):
    passkey = db.session.scalar(
        sa.select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == current_user.id)
    )
    if passkey is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        name = passkey.name
        passkeys.remove_passkey(passkey, actor=current_user._get_current_object())
        db.session.commit()
        sessions.go_on_after_change(current_user._get_current_object())
        flash(f"Your passkey “{name}” is removed.", "success")
    return redirect(url_for(".passkeys_page"))


@bp.post("/login/passkey/options")
@limiter.limit("50 per 5 minutes", key_func=client_address)
@public
def passkey_options():
    """A sign-in's WebAuthn options (JSON, for static/js/passkeys.mjs), their challenge kept."""
    options, challenge = passkeys.sign_in_options()
    _keep(SIGNING_IN, challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/login/passkey")
@limiter.limit("50 per 5 minutes", key_func=client_address, methods=["POST"], deduct_when=passkey_refused)
@public
def sign_in_with_passkey():
    """A passkey with its user verified is both factors: staff included, the session starts."""
    next_page = safe_next(request.args.get("next"))
    signing_in, form = _taken(SIGNING_IN), PasskeyForm()
    problem = "Signing in with a passkey took too long. Try again."
    if signing_in is not None and form.validate_on_submit():
        try:
            user = passkeys.authenticate(form.credential.data or "", signing_in["challenge"])
        except passkeys.PasskeyRefused as refused:
            problem = str(refused)
        else:
            db.session.commit()
            sessions.start_session(user, two_factor=True)
            return redirect(next_page or landing_page())
    return render_template(
        "accounts/login.html", form=SignInForm(formdata=None), passkey_problem=problem
    ), 400
