"""The portal's widgets (portal/forms.py's subclasses of govuk-frontend-wtf's) against
govuk-frontend-jinja's macros: the same elements, attributes and text for the same params,
whitespace aside, so that no template of the portal's own stands in for the library's."""

from __future__ import annotations

import copy
from datetime import date
from html.parser import HTMLParser

import pytest
from jinja2 import Environment, PackageLoader, PrefixLoader
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from portal import forms as widgets
from portal.accounts.forms import SignInForm
from portal.officers.forms import AuditFilterForm, InviteOfficerForm, OutboxFilterForm
from portal.organisations.forms import (
    AboutForm,
    AccreditationForm,
    DecisionForm,
    SizeForm,
    SuppliesForm,
    VcseForm,
)

MACROS = Environment(
    loader=PrefixLoader(
        {
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }
    ),
    autoescape=True,
)


class Elements(HTMLParser):
    """HTML as (start tag, attributes), end tag and text events: classes as a set, text with its
    white space collapsed, empty text left out."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        attributes = {
            name: " ".join(sorted((value or "").split())) if name == "class" else value
            for name, value in attrs
        }
        self.events.append(("start", tag, tuple(sorted(attributes.items()))))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.events.append(("text", text))


def elements(html: str) -> list[tuple]:
    parser = Elements()
    parser.feed(str(html))
    return parser.events


def both(field, **kwargs) -> tuple[str, str]:
    """The field as the portal renders it, and the macro's rendering of the same params."""
    widget = type(field.widget)
    captured = {}
    portal_render = widget.render
    plain = field(**copy.deepcopy(kwargs))
    widget.render = lambda self, params: captured.setdefault("params", params) and ""
    try:
        field(**copy.deepcopy(kwargs))
    finally:
        widget.render = portal_render
    return str(plain), MACROS.get_template(field.widget.template).render(params=captured["params"])


def form(form_class, formdata=None, **kwargs):
    made = form_class(formdata, meta={"csrf": False}, **kwargs)
    if formdata is not None:
        made.validate()
    return made


CPV = [SelectChoice(f"{n:02d}", f"Division <{n}> & co") for n in range(45)]


def supplies(formdata=None, **kwargs):
    made = SuppliesForm(formdata, meta={"csrf": False}, **kwargs)
    made.divisions.choices = CPV
    if formdata is not None:
        made.validate()
    return made


