"""The common fields every area's forms are built of, each with its GOV.UK widget and the Design
System's messages: text (trimmed, hostile characters refused), choices, dates, money, whole numbers,
email and website addresses. The widgets themselves are portal.forms'."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.database import LARGEST_ID
from portal.forms import CheckboxInput, DateInput, RadioInput, Select, TextArea, TextInput
from portal.time import read_month

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; NUL is among them
# (PostgreSQL refuses it in text). The bidirectional embeddings, overrides and isolates too
# (U+202A-U+202E, U+2066-U+2069): they can show an officer a name or address reversed. The
# left-to-right and right-to-left marks (U+200E, U+200F) stay: they only nudge, and people use
# them. Line breaks are refused separately where a field is one line.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def strip_text(value: object) -> object:
    """Filter: trim surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value


def text_field(
    label: str,
    *,
    required: str | None = None,
    length: int = 200,
    noun: str | None = None,
    checks: Sequence[Callable[[Any, Field], None]] | None = None,
    too_long: str | None = None,
    **kwargs,
) -> StringField:
    """A one-line text input: trimmed, at most `length` characters, no control characters, then
    `checks`; required with the message given, else optional. The message that it is too long
    (`too_long`, by default) names it by `noun`, where that is not its label."""
    # DataRequired reads the trimmed value: only spaces is as good as nothing.
    validators = [DataRequired(message=required)] if required else [Optional()]
    too_long = too_long or f"{noun or label} must be {length} characters or fewer"
    validators.append(Length(max=length, message=too_long))
    validators += [PlainText(), *(checks or ())]
    return StringField(label, widget=TextInput(), filters=[strip_text], validators=validators, **kwargs)


def postcode_field(*, required: str, length: int) -> StringField:
    """A postcode: one longer than `length` is no postcode at all."""
    return text_field(
        "Postcode", required=required, length=length, too_long="Enter a real postcode, like CW7 2UA"
    )


def text_area(label: str, *, required: str | None = None, length: int = 2000) -> TextAreaField:
    """A multi-line text box: trimmed, at most `length` characters, no control characters but line
    breaks; required with the message given, else optional."""
    return TextAreaField(
        label,
        widget=TextArea(),
        filters=[strip_text],
        validators=[
            DataRequired(message=required) if required else Optional(),
            Length(max=length, message=f"{label} must be {length:,} characters or fewer"),
            PlainText(multiline=True),
        ],
    )


def select_field(label: str, options: list[tuple[str, str]]) -> SelectField:
    """An optional drop-down for filters: `options` as (value, text), "Any" first."""
    return SelectField(
        label,
        widget=Select(),
        choices=[SelectChoice("", "Any"), *(SelectChoice(value, text) for value, text in options)],
        validators=[Optional()],
    )


def radios(label: str, *, required: str, choices: Iterable[tuple[str, str]] = (), **kwargs) -> RadioField:
    """Radios that must be answered, with the message given; `choices` as (value, text), or none
    where the page sets them from the database."""
    return RadioField(
        label,
        widget=RadioInput(),
        choices=[SelectChoice(str(value), text) for value, text in choices] or None,
        validators=[InputRequired(message=required)],
        **kwargs,
    )


def yes_no(label: str, message: str, **kwargs) -> RadioField:
    """Yes and No radios, required with the message given."""
    return radios(label, required=message, choices=(("yes", "Yes"), ("no", "No")), **kwargs)


def checkbox(label: str, *, required: str | None = None) -> BooleanField:
    """One checkbox; where it must be ticked, `required` says what to confirm."""
    validators = [InputRequired(message=required)] if required else []
    return BooleanField(label, widget=CheckboxInput(), validators=validators)


def area_field(label: str, areas: dict[str, str], *, required: str, **kwargs) -> SelectField:
    """A required drop-down of council areas (`areas`: code to name), "Choose an area" first."""
    return SelectField(
        label,
        widget=Select(),
        choices=[
            SelectChoice("", "Choose an area"),
            *(SelectChoice(code, name) for code, name in areas.items()),
        ],
        validators=[InputRequired(message=required)],
        **kwargs,
    )


