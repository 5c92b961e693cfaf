from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal import tokens
from portal.accounts import bp, services, sessions
from portal.accounts.access import public, unverified_allowed
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from portal.accounts.limits import account_checks, client_address, failed, submitted_email
from portal.accounts.models import User
from portal.extensions import db, limiter
from portal.forms import ConfirmForm
from portal.organisations.models import OrganisationInvitation
from portal.organisations.services import colleagues

SIGN_IN_LIMITS = {"methods": ["POST"], "deduct_when": failed}
EMAIL_LIMITS = {"methods": ["POST"]}


def safe_next(value: str | None) -> str | None:
    """Only a path on the portal itself: never another site, scheme or protocol-relative URL."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(ord(character) < 32 for character in value) or "\\" in value:
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def landing_page() -> str:
    """Staff land in the officer workspace, suppliers on their account page."""
    if current_user.is_authenticated and current_user.is_staff:
        return url_for("officers.home")
    return url_for("home.account")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("5 per hour", key_func=submitted_email, **EMAIL_LIMITS)
@limiter.limit("20 per hour", key_func=client_address, **EMAIL_LIMITS)
@public
def register():
    if current_user.is_authenticated:
        return redirect(landing_page())
    token = request.args.get("invitation")
    if token is not None:
        return register_by_invitation(token)
    return _register_with_organisation()


def _register_with_organisation():
    """Registering a new organisation, with this person its first member, who then confirms their address."""
    form = RegisterForm()
    if form.validate_on_submit():
        services.register_supplier(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            organisation_name=form.organisation_name.data,
        )
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


def register_by_invitation(token: str):
    """Registering from a colleague's invitation joins the inviting organisation (so its name is
    not asked). Whoever holds the link can read the invited mailbox, so telling them that the
    address already has an account reveals nothing the mailbox would not."""
    try:
        invitation = colleagues.invitation_for_token(token, lock=request.method == "POST")
    except tokens.InvalidLink as error:
        return render_template(
            "organisations/colleagues_link_problem.html", expired=isinstance(error, tokens.ExpiredLink)
        ), 400
    form = RegisterForm(email=invitation.email)
    del form.organisation_name
    join_url = url_for("organisations.join", token=token)
    if form.validate_on_submit() and _is_invited_address(form, invitation):
        return _join_by_registering(form, invitation, join_url)
    return render_template("accounts/register.html", form=form, invitation=invitation, join_url=join_url)


def _is_invited_address(form: RegisterForm, invitation: OrganisationInvitation) -> bool:
    """Whether the form gives the address the invitation was sent to; where not, the field says so."""
    if services.normalise_email(form.email.data) == invitation.email:
        return True
    form.email.errors.append(f"Enter the email address your invitation was sent to, {invitation.email}")
    return False


def _join_by_registering(form: RegisterForm, invitation: OrganisationInvitation, join_url: str):
    """Register the invited person as a member of the inviting organisation and sign them in; an
    address with an account already is sent to sign in and join from there."""
    user = services.register_supplier(
        name=form.name.data, email=invitation.email, password=form.password.data, invitation=invitation
    )
    if user is not None:
        colleagues.accept_invitation(invitation, user)
    db.session.commit()
    organisation = invitation.organisation.name
    if user is None:
        flash(f"You already have an account with {invitation.email}. Sign in to join {organisation}.")
        return redirect(url_for("accounts.login", next=join_url))
    sessions.start_session(user, two_factor=False)
    flash(f"Your account is ready and you have joined {organisation}.", "success")
    return redirect(url_for("organisations.colleagues"))


def _link_problem(error: tokens.InvalidLink, purpose: str) -> tuple[str, int]:
    """The page for a link that is not, or no longer, good: expired, used or changed."""
    page = render_template(
        "accounts/link_problem.html", expired=isinstance(error, tokens.ExpiredLink), purpose=purpose
    )
    return page, 400


@bp.get("/verify-email/<token>")
@public
def verify_email(token: str):
    """A GET never changes anything (mail scanners follow links): the button below does."""
    try:
        user = services.user_for_verification(token)
    except tokens.InvalidLink as error:
        return _link_problem(error, "verify")
    return render_template("accounts/verify_email.html", form=ConfirmForm(), user=user)


@bp.post("/verify-email/<token>")
@public
def confirm_email(token: str):
    form = ConfirmForm()
    try:
        user = services.user_for_verification(token)
    except tokens.InvalidLink as error:
        return _link_problem(error, "verify")
    if not form.validate_on_submit():
        return render_template("accounts/verify_email.html", form=form, user=user), 400
    outcome = services.verify_email(user)
    db.session.commit()
    if outcome is services.Verification.ALREADY:
        flash("Your email address is already confirmed.")
    else:
        flash("Your email address is confirmed.", "success")
    return redirect(landing_page() if current_user.is_authenticated else url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per 5 minutes", key_func=submitted_email, **SIGN_IN_LIMITS)
@limiter.limit("50 per 5 minutes", key_func=client_address, **SIGN_IN_LIMITS)
@public
def login():
    next_page = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_page or landing_page())
    form = SignInForm()
    ended = session.pop(sessions.ENDED, None) if request.method == "GET" else None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            if user.is_staff or user.has_totp:
                sessions.await_second_factor(user, next_page)
                step = "accounts.enter_code" if user.has_totp else "accounts.add_app_to_sign_in"
                return redirect(url_for(step))
            sessions.start_session(user, two_factor=False)
            return redirect(next_page or landing_page())
        # One message for every failure: unknown address, wrong password or disabled account.
        form.email.errors.append("Enter a correct email address and password")
    return render_template("accounts/login.html", form=form, ended=ended)


@bp.post("/logout")
@unverified_allowed
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(landing_page())
    _end_every_session()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.login"))


def _end_every_session() -> None:
    """Signing out ends the account's sessions on every device, this one too."""
    services.end_sessions(current_user)
    db.session.commit()
    sessions.end_session()


