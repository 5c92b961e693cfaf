"""Addresses built from patterns (portal.urls) are Flask's own, for every rule of the portal."""

from __future__ import annotations

import flask
import pytest
from werkzeug.routing import BuildError

from portal.database import RowIdConverter
from portal.urls import url_for


def test_every_page_with_whole_number_values_gets_flasks_own_address(app):
    with app.test_request_context("/"):
        checked = 0
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or not all(
                isinstance(converter, RowIdConverter) for converter in rule._converters.values()
            ):
                continue
            for first in (0, 7, 1234567):
                values = {key: first + n for n, key in enumerate(sorted(rule.arguments))}
                assert url_for(rule.endpoint, **values) == flask.url_for(rule.endpoint, **values)
            checked += 1
    assert checked > 100  # the portal's pages, not a few


def test_two_values_in_either_order_and_a_value_the_rule_does_not_hold(app):
    with app.test_request_context("/"):
        assert url_for("officers.outbox_message", message_id=5) == "/officer/outbox/5"
        # Not in the rule: a query string, as Flask writes it.
        assert url_for("officers.outbox_message", message_id=5, page=2) == "/officer/outbox/5?page=2"
        assert url_for("officers.outbox_message", page=2, message_id=6) == "/officer/outbox/6?page=2"
        assert url_for("pages.start") == "/"


@pytest.mark.parametrize(
    "values",
    [
        {"message_id": "5"},  # a string: Flask quotes it
        {"message_id": 5, "_anchor": "history"},
        {"message_id": 5, "_external": True},
        {"message_id": -1},
        {"message_id": True},
    ],
)
def test_anything_else_is_flasks_url_for_as_it_is(app, values):
    with app.test_request_context("/"):
        assert url_for("officers.outbox_message", **values) == flask.url_for(
            "officers.outbox_message", **values
        )


def test_an_unknown_page_is_refused_as_flask_refuses_it_every_time(app):
    with app.test_request_context("/"):
        for _ in range(2):
            with pytest.raises(BuildError):
                url_for("pages.nowhere")
            with pytest.raises(BuildError):
                url_for("pages.nowhere", record_id=3)


def test_templates_use_the_patterns(app):
    with app.test_request_context("/"):
        patterns = app.extensions["addresses"].patterns
        html = flask.render_template_string("{{ url_for('officers.outbox_message', message_id=41) }}")
        assert html == "/officer/outbox/41"
        assert ("officers.outbox_message", ("message_id",)) in patterns


def test_outside_a_request_addresses_are_flasks_whole_ones_and_not_kept(app):
    with app.app_context():
        whole = url_for("officers.outbox_message", message_id=5)
        assert whole == flask.url_for("officers.outbox_message", message_id=5)
        assert whole.startswith(app.config["BASE_URL"])
    with app.test_request_context("/"):
        assert url_for("officers.outbox_message", message_id=5) == "/officer/outbox/5"
    patterns = app.extensions["addresses"].patterns
    assert patterns[("officers.outbox_message", ("message_id",))] == ("/officer/outbox/", "message_id", "")
