"""Pieces every area's forms share: the GOV.UK widgets (govuk-frontend-wtf's, each rendering the
library's own template), the portal's handling of hostile text, the common fields (email,
website), filter forms read from the query string, and the one-button confirmation form. Every
area takes its widgets from here, never from govuk-frontend-wtf."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import WTFormsHelpers
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from markupsafe import Markup
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
    SubmitField,
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
from wtforms.widgets import HiddenInput

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; NUL is among them
# (PostgreSQL refuses it in text). Line breaks are refused separately where a field is one line.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def strip_text(value: object) -> object:
    """Filter: trim surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value


def init_forms(app: Flask) -> None:
    """Templates' helper for the error summary: `wtforms_errors(form)`."""
    WTFormsHelpers(app)


class _Rendered:
    """A govuk-frontend-wtf widget whose template is rendered straight from the Jinja environment:
    render_template, which the library uses, runs every context processor for each widget."""

    template: str

    def render(self, params: dict) -> Markup:
        template = current_app.jinja_env.get_template(self.template)
        # Safe: the output of an autoescaping template, as govuk-frontend-wtf itself returns it.
        return Markup(template.render(params=params))  # noqa: S704  # nosec B704


class TextInput(_Rendered, GovTextInput):
    pass


class PasswordInput(_Rendered, GovPasswordInput):
    pass


class TextArea(_Rendered, GovTextArea):
    pass


class Select(_Rendered, GovSelect):
    pass


class SubmitInput(_Rendered, GovSubmitInput):
    pass


class FileInput(_Rendered, GovFileInput):
    pass


class RadioInput(_Rendered, GovRadioInput):
    pass


class CheckboxInput(_Rendered, GovCheckboxInput):
    """One checkbox, for a BooleanField."""


class CheckboxesInput(_Rendered, GovCheckboxesInput):
    """Checkboxes, for a SelectMultipleField."""


class DateInput(_Rendered, GovDateInput):
    """Day, month and year boxes, padded when a tampered form leaves out some of them (the library
    would crash unpacking fewer than three values)."""

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = [*list(field.raw_data)[:3], "", "", ""][:3]
        return super().map_gov_params(field, **kwargs)


def text_field(
    label: str,
    *,
    required: str | None = None,
    length: int = 200,
    noun: str | None = None,
    checks: Sequence[Callable[[Any, Field], None]] | None = None,
    **kwargs,
) -> StringField:
    """A one-line text input: trimmed, at most `length` characters, then `checks` (by default, no
    control characters); required with the message given, else optional. The message that it is
    too long names it by `noun`, where that is not its label."""
    # DataRequired reads the trimmed value: only spaces is as good as nothing.
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=length, message=f"{noun or label} must be {length} characters or fewer"))
    validators += [PlainText()] if checks is None else checks
    return StringField(label, widget=TextInput(), filters=[strip_text], validators=validators, **kwargs)


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
        if not all(parts):
            missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
            raise ValueError(f"{self.label.text} must include a {' and a '.join(missing)}")
        try:
            day, month, year = (int(part) for part in parts)
            self.data = date(year, month, day)
        except (ValueError, OverflowError):
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date") from None
        if not 1900 <= year <= 2200:
            raise ValueError(f"{self.label.text} must be a real date, with a 4-digit year")

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


class FilterForm(FlaskForm):
    """Filters read from the query string: a GET form, so no CSRF token and no state changes."""

    class Meta:
        csrf = False

    submit = SubmitField("Filter", widget=SubmitInput())


def bind_filters(
    form_class: type[FilterForm], *, keep_valid: bool = False
) -> tuple[FilterForm, dict[str, object]]:
    """A filter form bound to the query string, and the values to filter by: each field's, or
    every one empty when any is refused (the form then shows why, and the list is unfiltered);
    with `keep_valid`, only a refused field's is empty and the others still apply."""
    form = form_class(request.args)
    valid = form.validate() if request.args else True
    values = {
        name: "" if field.data is None or (keep_valid and field.errors) else field.data
        for name, field in form._fields.items()
        if name != "submit"
    }
    return form, (values if valid or keep_valid else dict.fromkeys(values, ""))


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: sign out, stay signed in, confirm an email address."""


class RevisionForm(FlaskForm):
    """A form that makes a workflow move: `revision` is the record's when the page was drawn, so a
    move made from a page older than the record's last change is refused (portal.workflow). A post
    without one is judged by the record's state alone."""

    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])
