"""Security headers on every response, static files and error pages included; input that is not
UTF-8 refused; the `bdi` filter that isolates someone else's text.

A few fixed headers and a per-request CSP nonce: small enough to own, where Flask-Talisman would
also redirect to HTTPS and rewrite cookies, which the proxy and config already do.
"""

from __future__ import annotations

import secrets
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, Response, g, request, session
from markupsafe import Markup
from werkzeug.exceptions import BadRequest

# The only inline script is govuk-frontend-jinja's one-line `js-enabled` marker, which carries
# the nonce. Everything else is a file served by the portal itself.
CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'; "
    "object-src 'none'"
)


def csp_nonce() -> str:
    """The nonce for this request, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# The headers every response carries, static files' too (portal.assets); HSTS in production.
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
}
HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


def static_headers(*, hsts: bool) -> dict[str, str]:
    """A static file's headers: the fixed ones, and a policy by which one (an SVG above all) may
    run nothing and load nothing."""
    csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    return {"Content-Security-Policy": csp, **FIXED_HEADERS, **(HSTS if hsts else {})}


def set_security_headers(response: Response, *, hsts: bool) -> Response:
    headers = response.headers
    # A response may set a stricter policy of its own (a downloaded file is sandboxed).
    headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    headers.update(FIXED_HEADERS)
    if hsts:
        headers.update(HSTS)
    # A page rendered for a session (signed in, or holding a form's CSRF token) is never cached.
    if session:
        headers["Cache-Control"] = "no-store"
        headers["Vary"] = "Cookie"
    return response


def _require_utf8(raw: bytes) -> None:
    """:raise BadRequest: the percent-decoded bytes are not UTF-8."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode()
    except UnicodeDecodeError:
        raise BadRequest("The request was not sent as UTF-8 text") from None


class Utf8Request(Request):
    """Form data must be UTF-8 text: Werkzeug would keep bad bytes percent-encoded (a URL-encoded
    form) or put U+FFFD in their place (a multipart one), and either would be stored."""

    def _load_form_data(self) -> None:
        if self.mimetype == "application/x-www-form-urlencoded":
            _require_utf8(self.get_data(cache=True))  # kept: the form is parsed from it next
        super()._load_form_data()
        if self.mimetype == "multipart/form-data" and any("\ufffd" in value for value in self.form.values()):
            raise BadRequest("The request was not sent as UTF-8 text")


def refuse_bad_query() -> None:
    """before_request: a query string that is not UTF-8 is refused (400), read or not."""
    if request.query_string:
        _require_utf8(request.query_string)


def isolated(value: object) -> Markup:
    """Text someone else wrote, escaped, in `<bdi>`: its direction cannot spill into the page around
    it (a name in Arabic beside a number, or an override character from before they were refused)."""
    return Markup("<bdi>%s</bdi>") % value


def init_security(app: Flask) -> None:
    app.request_class = Utf8Request
    app.before_request(refuse_bad_query)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["bdi"] = isolated

    @app.after_request
    def _headers(response: Response) -> Response:
        return set_security_headers(response, hsts=app.config["HSTS"])
