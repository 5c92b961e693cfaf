"""The commonest GOV.UK form widgets written in Python: the text input, the select, the button
(every form's submit), radios, checkboxes, the date input, the textarea and the file upload. They take govuk-frontend-wtf's params, as its templates do, and give the
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


def _group_open(params: dict) -> str:
    return f'<div class="govuk-form-group{" govuk-form-group--error" if params.get("errorMessage") else ""}">'


def _field_head(params: dict, id_: str) -> tuple[list[str], str]:
    """The form group's opening, label, hint and error message; and aria-describedby's value."""
    hint_id, error_id, described_by = _ids(params, id_)
    label = params.get("label") or {}
    label_classes = f" {escape(label['classes'])}" if label.get("classes") else ""
    return [
        _group_open(params),
        f'\n  <label class="govuk-label{label_classes}" for="{escape(id_)}">{escape(label.get("text"))}</label>',
        _hint_and_error(params, hint_id, error_id),
    ], described_by


def _attributes(attributes: dict | None) -> str:
    return "".join(
        f' {escape(name)}="{escape(value)}"'
        for name, value in (attributes or {}).items()
        if value is not None and value is not False
    )


def _classes(base: str, params: dict, error_class: str) -> str:
    extra = f" {escape(params['classes'])}" if params.get("classes") else ""
    return f"{base}{extra}{f' {error_class}' if error_class and params.get('errorMessage') else ''}"


def _field(params: dict, control: Callable[[str, str], str]) -> Markup:
    """A form group: label, hint and error message, then `control(id, aria-describedby's value)`."""
    id_ = params.get("id") or params["name"]
    parts, described_by = _field_head(params, id_)
    parts.append(control(id_, described_by))
    parts.append("\n</div>")
    # Safe: every value in it is escaped, here and by the control's writer.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def _described_by(described_by: str) -> str:
    return f' aria-describedby="{escape(described_by)}"' if described_by else ""


def _spellcheck(params: dict) -> str:
    spellcheck = params.get("spellcheck")
    return f' spellcheck="{str(spellcheck).lower()}"' if spellcheck is True or spellcheck is False else ""


def text_input(params: dict) -> Markup:
    def control(id_: str, described_by: str) -> str:
        value = params.get("value")
        html = (
            f'\n  <input class="{_classes("govuk-input", params, "govuk-input--error")}" id="{escape(id_)}"'
            f' name="{escape(params["name"])}" type="{escape(params.get("type") or "text")}"'
            + _spellcheck(params)
            + (f' value="{escape(value)}"' if value is not None and value != "" else "")
            + _described_by(described_by)
            + (f' autocomplete="{escape(params["autocomplete"])}"' if params.get("autocomplete") else "")
            + (f' inputmode="{escape(params["inputmode"])}"' if params.get("inputmode") else "")
            + _attributes(params.get("attributes"))
            + ">"
        )
        prefix = (params.get("prefix") or {}).get("text")
        suffix = (params.get("suffix") or {}).get("text")
        if not (prefix or suffix):
            return html
        return (
            '\n  <div class="govuk-input__wrapper">'
            + (
                f'\n    <div class="govuk-input__prefix" aria-hidden="true">{escape(prefix)}</div>'
                if prefix
                else ""
            )
            + html
            + (
                f'\n    <div class="govuk-input__suffix" aria-hidden="true">{escape(suffix)}</div>'
                if suffix
                else ""
            )
            + "\n  </div>"
        )

    return _field(params, control)


def textarea(params: dict) -> Markup:
    def control(id_: str, described_by: str) -> str:
        # The Design System puts the error class before the extra classes here, unlike the input.
        error = " govuk-textarea--error" if params.get("errorMessage") else ""
        value = params.get("value")
        return (
            f'\n  <textarea class="{_classes(f"govuk-textarea{error}", params, "")}" id="{escape(id_)}"'
            f' name="{escape(params["name"])}" rows="{escape(params.get("rows") or 5)}"'
            + _spellcheck(params)
            + _described_by(described_by)
            + (f' autocomplete="{escape(params["autocomplete"])}"' if params.get("autocomplete") else "")
            + _attributes(params.get("attributes"))
            + f">{escape(value) if value is not None else ''}</textarea>"
        )

    return _field(params, control)


def file_upload(params: dict) -> Markup:
    def control(id_: str, described_by: str) -> str:
        return (
            f'\n  <input class="{_classes("govuk-file-upload", params, "govuk-file-upload--error")}"'
            f' id="{escape(id_)}" name="{escape(params["name"])}" type="file"'
            + (" multiple" if params.get("multiple") else "")
            + _described_by(described_by)
            + _attributes(params.get("attributes"))
            + ">"
        )

    return _field(params, control)


def option_rows(items: list[dict]) -> str:
    """A select's options (the officers' filters list every outcome of the matrix)."""
    return "".join(
        f'\n    <option value="{escape(item.get("value"))}"{" selected" if item.get("selected") else ""}>'
        f"{escape(item.get('text'))}</option>"
        for item in items
    )


def select(params: dict) -> Markup:
    def control(id_: str, described_by: str) -> str:
        return (
            f'\n  <select class="{_classes("govuk-select", params, "govuk-select--error")}" id="{escape(id_)}"'
            f' name="{escape(params["name"])}"{_described_by(described_by)}>'
            + option_rows(params.get("items") or [])
            + "\n  </select>"
        )

    return _field(params, control)


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


def _fieldset_open(params: dict, described_by: str) -> str:
    """A fieldset's opening and its legend (a page's heading where isPageHeading)."""
    legend = params["fieldset"].get("legend") or {}
    return f'\n  <fieldset class="govuk-fieldset"{_described_by(described_by)}>' + _legend(legend)


def _legend(legend: dict) -> str:
    text = escape(legend.get("text"))
    inner = f'<h1 class="govuk-fieldset__heading">{text}</h1>' if legend.get("isPageHeading") else text
    classes = f" {escape(legend['classes'])}" if legend.get("classes") else ""
    return f'\n    <legend class="govuk-fieldset__legend{classes}">{inner}</legend>'


def _hint_and_error(params: dict, hint_id: str, error_id: str) -> str:
    html = ""
    if hint_id:
        html += f'\n    <div id="{escape(hint_id)}" class="govuk-hint">{escape(params["hint"]["text"])}</div>'
    if error_id:
        html += (
            f'\n    <p id="{escape(error_id)}" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(params["errorMessage"]["text"])}</p>'
        )
    return html


def _ids(params: dict, id_: str) -> tuple[str, str, str]:
    """The hint's and the error message's ids (empty where there is none), and both for
    aria-describedby."""
    hint_id = f"{id_}-hint" if (params.get("hint") or {}).get("text") else ""
    error_id = f"{id_}-error" if params.get("errorMessage") else ""
    return hint_id, error_id, f"{hint_id} {error_id}".strip()


def choice_rows(params: dict, kind: str, described_by: str) -> str:
    """The options of GOV.UK radios or checkboxes (`kind`): a question can have dozens (the CPV
    divisions have 45). Ids as GOV.UK Frontend gives them: the first option takes the prefix
    itself, so the error summary's link reaches it; the others -2, -3 and so on."""
    prefix = params.get("idPrefix") or params["name"]
    name = escape(params["name"])
    input_type = "radio" if kind == "radios" else "checkbox"
    aria = _described_by(described_by)
    rows = []
    for index, item in enumerate(params["items"], start=1):
        item_id = escape(item.get("id") or (prefix if index == 1 else f"{prefix}-{index}"))
        checked = " checked" if item.get("checked") else ""
        rows.append(
            f'\n      <div class="govuk-{kind}__item">'
            f'\n        <input class="govuk-{kind}__input" id="{item_id}" name="{name}" type="{input_type}"'
            f' value="{escape(item.get("value"))}"{checked}{aria}>'
            f'\n        <label class="govuk-label govuk-{kind}__label" for="{item_id}">{escape(item.get("text"))}</label>'
            "\n      </div>"
        )
    return "".join(rows)


