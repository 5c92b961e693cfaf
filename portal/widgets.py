"""The commonest GOV.UK form widgets written in Python: the text input, the select and the button
(every form's submit). They take govuk-frontend-wtf's params, as its templates do, and give the
Design System's markup (tests/organisations/test_form_markup.py holds them to the macros').

Why not templates: a Jinja template's render costs a new context and its own overhead, about
40 microseconds a widget here against 5 in Python; a filter form has four or five, a profile step
more, and it showed as a fifth of a list page's time. Every value is escaped, as autoescaping
would."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from markupsafe import Markup, escape

K = TypeVar("K")


def _field_head(params: dict, id_: str) -> tuple[list[str], str]:
    """The form group's opening, label, hint and error message; and aria-describedby's value."""
    hint = params.get("hint") or {}
    error = params.get("errorMessage")
    hint_id = f"{id_}-hint" if hint.get("text") else ""
    error_id = f"{id_}-error" if error else ""
    label = params.get("label") or {}
    label_classes = f" {escape(label['classes'])}" if label.get("classes") else ""
    parts = [
        f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}">',
        f'\n  <label class="govuk-label{label_classes}" for="{escape(id_)}">{escape(label.get("text"))}</label>',
    ]
    if hint_id:
        parts.append(f'\n  <div id="{escape(hint_id)}" class="govuk-hint">{escape(hint["text"])}</div>')
    if error_id:
        parts.append(
            f'\n  <p id="{escape(error_id)}" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(error["text"])}</p>'
        )
    return parts, f"{hint_id} {error_id}".strip()


def _attributes(attributes: dict | None) -> str:
    return "".join(
        f' {escape(name)}="{escape(value)}"'
        for name, value in (attributes or {}).items()
        if value is not None and value is not False
    )


def _classes(base: str, params: dict, error_class: str) -> str:
    extra = f" {escape(params['classes'])}" if params.get("classes") else ""
    return f"{base}{extra}{f' {error_class}' if error_class and params.get('errorMessage') else ''}"


def text_input(params: dict) -> Markup:
    id_ = params.get("id") or params["name"]
    parts, described_by = _field_head(params, id_)
    prefix = (params.get("prefix") or {}).get("text")
    if prefix:
        parts.append(
            '\n  <div class="govuk-input__wrapper">'
            f'\n    <div class="govuk-input__prefix" aria-hidden="true">{escape(prefix)}</div>'
        )
    spellcheck = params.get("spellcheck")
    value = params.get("value")
    parts.append(
        f'\n  <input class="{_classes("govuk-input", params, "govuk-input--error")}" id="{escape(id_)}"'
        f' name="{escape(params["name"])}" type="{escape(params.get("type") or "text")}"'
        + (f' spellcheck="{str(spellcheck).lower()}"' if spellcheck is True or spellcheck is False else "")
        + (f' value="{escape(value)}"' if value is not None and value != "" else "")
        + (f' aria-describedby="{escape(described_by)}"' if described_by else "")
        + (f' autocomplete="{escape(params["autocomplete"])}"' if params.get("autocomplete") else "")
        + (f' inputmode="{escape(params["inputmode"])}"' if params.get("inputmode") else "")
        + _attributes(params.get("attributes"))
        + ">"
    )
    if prefix:
        parts.append("\n  </div>")
    parts.append("\n</div>")
    # Safe: every value in it is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def option_rows(items: list[dict]) -> str:
    """A select's options (the officers' filters list every outcome of the matrix)."""
    return "".join(
        f'\n    <option value="{escape(item.get("value"))}"{" selected" if item.get("selected") else ""}>'
        f"{escape(item.get('text'))}</option>"
        for item in items
    )


def select(params: dict) -> Markup:
    id_ = params.get("id") or params["name"]
    parts, described_by = _field_head(params, id_)
    parts.append(
        f'\n  <select class="{_classes("govuk-select", params, "govuk-select--error")}" id="{escape(id_)}"'
        f' name="{escape(params["name"])}"'
        + (f' aria-describedby="{escape(described_by)}"' if described_by else "")
        + ">"
        + option_rows(params.get("items") or [])
        + "\n  </select>\n</div>"
    )
    # Safe: every value in it is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def button(params: dict) -> Markup:
    double_click = params.get("preventDoubleClick")
    html = (
        f'<button type="{escape(params.get("type") or "submit")}"'
        + (f' value="{escape(params["value"])}"' if params.get("value") else "")
        + (f' name="{escape(params["name"])}"' if params.get("name") else "")
        + (' disabled aria-disabled="true"' if params.get("disabled") else "")
        + (
            f' data-prevent-double-click="{escape(str(double_click).lower())}"'
            if double_click is not None
            else ""
        )
        + f' class="{_classes("govuk-button", params, "")}" data-module="govuk-button"'
        + _attributes(params.get("attributes"))
        + (f' id="{escape(params["id"])}"' if params.get("id") else "")
        + f">{escape(params.get('text'))}</button>"
    )
    # Safe: every value in it is escaped above.
    return Markup(html)  # noqa: S704  # nosec B704


def tags(names: dict[K, str], colours: dict[K, str]) -> dict[K, Markup]:
    """A GOV.UK tag for each key (a state, say), written once: lists show one a row."""
    return {
        key: Markup('<strong class="govuk-tag govuk-tag--{}">{}</strong>').format(colours[key], name)
        for key, name in names.items()
    }


# govuk-frontend-wtf's template name -> the function that writes it (see portal.forms._render_widget).
WRITERS: dict[str, Callable[[dict], Markup]] = {
    "govuk_frontend_wtf/input.html": text_input,
    "govuk_frontend_wtf/select.html": select,
    "govuk_frontend_wtf/button.html": button,
}
