"""Changing the account's email address: the new address is sent a link, and only following it,
signed in as the account, makes the change; the old address is then told, and every other
session of the account ends."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug import Response

from portal import tokens
from portal.accounts import bp, services, sessions
from portal.accounts.access import unverified_allowed
from portal.accounts.factor_views import password_confirmed
from portal.accounts.forms import ChangeEmailForm
from portal.accounts.limits import accepted, account_checks, signed_in_account, submitted_email
from portal.accounts.models import User
from portal.accounts.views import _link_problem
from portal.extensions import db, limiter
from portal.forms import ConfirmForm

# The address the last link went to, for the page that says so (a session key).
LINK_SENT_TO = "email_link_sent_to"
# Links sent (refusals are not counted), per account and per new address: nobody can flood a
# mailbox from one account, nor from many.
LINK_LIMITS = {"methods": ["POST"], "deduct_when": accepted}


@bp.route("/account/email", methods=["GET", "POST"])
@limiter.limit("5 per hour", key_func=signed_in_account, **LINK_LIMITS)
@limiter.limit("5 per hour", key_func=submitted_email, **LINK_LIMITS)
@account_checks
@unverified_allowed
def change_email():
    """An unverified account may change its address too: a mistyped one is what it may need to
    mend, and the link to the new one confirms it."""
    form = ChangeEmailForm()
    if form.validate_on_submit() and _is_new_address(form) and password_confirmed(form):
        services.request_email_change(current_user._get_current_object(), form.email.data)
        db.session.commit()
        session[LINK_SENT_TO] = services.normalise_email(form.email.data)
        return redirect(url_for("accounts.email_link_sent"))
    return render_template("accounts/change_email.html", form=form)


def _is_new_address(form: ChangeEmailForm) -> bool:
    """Whether the form gives an address other than the account's; where not, the field says so.
    An address another account has is not refused here (see services.request_email_change)."""
    if services.normalise_email(form.email.data) != current_user.email:
        return True
    form.email.errors.append("Enter a new email address, not the one your account has now")
    return False


@bp.get("/account/email/sent")
@unverified_allowed
def email_link_sent():
    address = session.get(LINK_SENT_TO)
    if address is None:
        return redirect(url_for("accounts.change_email"))
    return render_template("accounts/check_email.html", email=address, change=True)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@unverified_allowed
def confirm_email_change(token: str):
    """A GET never changes anything (mail scanners follow links): the button does.

    Only the account signed in may follow its link (a visitor is sent to sign in first, another
    account is refused). The link proves that its holder reads the new mailbox, not that they
    own the account: a person who mistypes their new address sends the link to a stranger, who
    could otherwise make the account's address theirs and then reset its password."""
    user = current_user._get_current_object()
    try:
        address = services.email_change_for(token, user)
    except services.OtherAccountsLink:
        page = render_template("accounts/link_problem.html", purpose="change_email", other_account=True)
        return page, 403
    except tokens.InvalidLink as error:
        return _link_problem(error, "change_email")
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email_change.html", form=form, address=address)
    return _change_email(user, address)


def _change_email(user: User, address: str) -> Response | tuple[str, int]:
    """Make the change, or say that the address has been taken since the link was sent: the
    person has shown they read that mailbox, so that reveals nothing it would not."""
    try:
        services.change_email(user, address)
    except services.AddressTaken:
        return render_template("accounts/link_problem.html", purpose="change_email", taken=address), 409
    db.session.commit()
    sessions.go_on_after_change(user)
    flash(f"Your email address is now {address}. You have been signed out everywhere else.", "success")
    return redirect(url_for("home.account"))
