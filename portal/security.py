"""Security headers on every response, static files and error pages included.

A few fixed headers and a per-request CSP nonce: small enough to own, where Flask-Talisman would
also redirect to HTTPS and rewrite cookies, which the proxy and config already do.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, session

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


def set_security_headers(response: Response, *, hsts: bool) -> Response:
    headers = response.headers
    # A response may set a stricter policy of its own (a downloaded file is sandboxed).
    headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=(), payment=(), usb=()"
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # A page rendered for a session (signed in, or holding a form's CSRF token) is never cached.
    if session:
        headers["Cache-Control"] = "no-store"
        headers["Vary"] = "Cookie"
    return response


def init_security(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response: Response) -> Response:
        return set_security_headers(response, hsts=app.config["HSTS"])
