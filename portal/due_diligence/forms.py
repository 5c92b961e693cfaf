"""The questionnaire and the officers' forms, with the Design System's messages."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.due_diligence.rules import AgencyCheck, Region, RiskRating, Sector, SocialAudit, Training
from portal.fields import PlainText, radios, select_field, strip_text, text_field, yes_no
from portal.forms import FilterForm, SubmitInput, TextArea, TextInput

SECTOR_NAMES = {
    Sector.CONSTRUCTION: "Construction, building maintenance or repair",
    Sector.CLEANING: "Cleaning or facilities management",
    Sector.SECURITY: "Security services",
    Sector.TEXTILES: "Textiles, clothing or uniforms",
    Sector.AGRICULTURE_FOOD: "Agriculture, food or catering",
    Sector.ELECTRONICS: "Electronics or IT hardware manufacture",
    Sector.LOGISTICS: "Logistics, transport or vehicle services (including vehicle washing)",
    Sector.WASTE: "Waste or recycling",
    Sector.HOSPITALITY: "Hospitality (hotels, venues, events)",
    Sector.PROFESSIONAL: "Professional services (legal, financial, consultancy, training)",
    Sector.DIGITAL: "Software, digital or IT services",
    Sector.OTHER: "Something else",
}
REGION_NAMES = {
    Region.UK: "The UK",
    Region.EEA: "The European Economic Area (EEA) or Switzerland",
    Region.NORTH_AMERICA_OCEANIA: "The USA, Canada, Australia or New Zealand",
    Region.OTHER_EUROPE: "Elsewhere in Europe (including Turkey and Ukraine) or Central Asia",
    Region.ASIA: "South, South-East or East Asia (including China and India)",
    Region.MIDDLE_EAST_NORTH_AFRICA: "The Middle East or North Africa",
    Region.AFRICA: "Africa south of the Sahara",
    Region.LATIN_AMERICA: "Latin America or the Caribbean",
    Region.UNKNOWN: "We do not know where all of them are made",
    Region.SERVICES_ONLY: "We supply services only, no goods",
}
AGENCY_CHECK_NAMES = {
    AgencyCheck.GLAA: "They hold a Gangmasters and Labour Abuse Authority (GLAA) licence where the work "
    "needs one",
    AgencyCheck.PAY_DIRECT: "They pay workers directly and charge them no fee for finding work",
    AgencyCheck.DOCUMENTS: "Workers keep their own passports and identity documents",
    AgencyCheck.NONE: "None of these",
}
AUDIT_NAMES = {
    SocialAudit.SMETA: "SMETA (Sedex Members Ethical Trade Audit)",
    SocialAudit.SA8000: "SA8000",
    SocialAudit.AMFORI_BSCI: "amfori BSCI",
    SocialAudit.OTHER: "Another social audit",
    SocialAudit.NONE: "None",
}
TRAINING_NAMES = {
    Training.YES: "Yes, all the staff who recruit, manage workers or buy goods and services",
    Training.SOME: "Some of them",
    Training.NO: "No",
}
RATING_NAMES = {RiskRating.LOW: "Low", RiskRating.MEDIUM: "Medium", RiskRating.HIGH: "High"}


def _choices(names: dict) -> list[SelectChoice]:
    return [SelectChoice(value.value, text) for value, text in names.items()]


def _checkboxes(label: str, names: dict, message: str, **kwargs) -> SelectMultipleField:
    """Checkboxes; written out by templates/due_diligence/_choices.html, which adds the "or"
    before the exclusive answer (services only, none) and the revealed follow-up questions."""
    return SelectMultipleField(
        label, choices=_choices(names), validators=[InputRequired(message=message)], **kwargs
    )


def _exclusive(field: SelectMultipleField, value: str, message: str) -> None:
    if value in field.data and len(field.data) > 1:
        raise ValidationError(message)


class DueDiligenceForm(FlaskForm):
    sector = radios(
        "Which sector does your organisation mainly work in?",
        choices=SECTOR_NAMES.items(),
        required="Select the sector your organisation mainly works in",
    )
    sourcing = _checkboxes(
        "Where are the goods you supply made or sourced?",
        REGION_NAMES,
        "Select where your goods are made or sourced, or that you supply services only",
        description="Select all that apply, including the raw materials where you know.",
    )
    countries = text_field(
        "Which countries outside the UK? (optional)",
        length=300,
        noun="Countries",
        description="For example, Bangladesh, Turkey, Viet Nam.",
    )
    agency_labour = yes_no(
        "Does your organisation use agency workers or subcontracted labour?",
        "Select yes if your organisation uses agency workers or subcontracted labour",
        description="Including labour providers, and subcontractors who supply the workers on your contracts.",
    )
    agency_checks = SelectMultipleField(
        "If you do, which of these do you check for every agency or subcontractor?",
        choices=_choices(AGENCY_CHECK_NAMES),
        description="Select all that apply. Leave this blank if you answered no.",
    )
    social_audits = _checkboxes(
        "Which social audits have your sites, or your suppliers' sites, had in the last 3 years?",
        AUDIT_NAMES,
        "Select the social audits held, or none",
        description="Audits of working conditions by an independent auditor. The accreditations on your "
        "profile are counted already: do not add them here.",
    )
    other_audit = StringField(
        "Name of the other social audit",
        widget=TextInput(),
        filters=[strip_text],
        # No Optional(): it would skip the check that "another" is named.
        validators=[Length(max=100, message="Name must be 100 characters or fewer"), PlainText()],
    )
    grievance_route = yes_no(
        "Can workers, including agency workers, raise concerns confidentially?",
        "Select yes if workers can raise concerns confidentially",
        description="For example, through an independent helpline, a whistleblowing service or a trade union "
        "route, without fear of losing their job.",
    )
    training = radios(
        "Have your staff been trained on modern slavery in the last 2 years?",
        choices=TRAINING_NAMES.items(),
        required="Select whether your staff have been trained on modern slavery",
    )
    submit = SubmitField("Save and see your rating", widget=SubmitInput())

    def validate_sourcing(self, field) -> None:
        _exclusive(
            field,
            Region.SERVICES_ONLY.value,
            "Select where your goods are made or sourced, or that you supply services only, not both",
        )

    def validate_agency_checks(self, field) -> None:
        if self.agency_labour.data != "yes":
            field.data = []  # checks count only after a yes; ticked after a no, they are dropped
            return
        if not field.data:
            raise ValidationError(
                "Select the checks you make on every agency or subcontractor, or none of these"
            )
        _exclusive(field, AgencyCheck.NONE.value, "Select the checks you make, or none of these, not both")

    def validate_social_audits(self, field) -> None:
        _exclusive(field, SocialAudit.NONE.value, "Select the social audits held, or none, not both")

    def validate_other_audit(self, field) -> None:
        if SocialAudit.OTHER.value not in (self.social_audits.data or []):
            field.data = None
        elif not field.data:
            raise ValidationError("Enter the name of the other social audit")

    def answers(self) -> dict[str, Any]:
        """The validated answers as the model's columns."""
        return {
            "sector": Sector(self.sector.data),
            "sourcing": list(self.sourcing.data),
            "countries": self.countries.data or None,
            "agency_labour": self.agency_labour.data == "yes",
            "agency_checks": list(self.agency_checks.data or []),
            "social_audits": list(self.social_audits.data),
            "other_audit": self.other_audit.data or None,
            "grievance_route": self.grievance_route.data == "yes",
            "training": Training(self.training.data),
        }

    @staticmethod
    def data_from(row) -> dict[str, Any]:
        """A saved row's answers as the form shows them."""
        return {
            "sector": row.sector.value,
            "sourcing": row.sourcing,
            "countries": row.countries,
            "agency_labour": "yes" if row.agency_labour else "no",
            "agency_checks": row.agency_checks,
            "social_audits": row.social_audits,
            "other_audit": row.other_audit,
            "grievance_route": "yes" if row.grievance_route else "no",
            "training": row.training.value,
        }


