from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

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
    email = email_field("Work email address")
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
