from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length

from portal.accounts.forms import email_field
from portal.forms import PlainText, select_field, strip_text, text_field
from portal.outbox.models import MessageState


class InviteOfficerForm(FlaskForm):
    name = text_field("Full name", required="Enter the officer's full name")
    email = email_field("Work email address", "Enter the officer's work email address")
    is_admin = BooleanField(
        "Make them an admin (head of procurement): they can invite officers and disable accounts",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class FilterForm(FlaskForm):
    """Filters read from the query string: a GET form, so no CSRF token and no state changes."""

    class Meta:
        csrf = False

    submit = SubmitField("Filter", widget=GovSubmitInput())


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


class DecisionForm(FlaskForm):
    """Verify or override one classification, always with a note."""

    classification = HiddenField(validators=[InputRequired(), AnyOf(["local", "sme", "vcse"])])
    value = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired(message="Select yes or no")],
    )
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        description="What you checked, or why you override the portal's answer. The organisation sees this note.",
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter a note about your decision"),
            Length(max=2000, message="Note must be 2000 characters or fewer"),
            PlainText(multiline=True),
        ],
    )
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class OrganisationFilterForm(FilterForm):
    q = text_field("Name or Companies House number")
    status = select_field(
        "Registration", [("registered", "Registered"), ("in_progress", "Profile in progress")]
    )
