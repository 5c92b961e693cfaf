"""Pieces every area's forms share: GOV.UK widgets come from govuk-frontend-wtf; these add the
portal's handling of hostile text."""

from __future__ import annotations

import re

from wtforms import Field
from wtforms.validators import ValidationError

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; NUL is among them
# (PostgreSQL refuses it in text). Line breaks are refused separately where a field is one line.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def strip_text(value: object) -> object:
    """Filter: trim surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value


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
