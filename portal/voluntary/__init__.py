"""The voluntary-sector directory and the needs board."""

from flask import Blueprint

bp = Blueprint("voluntary", __name__, url_prefix="/voluntary-sector")

from portal.voluntary import needs, officer_views, views  # noqa: E402,F401  (views register on the blueprints)
