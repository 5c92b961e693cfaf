"""Public pages: the start page, the statements (accessibility, privacy, cookies) and /healthz."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from portal.pages import views  # noqa: E402,F401  (views register on bp)
