"""Forms for signing the Code and publishing a new version."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.ethics.content import ContentError, parse
from portal.ethics.models import CodeVersion
from portal.ethics.pledges import PLEDGE_STATE_LABELS
from portal.ethics.versions import VersionRef
from portal.fields import GovDateField, PlainText, checkbox, select_field, text_field
from portal.forms import FilterForm, SubmitInput, TextArea


def area_field_name(number: int) -> str:
    return f"area_{number}"


class SignForm(FlaskForm):
    """The areas' acknowledgements are added per version by `sign_form`."""

    version = HiddenField()
    representative_name = text_field(
        "Full name of the representative signing", required="Enter the representative's full name", length=100
    )
    representative_position = text_field(
        "Their position in the organisation",
        required="Enter the representative's position, for example Managing Director",
        length=100,
    )
    signature = text_field(
        "Signature: type the representative's full name",
        required="Type the representative's full name as the signature",
        length=100,
    )
    signature_confirmed = checkbox("The signature is right, although it is not written as the name above")
    authority = checkbox(
        "I confirm I have the authority to sign this pledge for the organisation",
        required="Confirm you have the authority to sign for the organisation",
    )
    submit = SubmitField("Sign the Code of Ethics", widget=SubmitInput())

    def area_fields(self) -> list:
        return [field for name, field in self._fields.items() if name.startswith("area_")]


def sign_form(version: CodeVersion | VersionRef, **kwargs) -> SignForm:
    """A signing form with one acknowledgement per area of `version`."""

    class VersionSignForm(SignForm):
        pass

    for area in version.document.areas:
        setattr(
            VersionSignForm,
            area_field_name(area.number),
            checkbox(
                f"We commit to area {area.number}: {area.title}",
                required=f"Confirm your organisation commits to area {area.number}",
            ),
        )
    return VersionSignForm(**kwargs)


class CodeTextField(StringField):
    widget = TextArea()


def code_text_is_valid(_form, field) -> None:
    try:
        parse(field.data or "")
    except ContentError as error:
        raise ValidationError(str(error)) from error


class PublishForm(FlaskForm):
    text = CodeTextField(
        "Text of the Code",
        filters=[lambda value: value.replace("\r\n", "\n") if isinstance(value, str) else value],
        validators=[
            InputRequired(message="Enter the text of the Code"),
            Length(max=50_000, message="The text of the Code must be 50,000 characters or fewer"),
            PlainText(multiline=True),
            code_text_is_valid,
        ],
    )
    summary = text_field("What has changed (for the email to suppliers)", length=500)
    effective_on = GovDateField(
        "Date it takes effect", required_message="Enter the date the new version takes effect"
    )
    preview = SubmitField("Preview", widget=SubmitInput())
    publish = SubmitField("Publish this version", widget=SubmitInput())


class PledgeFilterForm(FilterForm):
    q = text_field("Organisation name")
    state = select_field("Pledge", [(state.value, label) for state, label in PLEDGE_STATE_LABELS.items()])
    version = select_field("Signed version", [])  # the published versions, filled in by the view
    reference = text_field(
        "Certificate reference", length=30, description="For example CE-7K3M-Q9XD: it finds that pledge"
    )
