"""Pieces every area's forms share: the GOV.UK widgets (govuk-frontend-wtf's, each rendering the
library's own template), filter forms read from the query string, the one-button confirmation form
and the form that carries a record's revision. Every area takes its widgets from here, never from
govuk-frontend-wtf; the common fields built on them are portal.fields'."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable, Mapping
from typing import ClassVar

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
from jinja2 import Environment
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Field, IntegerField, SelectChoice, SubmitField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput


def init_forms(app: Flask) -> None:
    """Templates' helper for the error summary: `wtforms_errors(form)`."""
    WTFormsHelpers(app)


class _Rendered:
    """A govuk-frontend-wtf widget whose template is rendered straight from the Jinja environment:
    render_template, which the library uses, runs every context processor for each widget."""

    template: str

    def __call__(self, field: Field, **kwargs: object) -> Markup:
        # A kept filter form's field (bind_filters) is drawn the same for the same arguments.
        drawn = getattr(field, "drawn", None)
        if drawn is None:
            return super().__call__(field, **kwargs)
        try:
            key = pickle.dumps(kwargs, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return super().__call__(field, **kwargs)
        if key not in drawn:
            drawn[key] = super().__call__(field, **kwargs)
        return drawn[key]

    def render(self, params: dict) -> Markup:
        env = current_app.jinja_env
        try:
            key = (env, self.template, pickle.dumps(params, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError):
            return _render(env, self.template, params)
        markup = _remembered.get(key)
        if markup is None:
            if len(_remembered) >= REMEMBERED_WIDGETS:
                _remembered.clear()
            markup = _remembered[key] = _render(env, self.template, params)
        return markup


def _render(env: Environment, name: str, params: dict) -> Markup:
    # Safe: the output of an autoescaping template, as govuk-frontend-wtf itself returns it.
    return Markup(env.get_template(name).render(params=params))  # noqa: S704  # nosec B704


# A widget's markup is a function of its template and its parameters alone, so it is kept per
# pickled parameters (which tell Markup from str), up to REMEMBERED_WIDGETS of them, then all
# forgotten at once: a text input 281 -> 4 microseconds, a select of 46 options 833 -> 35; the
# profile's supplies page 6.9 -> 1.6 ms a GET (docs/performance.md).
REMEMBERED_WIDGETS = 2048
_remembered: dict[tuple[Environment, str, bytes], Markup] = {}


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


class FilterForm(FlaskForm):
    """Filters read from the query string: a GET form, so no CSRF token and no state changes.

    `options_from` names the selects whose options are read afresh for each form, each with the
    function that reads them as (value, label) pairs: "Any" comes first."""

    class Meta:
        csrf = False

    options_from: ClassVar[tuple[tuple[str, Callable[[], Options]], ...]] = ()
    submit = SubmitField("Filter", widget=SubmitInput())

    def __init__(self, *args: object, options: Mapping[str, Options] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name, pairs in (options or self.read_options()).items():
            self[name].choices = [
                SelectChoice("", "Any"),
                *(SelectChoice(value, label) for value, label in pairs),
            ]

    @classmethod
    def read_options(cls) -> dict[str, Options]:
        return {name: read() for name, read in cls.options_from}


Options = tuple[tuple[object, str], ...]


def bind_filters(
    form_class: type[FilterForm], *, keep_valid: bool = False
) -> tuple[FilterForm, dict[str, object]]:
    """A filter form bound to the query string, and the values to filter by: each field's, or
    every one empty when any is refused (the form then shows why, and the list is unfiltered);
    with `keep_valid`, only a refused field's is empty and the others still apply.

    The form is kept, validated and with its fields' markup, for the next request with the same
    query and options: a filter form is drawn from those alone, and pages only read it."""
    options = form_class.read_options()
    query = tuple((name, tuple(request.args.getlist(name))) for name in _field_names(form_class))
    kept = _kept_filters(form_class, keep_valid, query, tuple(options.items()))
    if not kept:
        form = form_class(request.args, options=options)
        values = _filter_values(form, keep_valid)
        for field in form:
            field.drawn = {}
        kept.append((form, values))
    form, values = kept[0]
    return form, dict(values)


def _filter_values(form: FilterForm, keep_valid: bool) -> dict[str, object]:
    valid = form.validate() if request.args else True
    values = {
        name: "" if field.data is None or (keep_valid and field.errors) else field.data
        for name, field in form._fields.items()
        if name != "submit"
    }
    return values if valid or keep_valid else dict.fromkeys(values, "")


@functools.cache
def _field_names(form_class: type[FilterForm]) -> tuple[str, ...]:
    return tuple(form_class(MultiDict(), options={name: () for name, _ in form_class.options_from})._fields)


# Kept, and found by the query and the options without making a form: the opportunities' search
# with three filters went 2.10 -> 1.98 ms a GET, the officers' queue filtered 2.22 -> 2.02
# (docs/performance.md).
@functools.lru_cache(maxsize=256)
def _kept_filters(form_class: type[FilterForm], keep_valid: bool, query: tuple, options: tuple) -> list:
    """A holder for (the form drawn from `query` and `options`, its values), filled by bind_filters
    the first time (the cache keeps the most recent 256)."""
    return []


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: sign out, stay signed in, confirm an email address."""


class RevisionForm(FlaskForm):
    """A form that makes a workflow move: `revision` is the record's when the page was drawn, so a
    move made from a page older than the record's last change is refused (portal.workflow). A post
    without one is judged by the record's state alone."""

    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])