class FollowUpForm(FlaskForm):
    note = TextAreaField(
        "Follow-up",
        widget=TextArea(),
        description="What you did or asked for, for example: asked for the SMETA report on the Leicester "
        "factory. The organisation does not see this note.",
        filters=[strip_text],
        validators=[
            DataRequired(message="Enter what you did or asked for"),  # reads the trimmed note
            Length(max=2000, message="Follow-up must be 2000 characters or fewer"),
            PlainText(multiline=True),
        ],
    )
    submit = SubmitField("Record follow-up", widget=SubmitInput())


class RatingFilterForm(FilterForm):
    """The officers' list filter."""

    rating = select_field("Rating", [(rating.value, RATING_NAMES[rating]) for rating in reversed(RiskRating)])


def answer_rows(row) -> list[tuple[str, str, str]]:
    """(question, answer, field id) for a summary list of saved answers."""
    return [
        ("Sector", SECTOR_NAMES[row.sector], "sector"),
        (
            "Where goods are made or sourced",
            "; ".join(REGION_NAMES[Region(r)] for r in row.sourcing),
            "sourcing",
        ),
        ("Countries outside the UK", row.countries or "None named", "countries"),
        ("Agency workers or subcontracted labour", "Yes" if row.agency_labour else "No", "agency_labour"),
        *_agency_checks_rows(row),
        ("Social audits in the last 3 years", _audits_answer(row), "social_audits"),
        ("Confidential grievance route", "Yes" if row.grievance_route else "No", "grievance_route"),
        ("Modern slavery training in the last 2 years", TRAINING_NAMES[row.training], "training"),
    ]


def _agency_checks_rows(row) -> list[tuple[str, str, str]]:
    """The checks on agencies, asked only of an organisation that uses agency labour."""
    if not row.agency_labour:
        return []
    checks = "; ".join(AGENCY_CHECK_NAMES[AgencyCheck(check)] for check in row.agency_checks)
    return [("Checks on every agency or subcontractor", checks, "agency_checks")]


def _audits_answer(row) -> str:
    """The social audits named; "Other" with what the organisation wrote, where it wrote it."""
    return "; ".join(
        f"{AUDIT_NAMES[SocialAudit.OTHER]}: {row.other_audit}"
        if audit == SocialAudit.OTHER and row.other_audit
        else AUDIT_NAMES[SocialAudit(audit)]
        for audit in row.social_audits
    )
