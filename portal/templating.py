"""The portal's Jinja environment: Flask's, with each template's globals as one dict."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from flask.templating import Environment as FlaskEnvironment


class Environment(FlaskEnvironment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals over the environment's, copied into one dict where Jinja chains
        the two maps. Every render and every `{% from ... import %}` (seven a page, five of them
        in govuk-frontend-jinja's page template) read the globals' names, which through a
        ChainMap is Python code a name: 14 microseconds an import, against 1 over a dict. Jinja
        asks that no global is added once templates load; the portal adds them all as it starts."""
        return {**self.globals, **(d or {})}
