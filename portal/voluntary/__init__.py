"""The voluntary-sector directory and the needs board."""

from flask import Blueprint

from portal.accounts.access import officer_blueprint

bp = Blueprint("voluntary", __name__, url_prefix="/voluntary-sector")
officer_bp = officer_blueprint("voluntary_officers", __name__)

from portal.voluntary import needs, officer_views, views  # noqa: E402,F401  (views register on the blueprints)
