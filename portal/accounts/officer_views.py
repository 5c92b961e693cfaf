"""Staff pages of the accounts area: resetting the authenticator app of someone who lost it and
their recovery codes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts import factors, officer_bp
from portal.accounts.forms import ResetAppForm
from portal.accounts.models import Role, User
from portal.extensions import db


@officer_bp.route("/users/<int:user_id>/reset-authenticator", methods=["GET", "POST"])
def reset_app(user_id: int):
    """Any officer resets a supplier's app, only an admin another member of staff's, nobody their own."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id or (user.is_staff and current_user.role != Role.ADMIN):
        abort(403)
    if not user.has_totp:
        flash(f"{user.email} has no authenticator app to reset.")
        return redirect(url_for("officers.home"))
    form = ResetAppForm()
    if form.validate_on_submit():
        factors.remove_factors(user, actor=current_user, check=form.check.data)
        db.session.commit()
        flash(
            f"{user.email}'s authenticator app and recovery codes are removed. We have emailed them.",
            "success",
        )
        return redirect(url_for("officers.home"))
    return render_template("accounts/officers/reset_app.html", form=form, user=user)
