from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts import services as accounts
from portal.accounts.access import admin_required
from portal.accounts.models import Role, User
from portal.audit import AuditRecord
from portal.enums import tags
from portal.extensions import db
from portal.forms import ConfirmForm, bind_filters
from portal.officers import bp, queries
from portal.officers.forms import (
    AccountFilterForm,
    AuditFilterForm,
    InviteOfficerForm,
    OutboxFilterForm,
)
from portal.outbox import services as outbox
from portal.outbox.models import MessageState, OutboxMessage
from portal.pagination import newest_first

RECORD_LABELS = {
    "users": "Account",
    "organisations": "Organisation",
    "outbox_messages": "Email",
    "classification_decisions": "Decision",
}
# Who acted, where no account did.
SYSTEM_ACTORS = {"cli": "Command line", "system": "The portal"}


# Each state's tag, written once rather than by a macro call per row.
STATE_TAG_COLOURS = {
    MessageState.QUEUED: "blue",
    MessageState.SENDING: "purple",
    MessageState.SENT: "green",
    MessageState.FAILED: "red",
}
STATE_TAGS = tags({state: state.value.capitalize() for state in STATE_TAG_COLOURS}, STATE_TAG_COLOURS)


@bp.get("/")
def home():
    return render_template("officers/home.html")


@bp.get("/users")
@admin_required
def users():
    form, chosen = bind_filters(AccountFilterForm)
    page = newest_first(
        queries.accounts(chosen["q"] or "", chosen["role"] or "", chosen["status"] or ""), User.id
    )
    return render_template("officers/users.html", form=form, page=page, action_form=ConfirmForm())


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_required
def invite_officer():
    form = InviteOfficerForm()
    if form.validate_on_submit():
        user = _create_officer(form)
        if user is not None:
            db.session.commit()
            flash(
                f"We have emailed {user.email} a link to set their password. It works for 72 hours.",
                "success",
            )
            return redirect(url_for("officers.users"))
    return render_template("officers/invite_officer.html", form=form)


def _create_officer(form: InviteOfficerForm) -> User | None:
    """The staff account the form asks for; None (the field says why) for an address that has one."""
    try:
        return accounts.create_staff(
            email=form.email.data,
            name=form.name.data,
            role=Role.ADMIN if form.is_admin.data else Role.OFFICER,
            actor=current_user,
        )
    except ValueError:
        form.email.errors.append("This email address already has an account")
        return None


@bp.post("/users/<int:user_id>/disable")
@admin_required
def disable_user(user_id: int):
    return _set_disabled(user_id, True)


@bp.post("/users/<int:user_id>/enable")
@admin_required
def enable_user(user_id: int):
    return _set_disabled(user_id, False)


def _set_disabled(user_id: int, disabled: bool):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        verb = "disabled: they have been signed out" if disabled else "enabled again"
        _committed(
            lambda: accounts.set_disabled(user, disabled, actor=current_user), f"{user.email} is {verb}."
        )
    return redirect(request.referrer if _is_users_page(request.referrer) else url_for("officers.users"))


def _is_users_page(referrer: str | None) -> bool:
    """Back to the filtered list the officer came from, never anywhere else."""
    return bool(referrer) and referrer.startswith(url_for("officers.users", _external=True))


@bp.get("/outbox")
def outbox_messages():
    form, chosen = bind_filters(OutboxFilterForm)
    page = newest_first(queries.outbox(chosen["state"] or ""), OutboxMessage.id, plain=True)
    return render_template(
        "officers/outbox.html",
        form=form,
        page=page,
        state_tags=STATE_TAGS,
    )


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template(
        "officers/outbox_message.html", message=message, form=ConfirmForm(), state_tags=STATE_TAGS
    )


@bp.post("/outbox/<int:message_id>/retry")
def retry_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    if ConfirmForm().validate_on_submit():
        _committed(
            lambda: outbox.retry(message, actor=current_user), f"Message {message.id} will be sent again."
        )
    return redirect(url_for("officers.outbox_message", message_id=message.id))


def _committed(change: Callable[[], object], done: str) -> None:
    """Make a change and commit it, saying `done`; or say why the accounts' or the outbox's
    services refused it (they refuse with ValueError, not the workflow's Refused)."""
    try:
        change()
    except ValueError as error:
        flash(str(error).capitalize() + ".")
    else:
        db.session.commit()
        flash(done, "success")


@bp.get("/audit")
def audit():
    form, chosen = bind_filters(AuditFilterForm)
    actor_id = _actor_id(chosen["actor"])
    query, values = queries.audit(
        actor_id, chosen["action"] or "", chosen["record_type"] or "", chosen["record_id"] or ""
    )
    page = newest_first(query, AuditRecord.id, params=values, plain=True)
    return render_template(
        "officers/audit.html",
        form=form,
        page=page,
        record_labels=RECORD_LABELS,
        system_actors=SYSTEM_ACTORS,
    )


def _actor_id(email: str | None) -> int | None:
    """The account to filter the log by: None for anyone, -1 (matching nothing) for an unknown address."""
    if not email:
        return None
    actor = accounts.find_user(email)
    return actor.id if actor else -1
