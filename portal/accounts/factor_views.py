"""Sign-in's second step (an authenticator app's code, or a recovery code), adding an app, and the
account's page for its factors. Staff cannot sign in without an app: one who has none adds it
right after their password, before anything else."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug import Response

from portal.accounts import bp, factors, sessions
from portal.accounts.access import public
from portal.accounts.forms import AddAppForm, ChangeEmailForm, CodeForm, PasswordConfirmForm, RecoveryCodeForm
from portal.accounts.limits import account_checks, sign_in_codes
from portal.accounts.models import User
from portal.accounts.services import password_matches
from portal.accounts.views import landing_page
from portal.extensions import db

# The secret of an app being added, until its first code shows it was added right.
NEW_APP = "new_app"  # a session key
WRONG_CODE = "Enter the code your authenticator app shows now"


def _new_secret() -> str:
    return session.setdefault(NEW_APP, factors.new_secret())


def _signed_in(user: User, next_page: str | None) -> Response:
    db.session.commit()
    sessions.start_session(user, two_factor=True)
    return redirect(next_page or landing_page())


@bp.route("/login/code", methods=["GET", "POST"])
@sign_in_codes
@public
def enter_code():
    pending = sessions.pending_sign_in()
    if pending is None:
        return redirect(url_for("accounts.login"))
    user, next_page = pending
    if not user.has_totp:
        return redirect(url_for("accounts.add_app_to_sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        if factors.accept_code(user, form.code.data):
            return _signed_in(user, next_page)
        form.code.errors.append(WRONG_CODE)
    return render_template("accounts/enter_code.html", form=form)


@bp.route("/login/recovery-code", methods=["GET", "POST"])
@sign_in_codes
@public
def enter_recovery_code():
    pending = sessions.pending_sign_in()
    if pending is None or not pending[0].has_totp:
        return redirect(url_for("accounts.login"))
    user = pending[0]
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if factors.use_recovery_code(user, form.code.data):
            left = factors.recovery_codes_left(user)
            db.session.commit()
            sessions.start_session(user, two_factor=True)
            flash(f"You signed in with a recovery code. You have {left} left: each works once.")
            return redirect(url_for(".two_factor"))
        form.code.errors.append("Enter one of your recovery codes that has not been used")
    return render_template("accounts/enter_recovery_code.html", form=form)


@bp.route("/login/add-authenticator-app", methods=["GET", "POST"])
@sign_in_codes
@public
def add_app_to_sign_in():
    """A staff member with no app adds one before anything else."""
    pending = sessions.pending_sign_in()
    if pending is None:
        return redirect(url_for("accounts.login"))
    user, next_page = pending
    if user.has_totp:
        return redirect(url_for("accounts.enter_code"))
    secret = _new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        codes = factors.add_app(user, secret, form.code.data)
        if codes is not None:
            db.session.commit()
            sessions.start_session(user, two_factor=True)
            return render_template(
                "accounts/recovery_codes.html", codes=codes, next_page=next_page or landing_page()
            )
        form.code.errors.append(WRONG_CODE)
    return _add_app_page(form, user, secret, at_sign_in=True)


def _add_app_page(form: CodeForm, user: User, secret: str, *, at_sign_in: bool) -> str:
    return render_template(
        "accounts/add_app.html",
        form=form,
        qr_code=factors.qr_code(secret, user),
        secret=factors.grouped(secret),
        at_sign_in=at_sign_in,
    )


@bp.get("/account/two-factor")
def two_factor():
    left = factors.recovery_codes_left(current_user) if current_user.has_totp else 0
    return render_template("accounts/two_factor.html", recovery_codes_left=left)


def password_confirmed(form: PasswordConfirmForm | AddAppForm | ChangeEmailForm) -> bool:
    """Whether the form gives the account's password; where not, the field says so."""
    if password_matches(current_user, form.password.data):
        return True
    form.password.errors.append("Your password is not correct")
    return False


@bp.route("/account/two-factor/app", methods=["GET", "POST"])
@account_checks
def add_app():
    """Add an app, or replace the one the account has (a new phone)."""
    user = current_user._get_current_object()
    secret = _new_secret()
    form = AddAppForm()
    if form.validate_on_submit() and password_confirmed(form):
        codes = factors.add_app(user, secret, form.code.data)
        if codes is not None:
            db.session.commit()
            sessions.start_session(user, two_factor=True)  # every other session has ended
            return render_template(
                "accounts/recovery_codes.html", codes=codes, next_page=url_for(".two_factor")
            )
        form.code.errors.append(WRONG_CODE)
    return _add_app_page(form, user, secret, at_sign_in=False)


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@account_checks
def renew_recovery_codes():
    if not current_user.has_totp:
        return redirect(url_for(".two_factor"))
    form = PasswordConfirmForm()
    if form.validate_on_submit() and password_confirmed(form):
        codes = factors.renew_recovery_codes(current_user._get_current_object())
        db.session.commit()
        return render_template("accounts/recovery_codes.html", codes=codes, next_page=url_for(".two_factor"))
    return render_template("accounts/confirm_factor_change.html", form=form, change="recovery_codes")


@bp.route("/account/two-factor/remove", methods=["GET", "POST"])
@account_checks
def remove_app():
    """Suppliers may sign in with a password alone; staff may not (they replace their app instead)."""
    if current_user.is_staff:
        abort(403)
    if not current_user.has_totp:
        return redirect(url_for(".two_factor"))
    form = PasswordConfirmForm()
    if form.validate_on_submit() and password_confirmed(form):
        user = current_user._get_current_object()
        factors.remove_factors(user, actor=user)
        db.session.commit()
        sessions.start_session(user, two_factor=False)
        flash("Your authenticator app and recovery codes have been removed.", "success")
        return redirect(url_for(".two_factor"))
    return render_template("accounts/confirm_factor_change.html", form=form, change="remove")