def row_id(_form, field: Field) -> None:
    """A record's id from a form, within the ids' column as the URLs' numbers are
    (portal.database.RowIdConverter): a larger one would be an error in the database, not a 404.
    Not NumberRange, whose NaN check overflows on an integer this large."""
    if field.data is not None and not 1 <= field.data <= LARGEST_ID:
        raise ValidationError("Not a record's id")


class PlainText:
    """Refuse control characters, and line breaks in a one-line field."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form, field: Field) -> None:
        value = field.data or ""
        if not isinstance(value, str):
            return
        if _CONTROL.search(value) or (not self.multiline and _LINE_BREAK.search(value)):
            raise ValidationError(
                f"{field.label.text} must not contain special characters such as line breaks"
            )


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year boxes) with the Design System's messages. Give
    `required_message` for a required date (not InputRequired, which reads only the day box
    and would hide "must include a month")."""

    def __init__(self, label: str, *, required_message: str | None = None, **kwargs) -> None:
        super().__init__(label, format="%d %m %Y", widget=DateInput(), **kwargs)
        self.required_message = required_message

    def process_formdata(self, valuelist) -> None:
        parts = [part.strip() for part in [*valuelist, "", "", ""][:3]]
        if not any(parts):
            self.data = None
            return
        self._refuse_missing(parts)
        self.data = self._real_date(parts)
        if not 1900 <= self.data.year <= 2200:
            raise ValueError(f"{self.label.text} must be a real date, with a 4-digit year")

    def _refuse_missing(self, parts: list[str]) -> None:
        """:raise ValueError: naming the boxes left empty."""
        if missing := [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]:
            raise ValueError(f"{self.label.text} must include a {' and a '.join(missing)}")

    def _real_date(self, parts: list[str]) -> date:
        try:
            day, month, year = int(parts[0]), read_month(parts[1]), int(parts[2])
            return date(year, month, day)
        except (ValueError, OverflowError, TypeError):  # TypeError: no month read
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date") from None

    def pre_validate(self, form) -> None:
        if self.data is None and not self.process_errors and self.required_message:
            raise StopValidation(self.required_message)


MONEY = re.compile(r"^£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?\Z", re.ASCII)


class MoneyField(StringField):
    """Pounds: commas and a pound sign accepted, pence allowed, never negative."""

    def __init__(self, label: str, *, limit: Decimal = Decimal("999999999999.99"), **kwargs) -> None:
        super().__init__(label, widget=TextInput(), filters=[strip_text], **kwargs)
        self.limit = limit
        self.amount: Decimal | None = None

    def process_data(self, value) -> None:
        self.amount = value
        self.data = f"{value:,.2f}".removesuffix(".00") if isinstance(value, Decimal) else value

    def post_validate(self, form, validation_stopped: bool) -> None:
        if validation_stopped or not self.data:
            self.amount = None
            return
        text = self.data.replace(" ", "")
        if text.startswith("-") or text.startswith("£-"):
            self.errors.append(f"{self.label.text} must be 0 or more")
        elif not MONEY.match(text):
            self.errors.append(f"{self.label.text} must be an amount in pounds, like 250000 or 1,250,000.50")
        else:
            self.amount = Decimal(text.lstrip("£").replace(",", ""))
            if self.amount > self.limit:
                self.errors.append(f"{self.label.text} must be {self.limit:,.0f} pounds or less")


class WholeNumberField(IntegerField):
    """A count: commas accepted, the Design System's message when it is not a whole number."""

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, widget=TextInput(), **kwargs)

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip().replace(",", "")
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 42")
        self.data = int(text)


def email_field(
    label: str = "Email address", required: str | None = "Enter your email address"
) -> EmailField:
    """An email address input; `required=None` for an optional one."""
    return EmailField(
        label,
        widget=TextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message=required) if required else Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            PlainText(),
            Email(message="Enter an email address in the correct format, like name@example.com"),
        ],
    )


def web_address(_form, field) -> None:
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError("Enter the website's full address, starting https://")


def website_field(label: str = "Website (optional)") -> StringField:
    return text_field(
        label,
        length=300,
        noun="Website",
        checks=[web_address, URL(message="Enter the website's full address, starting https://")],
    )
