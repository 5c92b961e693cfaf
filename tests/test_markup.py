"""The request tests' guard rail on markup (tests/markup.py) catches what it is there for."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.markup import CheckedClient, markup_problems


def test_an_id_used_twice_is_named():
    assert markup_problems('<input id="csrf_token"><p id="x"></p><input id="csrf_token">') == [
        'id="csrf_token" 2 times'
    ]


def test_buttons_with_one_name_that_do_different_things_are_named():
    page = (
        '<form action="/o/1"><input type="hidden" name="kind" value="sme"><button>Record decision</button></form>'
        '<form action="/o/1"><input type="hidden" name="kind" value="vcse"><button>Record decision</button></form>'
    )
    assert markup_problems(page) == ['2 buttons named "Record decision" do different things']


def test_a_visually_hidden_part_of_a_name_tells_buttons_apart():
    page = (
        '<form action="/o/1"><input type="hidden" name="kind" value="sme">'
        '<button>Record decision<span class="govuk-visually-hidden"> on SME</span></button></form>'
        '<form action="/o/1"><input type="hidden" name="kind" value="vcse">'
        '<button>Record decision<span class="govuk-visually-hidden"> on VCSE</span></button></form>'
    )
    assert markup_problems(page) == []


def test_buttons_with_one_name_doing_the_same_thing_pass():
    page = '<form action="/logout"><button>Sign out</button></form>' * 2
    assert markup_problems(page) == []


def test_the_tests_client_checks_every_html_page(app: Flask):
    assert app.test_client_class is CheckedClient
    page = Flask(__name__)
    page.test_client_class = CheckedClient
    page.add_url_rule("/", view_func=lambda: '<p id="a"></p><p id="a"></p>')
    with pytest.raises(AssertionError, match='id="a" 2 times'):
        page.test_client().get("/")


def test_two_buttons_of_one_form_with_one_name_sending_different_values_are_named():
    page = (
        '<form action="/c"><button name="go" value="preview">Continue</button>'
        '<button name="go" value="publish">Continue</button></form>'
    )
    assert markup_problems(page) == ['2 buttons named "Continue" do different things']
