"""A guard rail every page a request test renders passes: no id used twice (a label, an error
summary link or aria-describedby would reach the wrong element), and no two buttons with the
same accessible name that do different things (a screen reader listing the buttons cannot tell
them apart; WCAG 2.4.6). Two buttons doing the same thing (the header's "Sign out" and the
session warning's) may share a name.

Read with regular expressions over the portal's own markup rather than a full HTML parser: the
suite opens tens of thousands of pages, and html.parser cost several milliseconds each."""

from __future__ import annotations

import html as entities
import re
from collections import Counter, defaultdict

from flask.testing import FlaskClient

START_TAG = re.compile(r"<([a-zA-Z][\w-]*)(\s[^>]*)?>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
BUTTON = re.compile(r"<button\b([^>]*)>(.*?)</button>", re.S)
INPUT = re.compile(r"<input\b([^>]*)>")
TAG = re.compile(r"<[^>]+>")


def _attributes(text: str | None) -> dict[str, str]:
    return {name: entities.unescape(value) for name, value in ATTRIBUTE.findall(text or "")}


def _buttons(fragment: str) -> list[tuple[str, tuple]]:
    """The buttons in `fragment`: each one's accessible name (aria-label, else the text inside,
    visually hidden parts included; a submit input's value) and the name and value it sends."""
    found = []
    for attributes, text in BUTTON.findall(fragment):
        button = _attributes(attributes)
        name = button.get("aria-label") or " ".join(entities.unescape(TAG.sub("", text)).split())
        found.append((name, (button.get("name"), button.get("value"))))
    for attributes in INPUT.findall(fragment):
        button = _attributes(attributes)
        if button.get("type") == "submit":
            name = button.get("aria-label") or button.get("value", "")
            found.append((name, (button.get("name"), button.get("value"))))
    return found


def _what_it_does(form_attributes: str, body: str) -> tuple:
    """A form's action and hidden fields (the CSRF token aside): what its buttons do."""
    hidden = []
    for attributes in INPUT.findall(body):
        found = _attributes(attributes)
        if found.get("type") == "hidden" and found.get("name") != "csrf_token":
            hidden.append((found.get("name"), found.get("value")))
    return (_attributes(form_attributes).get("action"), tuple(sorted(hidden, key=str)))


def markup_problems(html: str) -> list[str]:
    """What is wrong with the page's ids and buttons' names, if anything."""
    ids = Counter(_attributes(attributes).get("id") for _tag, attributes in START_TAG.findall(html))
    ids.pop(None, None)
    buttons: defaultdict[str, set] = defaultdict(set)
    for form_attributes, body in FORM.findall(html):
        form = _what_it_does(form_attributes, body)
        for name, sends in _buttons(body):
            buttons[name].add((form, sends))
    for number, (name, _sends) in enumerate(_buttons(FORM.sub("", html))):
        buttons[name].add(("no form", number))  # a button outside a form does its own thing
    return [f'id="{name}" {count} times' for name, count in ids.items() if count > 1] + [
        f'{len(does)} buttons named "{name}" do different things'
        for name, does in buttons.items()
        if len(does) > 1
    ]


class CheckedClient(FlaskClient):
    """The test client, checking every HTML page it receives with `markup_problems`."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html":
            problems = markup_problems(response.get_data(as_text=True))
            assert not problems, f"{response.request.path}: {'; '.join(problems)}"
        return response
