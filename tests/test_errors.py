import logging
import re

import pytest
from flask import abort
from flask_wtf import FlaskForm
from sqlalchemy import event, text
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import TooManyRequests

from portal.accounts.access import public
from portal.extensions import db
from tests.factories import make_supplier, sign_in


@pytest.fixture
def error_app(app_factory):
    """The portal with a few routes that fail in each way an error page covers."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/fail/<int:code>")
    @public
    def fail(code):
        if code == 429:
            raise TooManyRequests(retry_after=60)
        abort(code)

    @app.get("/fail/crash")
    @public
    def crash():
        raise RuntimeError("secret internal detail")

    @app.route("/fail/form", methods=["GET", "POST"])
    @public
    def form():
        FlaskForm().validate_on_submit()
        return "ok"

    @app.get("/fail/concurrent")
    @public
    def concurrent():
        raise StaleDataError("UPDATE statement on table 'opportunities' expected to update 1 row(s)")

    @app.get("/fail/database")
    @public
    def database():
        db.session.execute(text("SELECT 1"))
        return "ok"

    return app


@pytest.mark.parametrize(
    ("code", "heading"),
    [
        (400, "there is a problem with your request"),
        (403, "You do not have permission"),
        (404, "Page not found"),
        (405, "that action is not available"),
        (409, "Someone else changed this at the same moment"),
        (413, "too large"),
        (429, "Too many attempts"),
    ],
)
def test_each_http_error_has_a_page_in_the_portals_design(error_app, code, heading):
    response = error_app.test_client().get(f"/fail/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert heading in html
    assert "govuk-heading-l" in html
    assert "Supplier Portal" in html
    assert response.headers["Content-Security-Policy"]


def test_too_many_requests_keeps_its_retry_after_header(error_app):
    response = error_app.test_client().get("/fail/429")
    assert response.headers["Retry-After"] == "60"


def test_method_not_allowed_keeps_its_allow_header(error_app):
    response = error_app.test_client().post("/accessibility")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_a_failed_csrf_check_is_a_400_page_not_a_redirect(error_app):
    response = error_app.test_client().post("/fail/form", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)


def test_a_missing_csrf_token_is_refused(error_app):
    response = error_app.test_client().post("/fail/form", data={})
    assert response.status_code == 400


def test_a_body_over_the_limit_is_a_413_page(error_app):
    big = "x" * (13 * 1024 * 1024)
    response = error_app.test_client().post(
        "/fail/form", data=big, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_a_crash_shows_a_reference_that_is_also_logged_and_never_the_trace(error_app, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.errors"):
        response = error_app.test_client().get("/fail/crash")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in html
    assert "Traceback" not in html
    reference = html.split("quote the reference <strong>")[1].split("</strong>")[0]
    assert reference == response.headers["X-Request-Id"]
    assert any(reference in record.getMessage() for record in caplog.records)
    assert any(record.exc_info for record in caplog.records)


def test_an_unreachable_database_is_a_503_page(app_factory):
    app = app_factory("postgresql+psycopg://nobody@127.0.0.1:1/nothing", PROPAGATE_EXCEPTIONS=False)

    @app.get("/fail/concurrent")
    @public
    def concurrent():
        raise StaleDataError("UPDATE statement on table 'opportunities' expected to update 1 row(s)")

    @app.get("/fail/database")
    @public
    def database():
        db.session.execute(text("SELECT 1"))
        return "ok"

    response = app.test_client().get("/fail/database")
    assert response.status_code == 503
    assert "the service is unavailable" in response.get_data(as_text=True)


def test_a_change_that_lost_a_race_is_a_conflict_not_a_fault(error_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = error_app.test_client().get("/fail/concurrent")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this at the same moment" in html and "Nothing you sent was saved" in html
    assert "expected to update" not in html
    assert not [record for record in caplog.records if "unhandled error" in record.getMessage()]


# --- a database outage ------------------------------------------------------------------------


@pytest.fixture
def outage_app(app_factory):
    """The portal with its database down: every new connection is refused, as when the server
    has stopped."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        engine = db.engine
        refused = engine.dialect.loaded_dbapi.OperationalError

        @event.listens_for(engine, "do_connect")
        def _refuse(*args):
            raise refused("connection refused: could not connect to the database server")

        engine.dispose()  # no pooled connection outlives the outage
    return app


def signed_in_cookie(client) -> None:
    """A session cookie naming an account, as a supplier's browser sends it (loading the account
    needs the database)."""
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
        session["_fresh"] = True


@pytest.mark.parametrize(
    ("cookie", "path"),
    [
        (False, "/opportunities"),
        (True, "/"),
        (True, "/account"),
        (True, "/officer/"),
        (True, "/opportunities"),
    ],
)
def test_pages_answer_503_in_the_portals_design_while_the_database_is_down(outage_app, cookie, path):
    client = outage_app.test_client()
    if cookie:
        signed_in_cookie(client)
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "the service is unavailable" in html
    assert "Sign in" in html and "Sign out" not in html  # the signed-out header: no account was loaded
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"[0-9A-F]{12}", response.headers["X-Request-Id"])


@pytest.mark.parametrize("cookie", [False, True], ids=["signed out", "with a session cookie"])
def test_the_health_check_answers_503_json_while_the_database_is_down(outage_app, cookie):
    client = outage_app.test_client()
    if cookie:
        signed_in_cookie(client)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert response.headers["X-Request-Id"]


def test_pages_that_read_no_records_answer_while_the_database_is_down(outage_app):
    client = outage_app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/account").status_code == 302  # to sign in, which a cookie would need
    signed_in_cookie(client)
    response = client.get("/no-such-page")  # not a page: no account is loaded for it
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_every_response_carries_its_own_request_id(client):
    first, second = client.get("/").headers["X-Request-Id"], client.get("/").headers["X-Request-Id"]
    assert first != second


def test_the_outage_is_logged_with_the_request_id(outage_app, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.errors"):
        response = outage_app.test_client().get("/opportunities")
    assert any(response.headers["X-Request-Id"] in record.getMessage() for record in caplog.records)


def test_an_error_page_keeps_the_header_of_an_account_the_request_loaded(app, client):
    with app.app_context():
        supplier = make_supplier()
    sign_in(client, supplier.email)
    response = client.get("/officer/")  # a supplier's 403, after their account was loaded
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Sign out" in html and "Create an account" not in html
