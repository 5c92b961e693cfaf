"""Forms for the directory and the needs board."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.fields import (
    GovDateField,
    PlainText,
    area_field,
    checkbox,
    email_field,
    postcode_field,
    radios,
    select_field,
    strip_text,
    text_area,
    text_field,
    website_field,
)
from portal.forms import CheckboxesInput, FilterForm, RevisionForm, Select, SubmitInput, TextArea, TextInput
from portal.time import london_today
from portal.voluntary.models import AREAS, NEED_KIND_NAMES
from portal.voluntary.services import uk_phone

AREA_OPTIONS = list(AREAS.items())
FORCE_AREA_OPTIONS = [(code, name) for code, name in AREAS.items() if code != "E08000013"]


def phone_number(_form, field) -> None:
    if field.data and uk_phone(field.data) is None:
        raise ValidationError(
            f"Enter {field.label.text.lower().removesuffix(' (optional)')} as a UK number, like 01244 401272"
        )


def phone_field(label: str) -> StringField:
    return text_field(label, length=30, noun=label.removesuffix(" (optional)"), checks=[phone_number])


class EntryForm(FlaskForm):
    name = text_field("Name", required="Enter the body's name")
    brokers = text_area(
        "What it brokers", required="Say what the body brokers, in a sentence or two", length=2000
    )
    areas = SelectMultipleField(
        "Areas it serves",
        widget=CheckboxesInput(),
        choices=[SelectChoice(code, name) for code, name in AREA_OPTIONS],
        validators=[InputRequired(message="Select the areas the body serves")],
    )
    website = website_field()
    phone_1 = phone_field("Phone number (optional)")
    phone_2 = phone_field("Second phone number (optional)")
    email = email_field("Email address (optional)", required=None)
    source = text_field(
        "Where these details come from", required="Say where these details come from", length=300
    )
    organisation_number = StringField(
        "Registered organisation acting for it (optional)",
        widget=TextInput(),
        description="The charity or Companies House number of a VCSE organisation registered on the portal: its members can then post needs for this body. Leave empty for none.",
        filters=[strip_text],
        validators=[Length(max=20, message="The number must be 20 characters or fewer"), PlainText()],
    )
    submit = SubmitField("Save", widget=SubmitInput())


class DirectorySearchForm(FilterForm):
    q = text_field("Name or keyword", length=100)
    area = select_field("Area served", AREA_OPTIONS)
    submit = SubmitField("Search", widget=SubmitInput())


class PostcodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET look-up: it changes nothing

    postcode = postcode_field(required="Enter a postcode", length=10)
    find = SubmitField("Find", widget=SubmitInput())


class NeedForm(FlaskForm):
    title = text_field("Title", required="Enter a short title for the need", length=120)
    description = text_area(
        "What help you need",
        required="Say what help you need, who it helps and what difference it makes",
        length=4000,
    )
    kind = radios(
        "Kind of help",
        choices=NEED_KIND_NAMES.items(),
        required="Select the kind of help you need",
    )
    authority = area_field("Area", AREAS, required="Select the area the help is for")
    starts_on = GovDateField("From", required_message="Enter the date the help is needed from")
    ends_on = GovDateField("Until", required_message="Enter the date the need ends")
    outcome_id = SelectField(
        "Which social value outcome does it serve? (optional)",
        widget=Select(),
        # Blank text is no answer, as the "None chosen" choice is: Optional() stops the check there.
        filters=[strip_text],
        validators=[Optional()],
    )
    contact_name = text_field("Contact name", required="Enter the name of the person to contact", length=100)
    contact_email = email_field("Contact email address", "Enter the email address to contact")
    contact_phone = phone_field("Contact phone number (optional)")
    submit = SubmitField("Send for approval", widget=SubmitInput())

    def validate_authority(self, field) -> None:
        if field.data not in AREAS:
            raise ValidationError("Select the area the help is for")

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The end date must be the same as or after the start date")
        if field.data and field.data < london_today():
            # It would be approved and never shown: the board hides needs past their end date.
            raise ValidationError("The end date must be today or in the future")


class NeedFilterForm(FilterForm):
    q = text_field("Keyword", length=100)
    area = select_field("Area", AREA_OPTIONS)
    kind = select_field("Kind of help", [(kind.value, name) for kind, name in NEED_KIND_NAMES.items()])
    submit = SubmitField("Search", widget=SubmitInput())


class ResponseForm(FlaskForm):
    message = text_area(
        "What your organisation can offer",
        required="Say what your organisation can offer, like 40 volunteer hours in March",
        length=2000,
    )
    # Shown, and required, once the organisation has answered the need (response_form).
    another = checkbox("Send another answer as well as the one above")
    submit = SubmitField("Send your offer", widget=SubmitInput())

    answered = 0  # the organisation's answers to the need so far

    def validate_another(self, field) -> None:
        if self.answered and not field.data:
            raise ValidationError("Confirm you want to send another answer to this need")


def response_form(answered: int) -> ResponseForm:
    """The form to answer a need the organisation has answered `answered` times: from the second
    answer on, it asks to confirm sending another as well as the earlier ones."""
    form = ResponseForm()
    form.answered = answered
    if answered > 1:
        form.another.label.text = "Send another answer as well as the ones above"
    return form


class DecisionForm(RevisionForm):
    decision = radios(
        "Decision",
        choices=(("approve", "Approve and publish it"), ("decline", "Decline it")),
        required="Select whether to approve or decline the need",
    )
    reason = TextAreaField(
        "Reason (required to decline; sent to the poster)",
        widget=TextArea(),
        filters=[strip_text],
        validators=[
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
            PlainText(multiline=True),
        ],
    )
    submit = SubmitField("Save decision", widget=SubmitInput())

    def validate_reason(self, field) -> None:
        if self.decision.data == "decline" and not field.data:
            raise ValidationError("Say why the need is declined: the poster is told")
