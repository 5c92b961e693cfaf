"""The profile's steps, one short form each, with the Design System's messages."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.fields import (
    GovDateField,
    MoneyField,
    PlainText,
    WholeNumberField,
    checkbox,
    email_field,
    postcode_field,
    radios,
    row_id,
    select_field,
    strip_text,
    text_field,
    yes_no,
)
from portal.forms import CheckboxesInput, FileInput, FilterForm, SubmitInput, TextArea, TextInput
from portal.organisations.models import ACCREDITATION_NAMES, AccreditationKind, LivingWage
from portal.organisations.rules import LEGAL_FORM_NAMES, LegalForm

COMPANIES_HOUSE = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})\Z", re.ASCII)
CHARITY = re.compile(r"^(\d{6,8}|SC\d{6})\Z", re.ASCII)
COMPANY_FORMS = {LegalForm.PRIVATE_LIMITED, LegalForm.PUBLIC_LIMITED, LegalForm.LLP, LegalForm.CIC}
CHARITY_FORMS = {LegalForm.CHARITY, LegalForm.CIO}


def upper_no_spaces(value: object) -> object:
    return re.sub(r"\s+", "", value).upper() if isinstance(value, str) else value


def register_number(label: str, description: str, length: Length) -> StringField:
    """A number in a public register (Companies House's, the charity regulators'), read without
    spaces in capitals. No Optional(): it would stop the check that an organisation of a legal form
    that has one gives it (the form's validate_ method)."""
    return StringField(
        label,
        widget=TextInput(),
        description=description,
        filters=[upper_no_spaces],
        validators=[length, PlainText()],
    )


class StepForm(FlaskForm):
    submit = SubmitField("Save and continue", widget=SubmitInput())


class AboutForm(StepForm):
    legal_name = text_field(
        "Legal name",
        required="Enter your organisation's legal name",
        description="As registered with Companies House, the Charity Commission or the FCA, "
        "or your own name if you are a sole trader.",
    )
    trading_name = text_field("Trading name (optional)", description="Only if it trades under another name.")
    legal_form = radios(
        "Legal form",
        choices=((form, LEGAL_FORM_NAMES[form]) for form in LegalForm),
        required="Select your organisation's legal form",
    )
    companies_house_number = register_number(
        "Companies House number",
        "If it is a company, LLP or CIC: 8 characters, like 01234567 or SC123456.",
        Length(max=8, message="Companies House number must be 8 characters"),
    )
    charity_number = register_number(
        "Charity number",
        "If it is a registered charity or CIO, like 1234567 or SC012345.",
        Length(max=20, message="Charity number must be 20 characters or fewer"),
    )
    website = text_field(
        "Website (optional)",
        length=300,
        noun="Website",
        checks=[URL(message="Enter the website's full address, starting https://")],
    )
    ppon = text_field(
        "Central Digital Platform identifier (PPON) (optional)",
        length=40,
        description="If your organisation has registered on the Central Digital Platform, like PVBC-1234-ABCD.",
    )

    def validate_companies_house_number(self, field) -> None:
        if field.data and not COMPANIES_HOUSE.match(field.data):
            raise ValidationError(
                "Companies House number must be 8 digits, or 2 letters then 6 digits, like SC123456"
            )
        if not field.data and self.legal_form.data in COMPANY_FORMS:
            raise ValidationError("Enter the Companies House number: companies, LLPs and CICs have one")

    def validate_charity_number(self, field) -> None:
        if field.data and not CHARITY.match(field.data):
            raise ValidationError("Charity number must be 6 to 8 digits, or SC then 6 digits in Scotland")
        if not field.data and self.legal_form.data in CHARITY_FORMS:
            raise ValidationError("Enter the charity number: registered charities and CIOs have one")


class AddressForm(StepForm):
    address_line_1 = text_field(
        "Address line 1", required="Enter address line 1, typically the building and street"
    )
    address_line_2 = text_field("Address line 2 (optional)")
    town = text_field("Town or city", required="Enter town or city", length=100)
    postcode = postcode_field(required="Enter postcode", length=20)

    def validate_postcode(self, field) -> None:
        from portal.postcodes.lookup import normalise_postcode

        normalised = normalise_postcode(field.data or "")
        if normalised is None:
            raise ValidationError("Enter a full UK postcode, like CW7 2UA")
        field.data = normalised


class SiteForm(AddressForm):
    label = text_field(
        "Name of the site", required="Enter a name for the site, like Warrington depot", length=100
    )
    address_line_2 = None
    submit = SubmitField("Add site", widget=SubmitInput())


class AuthorityForm(StepForm):
    """Which force-area authority the premises are in, where the postcode cannot tell."""

    authority = radios(
        "Which council area are the premises in?",
        required="Select the council area the premises are in",
    )


class SizeForm(StepForm):
    staff_headcount = WholeNumberField(
        "Number of staff",
        description="Everyone employed, full and part time, as a headcount.",
        validators=[
            InputRequired(message="Enter the number of staff"),
            NumberRange(min=0, max=10_000_000, message="Number of staff must be a whole number, 0 or more"),
        ],
    )
    turnover = MoneyField(
        "Annual turnover, in pounds", validators=[InputRequired(message="Enter the annual turnover")]
    )
    balance_sheet_total = MoneyField(
        "Balance sheet total, in pounds (optional)",
        description="Total assets, from the same year's accounts. Leave blank if you have none.",
        validators=[Optional()],
    )
    financial_year_end = GovDateField(
        "End of the financial year these figures are for",
        required_message="Enter the date the financial year ended",
        description="For example, 31 3 2026 or 31 March 2026",
    )


class SuppliesForm(StepForm):
    divisions = SelectMultipleField(
        "What does your organisation supply?",
        widget=CheckboxesInput(),
        description="Select all that apply. These are the divisions of the Common Procurement Vocabulary.",
        validators=[InputRequired(message="Select at least one kind of goods, works or services")],
    )


class VcseForm(StepForm):
    vcse_declared = yes_no(
        "Is your organisation a social enterprise, a mutual, or a voluntary or community organisation?",
        "Select yes if your organisation is a social enterprise, mutual or voluntary organisation",
    )
    supported_employment_provider = yes_no(
        "Is it a supported employment provider?",
        "Select yes if your organisation is a supported employment provider",
        description="Its main aim is the social and professional integration of disabled or disadvantaged people "
        "(Procurement Act 2023).",
    )
    public_service_mutual = yes_no(
        "Is it a public service mutual?",
        "Select yes if your organisation is a public service mutual",
        description="It left the public sector and continues to deliver public services, with employees "
        "influential in how it is run.",
    )


class LivingWageForm(StepForm):
    living_wage = radios(
        "Does your organisation pay the Real Living Wage?",
        choices=(
            (LivingWage.ACCREDITED, "Yes, we are an accredited Living Wage Employer"),
            (LivingWage.PLAN, "We have a written plan to work towards it"),
            (LivingWage.NOT_YET, "Not yet"),
        ),
        required="Select your organisation's Real Living Wage position",
    )


class ModernSlaveryForm(StepForm):
    modern_slavery_statement_url = text_field(
        "Web address of your modern slavery statement",
        required="Enter the web address of your modern slavery statement",
        length=300,
        noun="Web address",
        checks=[URL(message="Enter the statement's full web address, starting https://")],
    )


class TaxForm(StepForm):
    declared = checkbox(
        "I confirm the organisation has met its obligations to pay taxes and social security contributions in the UK",
        required="Confirm the organisation has met its tax obligations",
    )


class ConfirmRegistrationForm(FlaskForm):
    submit = SubmitField("Confirm and register", widget=SubmitInput())


class AccreditationForm(FlaskForm):
    kind = radios(
        "Accreditation",
        choices=((kind, ACCREDITATION_NAMES[kind]) for kind in AccreditationKind),
        required="Select the accreditation",
    )
    other_name = StringField(
        "Name of the accreditation, if you chose other",
        widget=TextInput(),
        filters=[strip_text],
        # No Optional(): it would skip the check that "other" is named.
        validators=[Length(max=100, message="Name must be 100 characters or fewer"), PlainText()],
    )
    certificate_number = text_field("Certificate number", required="Enter the certificate number", length=100)
    expires_on = GovDateField(
        "Expiry date",
        required_message="Enter the certificate's expiry date",
        description="For example, 31 3 2027",
    )
    evidence = FileField(
        "Certificate or other evidence (optional)",
        widget=FileInput(),
        description="A PDF, PNG or JPEG, smaller than 10 MB.",
    )
    submit = SubmitField("Add accreditation", widget=SubmitInput())

    def validate_other_name(self, field) -> None:
        if self.kind.data == AccreditationKind.OTHER.value and not field.data:
            raise ValidationError("Enter the name of the accreditation")


class InviteColleagueForm(FlaskForm):
    email = email_field("Email address", required="Enter your colleague's email address")
    submit = SubmitField("Send invitation", widget=SubmitInput())


class CancelInvitationForm(FlaskForm):
    invitation_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), row_id])


class DecisionForm(FlaskForm):
    """Verify or override one classification, always with a note."""

    classification = HiddenField(validators=[InputRequired(), AnyOf(["local", "sme", "vcse"])])
    value = yes_no("Decision", "Select yes or no")
    note = TextAreaField(
        "Note",
        widget=TextArea(),
        description="What you checked, or why you override the portal's answer. The organisation sees this note.",
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter a note about your decision"),
            Length(max=2000, message="Note must be 2000 characters or fewer"),
            PlainText(multiline=True),
        ],
    )
    submit = SubmitField("Record decision", widget=SubmitInput())


class OrganisationFilterForm(FilterForm):
    q = text_field("Name or Companies House number")
    status = select_field(
        "Registration", [("registered", "Registered"), ("in_progress", "Profile in progress")]
    )
