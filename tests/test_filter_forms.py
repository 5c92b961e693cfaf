"""Filter forms (portal.forms.bind_filters): kept, validated and drawn, for the next request with
the same query and options; drawn afresh when either changes; never shared as values."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from flask import request
from wtforms import SelectField
from wtforms.validators import Optional

import portal
from portal.forms import FilterForm, Select, bind_filters
from portal.officers.forms import OutboxFilterForm

# ColourForm's options, as a form whose options come from the database reads them.
COLOURS = [("red", "Red")]


def colour_options() -> tuple[tuple[str, str], ...]:
    return tuple(COLOURS)


class ColourForm(FilterForm):
    colour = SelectField("Colour", widget=Select(), validators=[Optional()])
    options_from = (("colour", colour_options),)


def bound(app, query: str, form_class=ColourForm, **kwargs):
    with app.test_request_context(f"/?{query}"):
        form, values = bind_filters(form_class, **kwargs)
        return form, values, str(form.colour() if form_class is ColourForm else form.state())


def test_the_same_query_is_answered_by_the_kept_form(app):
    first, values, drawn = bound(app, "colour=red")
    again, values_again, drawn_again = bound(app, "colour=red")
    assert again is first
    assert values_again == values == {"colour": "red"}
    assert drawn_again == drawn
    assert 'value="red" selected' in drawn


def test_the_values_are_the_pages_own_to_change(app):
    _form, values, _drawn = bound(app, "colour=red")
    values["colour"] = "changed by a page"
    assert bound(app, "colour=red")[1] == {"colour": "red"}


def test_another_query_or_another_kind_of_form_is_drawn_afresh(app):
    red = bound(app, "colour=red")[0]
    assert bound(app, "colour=")[0] is not red
    assert bound(app, "colour=red", keep_valid=True)[0] is not red
    assert bound(app, "state=failed", OutboxFilterForm)[0] is not red


def test_a_form_reads_its_options_with_any_first(app):
    with app.test_request_context("/"):
        form = ColourForm()
        assert [(choice.value, choice.label) for choice in form.colour.choices] == [
            ("", "Any"),
            ("red", "Red"),
        ]


def test_no_filter_form_sets_its_choices_but_through_its_options():
    """A kept form is found by its query and its `options_from` alone: choices a form set in its
    own __init__ would be kept past their change."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        for name, value in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(value) and issubclass(value, FilterForm) and value is not FilterForm:
                assert "__init__" not in vars(value), f"{module.name}.{name} sets its choices in __init__"


def test_a_new_choice_draws_the_form_afresh(app, monkeypatch):
    before, _values, drawn = bound(app, "colour=blue")
    assert "Not a valid choice" in drawn
    monkeypatch.setattr(f"{__name__}.COLOURS", [*COLOURS, ("blue", "Blue")])
    after, values, drawn = bound(app, "colour=blue")
    assert after is not before
    assert values == {"colour": "blue"}
    assert 'value="blue" selected' in drawn
    assert "Not a valid choice" not in drawn


def test_a_refused_filter_is_refused_again_from_the_kept_form(app):
    for _ in range(2):
        form, values, drawn = bound(app, "state=%3Cb%3E", OutboxFilterForm)
        assert list(form.errors) == ["state"]
        assert values == {"state": ""}
        assert "govuk-error-message" in drawn


def test_a_kept_field_is_drawn_as_a_fresh_one_is(app):
    with app.test_request_context("/?state=failed"):
        fresh = OutboxFilterForm(request.args)
        fresh.validate()
        expected = str(fresh.state(params={"classes": "x"}))
        kept, _values = bind_filters(OutboxFilterForm)
        assert str(kept.state(params={"classes": "x"})) == expected
        assert str(bind_filters(OutboxFilterForm)[0].state(params={"classes": "x"})) == expected