CASES = {
    "date, empty": lambda: (form(SizeForm).financial_year_end, {}),
    "date, answered": lambda: (
        form(SizeForm, data={"financial_year_end": date(2026, 3, 31)}).financial_year_end,
        {},
    ),
    "date, a box left out": lambda: (
        form(SizeForm, MultiDict([("financial_year_end", d) for d in ("31", "", "2026")])).financial_year_end,
        {},
    ),
    "date, hostile and a page heading": lambda: (
        form(SizeForm, MultiDict([("financial_year_end", '"><b>')])).financial_year_end,
        {"params": {"fieldset": {"legend": {"text": "When?", "isPageHeading": True, "classes": "x"}}}},
    ),
    "file upload": lambda: (form(AccreditationForm).evidence, {"params": {"attributes": {"accept": ".pdf"}}}),
    "textarea, answered": lambda: (
        form(DecisionForm, MultiDict([("note", 'Checked <the> "register"\nand more')])).note,
        {"params": {"label": {"classes": "govuk-label--s"}, "rows": 4}},
    ),
    "textarea, refused": lambda: (form(DecisionForm, MultiDict([("note", "")])).note, {}),
    "button": lambda: (form(SizeForm).submit, {"params": {"classes": "govuk-button--secondary"}}),
    "text input": lambda: (
        form(AboutForm, data={"legal_name": 'A & "B"'}).legal_name,
        {"params": {"autocomplete": "organization", "spellcheck": False}},
    ),
    "text input, refused, with a prefix": lambda: (
        form(SizeForm, MultiDict([("turnover", "-5")])).turnover,
        {"params": {"prefix": {"text": "£"}, "inputmode": "decimal", "classes": "govuk-input--width-10"}},
    ),
    "text input with a suffix": lambda: (
        form(SizeForm, data={"staff_headcount": 12}).staff_headcount,
        {"params": {"suffix": {"text": "%"}, "classes": "govuk-input--width-5"}},
    ),
    "text input with a prefix and a suffix": lambda: (
        form(SizeForm, MultiDict([("turnover", "12")])).turnover,
        {"params": {"prefix": {"text": "£"}, "suffix": {"text": "a year"}}},
    ),
    "select": lambda: (form(OutboxFilterForm, MultiDict([("state", "failed")])).state, {}),
    "select, refused, with hostile choices": lambda: (
        hostile_select(),
        {"params": {"label": {"classes": "govuk-label--s"}, "classes": "govuk-!-width-full"}},
    ),
    "button, disabled, with attributes": lambda: (
        form(SizeForm).submit,
        {"params": {"disabled": True, "preventDoubleClick": True, "attributes": {"data-x": '"<y>'}}},
    ),
    "text inputs of a filter": lambda: (form(AuditFilterForm).action, {}),
    "text input, empty, without a hint": lambda: (form(AuditFilterForm).actor, {}),
    "password, refused": lambda: (form(SignInForm, MultiDict([("password", "")])).password, {}),
    "one checkbox, ticked": lambda: (form(InviteOfficerForm, data={"is_admin": True}).is_admin, {}),
    "checkboxes, two chosen": lambda: (supplies(data={"divisions": ["03", "44"]}).divisions, {}),
    "checkboxes, refused": lambda: (supplies(MultiDict()).divisions, {}),
    "radios, with a hint": lambda: (
        form(VcseForm, data={"supported_employment_provider": "no"}).supported_employment_provider,
        {},
    ),
}


def hostile_select():
    """A select whose choices and error carry markup: every one escaped, the chosen one kept."""
    field = form(OutboxFilterForm, MultiDict([("state", "<b>")])).state
    field.choices = [SelectChoice("", "Any"), SelectChoice("<b>", '<script>"x"</script> & co')]
    field.data = "<b>"
    field.errors = ["Choose <one> & only one"]
    return field


@pytest.mark.parametrize("case", list(CASES))
def test_plain_widgets_give_the_design_systems_markup(app, case):
    with app.test_request_context("/"):
        field, kwargs = CASES[case]()
        plain, macro = both(field, **kwargs)
    assert elements(plain) == elements(macro)


def test_a_remembered_widget_tells_markup_from_text(app):
    """Widgets are remembered by their parameters: a hint given as text is escaped, the same
    hint given as markup is not, whichever was rendered first."""
    with app.test_request_context("/"):
        field = form(AuditFilterForm).action
        as_text = str(field(params={"hint": {"text": "<b>bold</b>"}}))
        as_markup = str(field(params={"hint": {"text": Markup("<b>bold</b>")}}))
        again = str(field(params={"hint": {"text": "<b>bold</b>"}}))
    assert "&lt;b&gt;bold&lt;/b&gt;" in as_text
    assert "<b>bold</b>" in as_markup
    assert again == as_text


def test_a_widget_whose_parameters_cannot_be_remembered_still_renders(app):
    class Shouted:
        """Text that pickle refuses (it holds a lambda), rendered by its str()."""

        def __init__(self) -> None:
            self.shout = lambda: None

        def __str__(self) -> str:
            return "SHOUTED"

    with app.test_request_context("/"):
        rendered = str(form(AuditFilterForm).action(params={"hint": {"text": Shouted()}}))
    assert "SHOUTED" in rendered


def test_widgets_remembered_are_forgotten_at_the_limit(app, monkeypatch):
    monkeypatch.setattr(widgets, "REMEMBERED_WIDGETS", 2)
    monkeypatch.setattr(widgets, "_remembered", {})
    with app.test_request_context("/"):
        field = form(AuditFilterForm).action
        for text in ("one", "two", "three"):
            assert text in str(field(params={"hint": {"text": text}}))
        assert len(widgets._remembered) == 1
