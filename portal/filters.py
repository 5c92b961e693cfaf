"""Filter forms read from the query string (a GET form: portal.forms.FilterForm), and
kept per query string where they are valid.

A value the form does not know is shown as an error and ignored; the other filters still apply.
A valid form's values and markup depend only on the query string and the form's choices, so each
process keeps them per query string and choices: on the busiest lists (the opportunities, the
officers' queue) building, checking and writing the form was a sixth of the page's time, and most
visits share a few query strings. A refused value is read afresh each time, for its error
summary."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple

from flask import request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

# Filter values longer than this in all are read afresh each time rather than kept.
KEPT_QUERY = 500


class Filters(NamedTuple):
    """A filter form read from a query string."""

    chosen: dict[str, str]  # each field's valid value, "" where none or refused; never changed
    fields: Markup  # the form's fields, its button and a link that clears the filters
    form: FlaskForm | None  # only where a value was refused, for the error summary


def read_filters(
    build: Callable[[MultiDict], FlaskForm], write: Callable[[FlaskForm], Markup], choices: Hashable
) -> Filters:
    """The request's filters: `build(args)` makes the form bound to the arguments, its choices
    set; `write(form)` writes its fields (filter_fields); `choices` changes whenever the choices
    do. `build` and `write` are module-level functions, so that a kept form is found again.
    Only the form's own fields are the key: a page's cursor or a campaign's parameter changes
    nothing in the form."""
    fields = _field_names(build)
    args = tuple((name, value) for name, value in request.args.items(multi=True) if name in fields)
    if sum(len(name) + len(value) for name, value in args) <= KEPT_QUERY:
        kept = _kept(build, write, args, choices)
        if kept is not None:
            return kept
    form, chosen = _bound(build, request.args)
    return Filters(chosen, write(form), form if form.errors else None)


@functools.cache
def _field_names(build: Callable[[MultiDict], FlaskForm]) -> frozenset[str]:
    return frozenset(build(MultiDict())._fields)


@functools.lru_cache(maxsize=2048)
def _kept(build, write, args: tuple[tuple[str, str], ...], _choices: Hashable) -> Filters | None:
    form, chosen = _bound(build, MultiDict(args))
    return None if form.errors else Filters(chosen, write(form), None)


def _bound(build: Callable[[MultiDict], FlaskForm], args: MultiDict) -> tuple[FlaskForm, dict[str, str]]:
    form = build(args)
    if args:
        form.validate()
    return form, {name: "" if field.errors else (field.data or "") for name, field in form._fields.items()}


def filter_fields(
    form: FlaskForm, names: Iterable[str], endpoint: str, params: dict[str, dict] | None = None
) -> Markup:
    """The fields `names` of a filter form (each with its `params`, if given), its button, and a
    link to `endpoint` without filters."""
    params = params or {}
    fields = [form[name](params=params[name]) if name in params else form[name]() for name in names]
    fields.append(
        Markup(
            '<div class="govuk-button-group">{}<a class="govuk-link" href="{}">Clear filters</a></div>'
        ).format(form.submit(params={"classes": "govuk-button--secondary"}), url_for(endpoint))
    )
    return Markup("\n").join(fields)