@bp.post("/session/renew")
@unverified_allowed
def renew_session():
    """ "Stay signed in": renews the idle deadline (the absolute one stands). Called by the
    timeout warning with the CSRF token in a header, which CSRFProtect checks."""
    sessions.renew_session()
    return jsonify(seconds_left=sessions.seconds_left())


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per hour", key_func=submitted_email, **EMAIL_LIMITS)
@limiter.limit("20 per hour", key_func=client_address, **EMAIL_LIMITS)
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return set_password_from_link(token, tokens.RESET_PASSWORD)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return set_password_from_link(token, tokens.INVITATION)


def set_password_from_link(token: str, purpose: str):
    """A reset or invitation link: choose a password, which also proves the email address."""
    kind = "reset" if purpose == tokens.RESET_PASSWORD else "invitation"
    try:
        user = services.user_for_password_link(token, purpose)
    except tokens.InvalidLink as error:
        return _link_problem(error, kind)
    form = ResetPasswordForm(known_email=user.email, known_name=user.name)
    if form.validate_on_submit():
        return _save_password(user, form.password.data, kind)
    return render_template(
        "accounts/reset_password.html", form=form, invitation=kind == "invitation", user=user
    )


def _save_password(user: User, password: str, kind: str):
    """Set the password chosen from a reset or invitation link, and send the person to sign in with it."""
    services.set_password(user, password, reason=kind)
    if not user.is_verified:
        services.verify_email(user)  # the link reached this address, which proves it
    db.session.commit()
    sessions.end_session()
    done = "changed" if kind == "reset" else "set"
    flash(f"Your password has been {done}. Sign in with your new password.", "success")
    return redirect(url_for("accounts.login"))


@bp.post("/account/resend-verification")
@limiter.limit("5 per hour", key_func=lambda: f"resend:{current_user.get_id()}")
@unverified_allowed
def resend_verification():
    if ConfirmForm().validate_on_submit() and not current_user.is_verified:
        services.send_verification(current_user)
        db.session.commit()
        flash(f"We have sent a new link to {current_user.email}.", "success")
    return redirect(url_for("home.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@account_checks
@unverified_allowed
def change_password():
    form = ChangePasswordForm(known_email=current_user.email, known_name=current_user.name)
    if form.validate_on_submit() and _is_current_password(form):
        _set_new_password(form.password.data)
        flash("Your password has been changed. You have been signed out everywhere else.", "success")
        return redirect(url_for("home.account"))
    return render_template("accounts/change_password.html", form=form)


def _is_current_password(form: ChangePasswordForm) -> bool:
    """Whether the form gives the account's current password; where not, the field says so."""
    if services.password_matches(current_user, form.current_password.data):
        return True
    form.current_password.errors.append("Your current password is not correct")
    return False


def _set_new_password(password: str) -> None:
    """Change the password, which ends every session of the account, and start this one again."""
    user = current_user._get_current_object()
    services.set_password(user, password, reason="changed")
    db.session.commit()
    sessions.go_on_after_change(user)


@bp.app_context_processor
def session_timeout_settings() -> dict:
    """What the timeout warning needs to know (signed-in pages only)."""
    if not current_user.is_authenticated:
        return {}
    return {
        "session_timeout": {
            "seconds_left": sessions.seconds_left(),
            "warn_before": current_app.config["SESSION_WARNING_SECONDS"],
            "renew_url": url_for("accounts.renew_session"),
            "login_url": url_for("accounts.login"),
        }
    }
