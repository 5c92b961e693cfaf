from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from portal.accounts.forms import email_field
from portal.forms import PlainText, strip_text
from portal.outbox.models import MessageState


class InviteOfficerForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter the officer's full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
            PlainText(),
        ],
    )
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
    q = StringField(
        "Name or email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=200, message="Search must be 200 characters or fewer"),
            PlainText(),
        ],
    )
    role = SelectField(
        "Role",
        widget=GovSelect(),
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("supplier", "Supplier"),
            SelectChoice("officer", "Officer"),
            SelectChoice("admin", "Admin"),
        ],
        validators=[Optional()],
    )
    status = SelectField(
        "Status",
        widget=GovSelect(),
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("active", "Active"),
            SelectChoice("unverified", "Email not confirmed"),
            SelectChoice("disabled", "Disabled"),
        ],
        validators=[Optional()],
    )


class OutboxFilterForm(FilterForm):
    state = SelectField(
        "State",
        widget=GovSelect(),
        choices=[
            SelectChoice("", "Any"),
            *(SelectChoice(s.value, s.value.capitalize()) for s in MessageState),
        ],
        validators=[Optional()],
    )


class AuditFilterForm(FilterForm):
    actor = StringField(
        "Actor's email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            PlainText(),
        ],
    )
    action = StringField(
        "Action",
        widget=GovTextInput(),
        description="For example, account.disabled",
        filters=[strip_text],
        validators=[Optional(), Length(max=80, message="Action must be 80 characters or fewer"), PlainText()],
    )
    record_type = StringField(
        "Record type",
        widget=GovTextInput(),
        description="For example, users",
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=60, message="Record type must be 60 characters or fewer"),
            PlainText(),
        ],
    )
    record_id = StringField(
        "Record number",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=64, message="Record number must be 64 characters or fewer"),
            PlainText(),
        ],
    )


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
    q = StringField(
        "Name or Companies House number",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=200, message="Search must be 200 characters or fewer"),
            PlainText(),
        ],
    )
    status = SelectField(
        "Registration",
        widget=GovSelect(),
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("registered", "Registered"),
            SelectChoice("in_progress", "Profile in progress"),
        ],
        validators=[Optional()],
    )
