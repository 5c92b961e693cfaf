"""The offer's steps, one short form each, and the forms for moves and delivery reports."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.fields import (
    GovDateField,
    MoneyField,
    PlainText,
    area_field,
    checkbox,
    radios,
    select_field,
    strip_text,
    text_area,
    text_field,
)
from portal.forms import CheckboxesInput, FileInput, FilterForm, RevisionForm, Select, SubmitInput, TextInput
from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES
from portal.social_value import matrix, workflow
from portal.social_value.models import OfferState
from portal.time import london_today

QUANTITY = re.compile(r"^\d{1,9}(\.\d{1,2})?\Z", re.ASCII)


def parse_quantity(text: str | None, *, whole: bool) -> Decimal:
    """A positive quantity, commas allowed; whole for counted units. :raise ValidationError:"""
    plain = (text or "").replace(",", "")
    if not QUANTITY.match(plain):
        raise ValidationError("Enter the quantity as a number, like 40 or 12.5")
    try:
        amount = Decimal(plain)
    except InvalidOperation:
        raise ValidationError("Enter the quantity as a number, like 40 or 12.5") from None
    if amount <= 0:
        raise ValidationError("The quantity must be more than 0")
    if whole and amount != amount.to_integral_value():
        raise ValidationError("This measure counts whole numbers: enter a whole number, like 3")
    return amount


def continue_button() -> SubmitField:
    return SubmitField("Save and continue", widget=SubmitInput())


class ThemeForm(FlaskForm):
    theme_id = radios(
        "Which theme is your offer for?",
        required="Select the theme your offer is for",
        invalid_choice_message="Select one of the themes shown",
    )
    submit = continue_button()


class OutcomesForm(FlaskForm):
    outcomes = SelectMultipleField(
        "Which outcomes will it help?",
        widget=CheckboxesInput(),
        coerce=int,
        validators=[InputRequired(message="Select at least one outcome your offer helps")],
        invalid_choice_message="Select outcomes of the theme you chose, from those shown",
    )
    submit = continue_button()


class IndicatorForm(FlaskForm):
    indicator_id = radios(
        "What will your organisation offer?",
        coerce=int,
        required="Select what your organisation will offer",
        invalid_choice_message="Select one of the theme's indicators shown",
    )
    submit = continue_button()


class DescriptionForm(FlaskForm):
    description = text_area(
        "Describe what you will do",
        required="Describe what your organisation will do, in plain English",
        length=4000,
    )
    submit = continue_button()


class QuantityForm(FlaskForm):
    measure_id = radios(
        "How will you measure it?",
        coerce=int,
        required="Select how you will measure what you offer",
        invalid_choice_message="Select one of the measures shown: they are the ones that evidence what you offer",
    )
    quantity = StringField(
        "How much?",
        widget=TextInput(),
        filters=[strip_text],
        validators=[InputRequired(message="Enter how much you offer, in the measure's unit"), PlainText()],
    )
    submit = continue_button()

    def __init__(self, *args, whole_measures: set[int] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.whole_measures = whole_measures
        self.amount: Decimal | None = None

    def validate_quantity(self, field) -> None:
        self.amount = parse_quantity(field.data, whole=self.measure_id.data in self.whole_measures)


class WhereForm(FlaskForm):
    authority = area_field(
        "Where in Cheshire?",
        FORCE_AREA_AUTHORITIES,
        required="Select where in Cheshire the social value will be delivered",
        invalid_choice_message="Select where in Cheshire the social value will be delivered",
    )
    submit = continue_button()

    def validate_authority(self, field) -> None:
        if field.data not in FORCE_AREA_AUTHORITIES:
            raise ValidationError("Select where in Cheshire the social value will be delivered")


class WhenForm(FlaskForm):
    due_on = GovDateField(
        "By when will it be delivered?", required_message="Enter the date it will be delivered by"
    )
    submit = continue_button()

    def validate_due_on(self, field) -> None:
        if field.data and field.data <= london_today():
            raise ValidationError("The date it will be delivered by must be in the future")
        if field.data and field.data > london_today() + timedelta(days=366 * 5):
            raise ValidationError("The date it will be delivered by must be within 5 years")


class PartnerForm(FlaskForm):
    partner_entry_id = SelectField(
        "Voluntary-sector partner (optional)",
        widget=Select(),
        # Blank text is no answer, as the "No partner" choice is: Optional() stops the check there.
        filters=[strip_text],
        validators=[Optional()],
        invalid_choice_message="Select a body from the directory, or no partner: that one is no longer in it",
    )
    submit = continue_button()


class MoveForm(RevisionForm):
    """A move on the offer, with its words where it takes any."""

    message = text_area("Message", required=None, length=4000)


class DeliveryReportForm(FlaskForm):
    quantity = StringField(
        "How much was delivered?",
        widget=TextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter how much was delivered, in the measure's unit"),
            PlainText(),
        ],
    )
    delivered_on = GovDateField("When was it delivered?", required_message="Enter the date it was delivered")
    description = text_area(
        "What was delivered", required="Describe what was delivered, and for whom", length=4000
    )
    evidence = FileField("Evidence (optional)", widget=FileInput())
    submit = SubmitField("Send the report", widget=SubmitInput())

    def __init__(self, *args, whole: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.whole = whole
        self.amount: Decimal | None = None

    def validate_quantity(self, field) -> None:
        self.amount = parse_quantity(field.data, whole=self.whole)

    def validate_delivered_on(self, field) -> None:
        if field.data and field.data > london_today():
            raise ValidationError("The date it was delivered must be today or in the past")


class MeasureForm(FlaskForm):
    name = text_field("Name", required="Enter the measure's name")
    proxy_gbp = MoneyField("Proxy value per unit (optional)", limit=Decimal("9999999999.99"))
    proxy_source = StringField(
        "Source of the proxy value",
        widget=TextInput(),
        filters=[strip_text],
        validators=[Length(max=300, message="Source must be 300 characters or fewer"), PlainText()],
    )
    proxy_dated = GovDateField("Date of the proxy value")
    retired = checkbox("Retire it: new offers cannot choose it (offers that used it keep it)")
    submit = SubmitField("Save", widget=SubmitInput())

    def validate_proxy_source(self, field) -> None:
        if self.proxy_gbp.data and not field.data:
            raise ValidationError("Say where the proxy value comes from")

    def validate_proxy_dated(self, field) -> None:
        if self.proxy_gbp.data and not field.data:
            raise ValidationError("Enter the date of the proxy value")


class MatrixTextForm(FlaskForm):
    text = text_area("Wording", required="Enter the wording", length=500)
    submit = SubmitField("Save", widget=SubmitInput())


class QueueFilterForm(FilterForm):
    state = select_field(
        "State",
        [
            (s.value, workflow.STATE_NAMES[s])
            for s in OfferState
            if s not in {OfferState.DRAFT, OfferState.SEALED}
        ],
    )
    theme = select_field("Theme", [])
    outcome = select_field("Outcome", [])
    organisation = text_field("Organisation", length=100)

    options_from = (("theme", matrix.theme_options), ("outcome", matrix.outcome_options))
