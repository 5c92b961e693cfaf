"""Public pages: the start page, the statements (accessibility, privacy, cookies), feedback,
/healthz and /.well-known/security.txt."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from portal.pages import feedback, views  # noqa: E402,F401  (views register on bp)
