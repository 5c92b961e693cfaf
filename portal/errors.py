"""Error pages in the portal's design: HTTP errors, a failed CSRF check and server faults."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db, login_manager
from portal.tracing import request_id

log = logging.getLogger(__name__)

PAGES = {400, 403, 404, 405, 409, 413, 429, 500, 503}


def _render(code: int, *, signed_out: bool = False, **context):
    """The page, without loading the account: loading it could be what failed (the database is
    down). The header shows the account the request had already loaded, if any (a 403 for a
    signed-in officer keeps their links), else it is signed out; `signed_out` after a database
    error or a fault, when the loaded account could need the database to be read again."""
    if signed_out or "_login_user" not in g:
        login_manager._update_request_context_with_user()  # the anonymous user, without a look-up
    return render_template(f"errors/{code}.html", **context), code


def handle_http_error(error: HTTPException):
    code = error.code if error.code in PAGES else 500
    response = error.get_response()
    body, _ = _render(code, error=error)
    # Keep what Werkzeug set for the status (Allow on 405, Retry-After on 429).
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response


def handle_csrf_error(error: CSRFError):
    return _render(400, csrf=True)


def handle_concurrent_change(error: StaleDataError):
    """Two people saved the same record at once and the other's reached the database first (a
    model's revision, `version_id_col`): nothing of this request was kept. A workflow move says so
    on its own page (portal.workflow); any other change lands here."""
    db.session.rollback()
    return _render(409, signed_out=True)


def handle_database_unavailable(error: DBAPIError):
    """A dropped or refused database connection is an outage (503), anything else a fault (500)."""
    db.session.rollback()
    if error.connection_invalidated or _is_connection_refused(error):
        log.error("database unavailable, request %s: %s", request_id(), error.orig)
        return _render(503, signed_out=True)
    return handle_unexpected_error(error)


def _is_connection_refused(error: DBAPIError) -> bool:
    return type(error.orig).__name__ in {"OperationalError", "InterfaceError"} and (
        "connect" in str(error.orig).lower() or "server closed" in str(error.orig).lower()
    )


def handle_unexpected_error(error: Exception):
    """Log the fault under the request's id, which the page gives as the reference to quote;
    never show the stack trace."""
    original = getattr(error, "original_exception", None) or error
    log.error("unhandled error, request %s", request_id(), exc_info=original)
    return _render(500, signed_out=True, reference=request_id())


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DBAPIError, handle_database_unavailable)
    app.register_error_handler(StaleDataError, handle_concurrent_change)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