def choices(params: dict, kind: str) -> Markup:
    """GOV.UK radios or checkboxes (`kind`), in a fieldset where the params give one."""
    hint_id, error_id, described_by = _ids(params, params.get("idPrefix") or params["name"])
    has_fieldset = bool(params.get("fieldset"))
    html = (
        _group_open(params)
        + (_fieldset_open(params, described_by) if has_fieldset else "")
        + _hint_and_error(params, hint_id, error_id)
        + f'\n    <div class="{_classes(f"govuk-{kind}", params, "")}" data-module="govuk-{kind}">'
        + choice_rows(params, kind, "" if has_fieldset else described_by)
        + "\n    </div>"
        + ("\n  </fieldset>" if has_fieldset else "")
        + "\n</div>"
    )
    # Safe: every value in it is escaped above.
    return Markup(html)  # noqa: S704  # nosec B704


def date_input(params: dict) -> Markup:
    """A GOV.UK date input: day, month and year boxes, in a fieldset where the params give one."""
    id_ = params.get("id") or params["name"]
    hint_id, error_id, described_by = _ids(params, id_)
    fieldset = params.get("fieldset")
    html = _group_open(params)
    if fieldset:
        legend = fieldset.get("legend") or {}
        html += f'\n  <fieldset class="{_classes("govuk-fieldset", fieldset, "")}" role="group"'
        html += f"{_described_by(described_by)}>"
        if legend.get("text"):
            html += _legend(legend)
    html += _hint_and_error(params, hint_id, error_id)
    html += (
        f'\n    <div class="{_classes("govuk-date-input", params, "")}"'
        f'{_attributes(params.get("attributes"))} id="{escape(id_)}">'
    )
    for item in params["items"]:
        item_id = escape(item.get("id") or f"{id_}-{item['name']}")
        item_classes = f" {escape(item['classes'])}" if item.get("classes") else ""
        value = item.get("value")
        html += (
            '\n      <div class="govuk-date-input__item">'
            '\n        <div class="govuk-form-group">'
            f'\n          <label class="govuk-label govuk-date-input__label" for="{item_id}">'
            f"{escape(item.get('label') or str(item['name']).capitalize())}</label>"
            f'\n          <input class="govuk-input govuk-date-input__input{item_classes}" id="{item_id}"'
            f' name="{escape(item["name"])}" type="text"'
            + (f' value="{escape(value)}"' if value is not None and value is not False else "")
            + ' inputmode="numeric">'
            "\n        </div>"
            "\n      </div>"
        )
    html += "\n    </div>" + ("\n  </fieldset>" if fieldset else "") + "\n</div>"
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
    "govuk_frontend_wtf/radios.html": lambda params: choices(params, "radios"),
    "govuk_frontend_wtf/checkboxes.html": lambda params: choices(params, "checkboxes"),
    "govuk_frontend_wtf/date.html": date_input,
    "govuk_frontend_wtf/textarea.html": textarea,
    "govuk_frontend_wtf/file-upload.html": file_upload,
}
