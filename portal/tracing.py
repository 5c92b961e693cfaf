"""Each request's id: sent back as `X-Request-Id`, written in every log line made while it runs
and quoted on the 500 page, so what a person reports, the portal's log and a proxy's log meet."""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, Response, current_app, g, has_request_context, request

# An id a trusted proxy set (nginx's $request_id, a load balancer's trace id) is kept as it is.
_FROM_PROXY = re.compile(r"[A-Za-z0-9._-]{8,64}\Z", re.ASCII)


def request_id() -> str:
    """This request's id, made on first use: the proxy's where one in front is trusted, else 12
    hexadecimal characters (short enough to read out on the phone)."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        trusted = current_app.config["TRUSTED_PROXY_COUNT"] and _FROM_PROXY.match(given)
        g.request_id = given if trusted else secrets.token_hex(6).upper()
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Gives every record a `request_id` for the log format: "-" outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else "-"
        return True


def configure_logging(app: Flask) -> None:
    if app.debug or app.testing:
        return
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())


def init_request_ids(app: Flask) -> None:
    @app.after_request
    def _send_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = request_id()
        return response
