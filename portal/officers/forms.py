from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SubmitField,
)

from portal.fields import checkbox, email_field, select_field, text_field
from portal.forms import FilterForm, SubmitInput
from portal.outbox.models import MessageState


class InviteOfficerForm(FlaskForm):
    name = text_field("Full name", required="Enter the officer's full name")
    email = email_field("Work email address", "Enter the officer's work email address")
    is_admin = checkbox(
        "Make them an admin (head of procurement): they can invite officers and disable accounts",
    )
    submit = SubmitField("Send invitation", widget=SubmitInput())


class AccountFilterForm(FilterForm):
    q = text_field("Name or email address")
    role = select_field("Role", [("supplier", "Supplier"), ("officer", "Officer"), ("admin", "Admin")])
    status = select_field(
        "Status", [("active", "Active"), ("unverified", "Email not confirmed"), ("disabled", "Disabled")]
    )


class OutboxFilterForm(FilterForm):
    state = select_field("State", [(state.value, state.value.capitalize()) for state in MessageState])


class AuditFilterForm(FilterForm):
    actor = text_field("Actor's email address", length=254)
    action = text_field("Action", length=80, description="For example, account.disabled")
    record_type = text_field("Record type", length=60, description="For example, users")
    record_id = text_field("Record number", length=64)
