"""Feedback on the service: what someone was trying to do and what happened, from anyone, signed
in or not; emailed through the outbox to FEEDBACK_EMAIL, or to the procurement inbox where none is
set. Limited per client address: the form needs no account."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SubmitField

from portal.accounts.access import public
from portal.extensions import db, limiter
from portal.fields import email_field, text_area
from portal.forms import SubmitInput
from portal.outbox import notify
from portal.pages import bp


class FeedbackForm(FlaskForm):
    trying = text_area("What were you trying to do?", required="Say what you were trying to do", length=2000)
    happened = text_area("What happened?", required="Say what happened", length=2000)
    email = email_field("Your email address (optional)", required=None)
    submit = SubmitField("Send feedback", widget=SubmitInput())


def feedback_address() -> str:
    return current_app.config["FEEDBACK_EMAIL"] or current_app.config["PROCUREMENT_INBOX"]


def came_from() -> str | None:
    """The portal page the feedback link was followed from (`?from=`), if it is one of its paths."""
    page = request.args.get("from", "")
    return page if page.startswith("/") and not page.startswith("//") and len(page) <= 300 else None


@bp.route("/feedback", methods=["GET", "POST"])
@limiter.limit("5 per hour", key_func=get_remote_address, methods=["POST"])
@public
def feedback():
    form = FeedbackForm()
    if form.validate_on_submit():
        _send(form)
        db.session.commit()
        return redirect(url_for("pages.feedback_sent"))
    return render_template("pages/feedback.html", form=form)


def _send(form: FeedbackForm) -> None:
    """To the feedback address, in this request's transaction: the words, the page and who sent it."""
    account = current_user if current_user.is_authenticated else None
    notify(
        "pages/feedback",
        to=feedback_address(),
        subject="Supplier Portal feedback",
        context={
            "trying": form.trying.data,
            "happened": form.happened.data,
            "reply_to": form.email.data,
            "page": came_from(),
            "account": account,
        },
    )


@bp.get("/feedback/sent")
@public
def feedback_sent():
    return render_template("pages/feedback_sent.html")
