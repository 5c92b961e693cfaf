import importlib
import pkgutil

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.fields.core import UnboundField

import portal
from portal.accounts.models import User
from portal.extensions import db
from portal.fields import MoneyField, PlainText
from tests.conftest import csrf_token_from

HOSTILE_PATHS = [
    "/" + "a" * 20_000,
    "/%00",
    "/?q=%00%01%02%1b",
    "/<script>alert(1)</script>",
    "/?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/%ff%fe",
    "/?q=%ff%fe%c3%28",
    "/?q=' OR 1=1 --",
    "/accessibility?q=" + "x" * 20_000,
    "/..%2f..%2fetc%2fpasswd",
    "/static/../config.py",
    "/static/%2e%2e/config.py",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=range(len(HOSTILE_PATHS)))
def test_hostile_urls_never_cause_a_server_error(client, path):
    response = client.get(path)
    assert response.status_code in {200, 400, 404}
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert "SECRET_KEY" not in response.get_data(as_text=True)


def test_hostile_headers_never_cause_a_server_error(client):
    response = client.get("/", headers={"User-Agent": "x" * 20_000, "Cookie": "session=\x00\xff"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/?q=%ff", "/opportunities?q=%c3%28", "/voluntary-sector/needs?q=caf%e9"])
def test_a_query_string_that_is_not_utf8_gets_the_bad_request_page(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "there is a problem with your request" in response.get_data(as_text=True)


def test_a_percent_encoded_utf8_query_string_is_read_as_text(client):
    assert client.get("/opportunities?q=caf%C3%A9").status_code == 200


def test_a_multipart_form_with_bytes_that_are_not_utf8_is_refused_and_nothing_stored(app, client):
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    fields = {"csrf_token": token.encode(), "name": b"Ada \xff\xfe", "email": b"ada@example.com"}
    fields |= {"password": b"kettle lantern orbit canal", "organisation_name": b"Ada \xc3\x28 Ltd"}
    boundary = b"portal-test-boundary"
    body = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name.encode(), value)
        for name, value in fields.items()
    )
    response = client.post(
        "/register",
        data=body + b"--%s--\r\n" % boundary,
        content_type=f"multipart/form-data; boundary={boundary.decode()}",
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def text_fields_without_plain_text() -> list[str]:
    """Every text field of every form in the portal that does not refuse control characters."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name != "portal.bench":  # the benchmark's anchors: loaded only when asked for
            importlib.import_module(module.name)
    missing = []
    for form in all_subclasses(FlaskForm):
        for name in dir(form):
            unbound = getattr(form, name)
            if not isinstance(unbound, UnboundField) or not issubclass(unbound.field_class, StringField):
                continue
            if issubclass(unbound.field_class, NOT_FREE_TEXT) or f"{form.__name__}.{name}" in NOT_SHOWN:
                continue
            validators = unbound.kwargs.get("validators") or ()
            if not any(isinstance(validator, PlainText) for validator in validators):
                missing.append(f"{form.__module__}.{form.__name__}.{name}")
    return missing


# Text fields whose data is not text (money is a Decimal) or is never stored as typed.
NOT_FREE_TEXT = (PasswordField, HiddenField, MoneyField)
NOT_SHOWN = {"PasskeyForm.credential"}  # the browser's WebAuthn answer, parsed by py_webauthn


def all_subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *all_subclasses(direct)}}


def test_every_text_field_refuses_control_and_bidirectional_characters():
    assert text_fields_without_plain_text() == []
