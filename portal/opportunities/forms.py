"""Officers' opportunity and lot forms, the public search, and suppliers' alert categories."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.fields import (
    GovDateField,
    MoneyField,
    WholeNumberField,
    checkbox,
    radios,
    select_field,
    text_area,
    text_field,
    website_field,
)
from portal.forms import CheckboxesInput, FilterForm, RevisionForm, Select, SubmitInput
from portal.opportunities.models import PROCEDURE_NAMES, ROUTE_NAMES, OpportunityState
from portal.reference.cpv import division_choices, division_options
from portal.time import LONDON, read_time

_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,2})?\Z", re.ASCII)

VAT_RATES = [("20", "20% (standard rate)"), ("5", "5% (reduced rate)"), ("0", "0% (zero-rated or exempt)")]
SUITABLE = [
    ("sme", "Small and medium-sized enterprises (SMEs)"),
    ("vcse", "Voluntary, community and social enterprises (VCSEs)"),
]

# The public list's bands of value excluding VAT: (low, high] in pounds, None for no bound.
VALUE_BANDS: dict[str, tuple[str, Decimal | None, Decimal | None]] = {
    "under-25k": ("Up to £25,000", None, Decimal(25_000)),
    "25k-50k": ("£25,000 to £50,000", Decimal(25_000), Decimal(50_000)),
    "50k-250k": ("£50,000 to £250,000", Decimal(50_000), Decimal(250_000)),
    "250k-1m": ("£250,000 to £1 million", Decimal(250_000), Decimal(1_000_000)),
    "over-1m": ("Over £1 million", Decimal(1_000_000), None),
}
# No "Any": the list shows the open ones unless another status is chosen.
STATUSES = [("open", "Open"), ("closing-soon", "Closing in the next 7 days"), ("closed", "Closed")]


def division_field(label: str, message: str) -> SelectField:
    """A drop-down of the CPV divisions (choices set per form: they are read from the database)."""
    return SelectField(
        label,
        widget=Select(),
        validators=[InputRequired(message=message)],
        invalid_choice_message=message,
    )


def with_divisions(form: FlaskForm, *names: str) -> FlaskForm:
    for name in names:
        form[name].choices = [SelectChoice("", "Choose a category"), *division_choices()]
    return form


class OpportunityForm(FlaskForm):
    title = text_field("Title", required="Enter the opportunity's title")
    reference = text_field("Reference", required="Enter the opportunity's reference", length=50)
    summary = text_area("Summary", required="Summarise what is being bought", length=4000)
    cpv_division = division_field("Category", "Select the category of what is being bought")
    value_ex_vat = MoneyField(
        "Estimated value, excluding VAT",
        validators=[InputRequired(message="Enter the estimated value, excluding VAT")],
    )
    vat_rate = radios(
        "VAT rate that applies",
        choices=VAT_RATES,
        required="Select the VAT rate that applies",
    )
    procedure = radios(
        "Procedure",
        choices=PROCEDURE_NAMES.items(),
        required="Select the procedure",
    )
    closing_date = GovDateField("Closing date", required_message="Enter the closing date")
    closing_time = text_field("Closing time (UK time)", required="Enter the closing time", length=10)
    notice_url = website_field("Notice where bids are made (optional)")
    suitable = SelectMultipleField(
        "Suitable for (optional)",
        widget=CheckboxesInput(),
        choices=[SelectChoice(value, text) for value, text in SUITABLE],
        validators=[Optional()],
    )
    response_route = radios(
        "Where suppliers make their social value response",
        choices=ROUTE_NAMES.items(),
        required="Select where suppliers make their social value response",
    )
    weighting = text_field("Social value weighting, percent of the total score (optional)", length=7)
    weighting_reason = text_area("Reason for a weighting under the default", length=2000)
    submit = SubmitField("Save", widget=SubmitInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with_divisions(self, "cpv_division")
        self.percent: Decimal | None = None

    def validate_closing_time(self, field) -> None:
        if field.data and read_time(field.data) is None:
            raise ValidationError("Enter the closing time like 9am, 5:30pm, midday or 17:30")

    def validate_weighting(self, field) -> None:
        if not field.data:
            return
        text = field.data.removesuffix("%").strip()
        if not _PERCENT.match(text) or Decimal(text) > 100:
            raise ValidationError("Enter the weighting as a percentage from 0 to 100, like 10 or 12.5")
        self.percent = Decimal(text)

    def closes_at(self) -> datetime | None:
        """The closing date and time, read in London, as UTC; None until both are valid."""
        if self.closing_date.data is None or self.closing_date.errors or self.closing_time.errors:
            return None
        local = datetime.combine(self.closing_date.data, read_time(self.closing_time.data), tzinfo=LONDON)
        return local.astimezone(UTC)


class LotForm(FlaskForm):
    title = text_field("Lot title", required="Enter the lot's title")
    value_ex_vat = MoneyField(
        "Lot value, excluding VAT", validators=[InputRequired(message="Enter the lot's value, excluding VAT")]
    )
    cpv_division = division_field("Category", "Select the lot's category")
    submit = SubmitField("Add lot", widget=SubmitInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with_divisions(self, "cpv_division")


class CloseForm(RevisionForm):
    reason = text_area(
        "Why is it closing early?", required="Say why the opportunity is closing early", length=1000
    )
    submit = SubmitField("Close the opportunity", widget=SubmitInput())


class SearchForm(FilterForm):
    q = text_field("Keywords", length=200)
    category = SelectField("Category", widget=Select(), validators=[Optional()])
    value = select_field("Value, excluding VAT", [(key, band[0]) for key, band in VALUE_BANDS.items()])
    procedure = select_field(
        "Procedure", [(procedure.value, name) for procedure, name in PROCEDURE_NAMES.items()]
    )
    suitable = select_field("Suitable for", [("sme", "SMEs"), ("vcse", "VCSEs")])
    status = SelectField(
        "Status",
        widget=Select(),
        choices=[SelectChoice(value, text) for value, text in STATUSES],
        validators=[Optional()],
    )

    options_from = (("category", division_options),)


class OfficerFilterForm(FilterForm):
    state = select_field("State", [(state.value, state.value.capitalize()) for state in OpportunityState])


class AlertsForm(FlaskForm):
    divisions = SelectMultipleField(
        "Which categories should your organisation be emailed about?",
        widget=CheckboxesInput(),
        description="Select all that apply, or none to stop alerts for everyone in your organisation.",
        validators=[Optional()],
        # A value that is no longer (or never was) a division is dropped by the view, not refused.
        validate_choice=False,
    )
    submit = SubmitField("Save alert categories", widget=SubmitInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.divisions.choices = division_choices()


class DeclarationForm(FlaskForm):
    no_conflict = checkbox(
        "I have no conflict of interest with this organisation",
        required="Confirm you have no conflict of interest with the organisation",
    )
    submit = SubmitField("Record my declaration", widget=SubmitInput())


class ScoreForm(FlaskForm):
    score = WholeNumberField(
        "Score, out of 100", validators=[InputRequired(message="Enter a score from 0 to 100")]
    )
    comment = text_area(
        "Comment (the organisation sees it as feedback)", required="Write a comment", length=4000
    )
    submit = SubmitField("Save the score", widget=SubmitInput())

    def validate_score(self, field) -> None:
        if field.data is not None and not 0 <= field.data <= 100:
            raise ValidationError("Enter a score from 0 to 100")


def award_form(parts: list[tuple[str, str]], candidates: list[SelectChoice], formdata=None) -> FlaskForm:
    """A form with one group of checkboxes a part (a lot, or the whole opportunity): the
    organisations it is awarded to."""

    class AwardForm(FlaskForm):
        submit = SubmitField("Record the award", widget=SubmitInput())

    for name, label in parts:
        setattr(AwardForm, name, _winners_field(label, candidates))
    return AwardForm(formdata=formdata)


def _winners_field(label: str, candidates: list[SelectChoice]) -> SelectMultipleField:
    """One part's checkboxes of the candidates; `label` names the part ("Lot 1: Cleaning")."""
    return SelectMultipleField(
        label,
        widget=CheckboxesInput(),
        choices=candidates,
        coerce=int,
        validators=[InputRequired(message=f"Choose who is awarded {label[0].lower()}{label[1:]}")],
    )
