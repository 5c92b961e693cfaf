"""Social value: the outcome matrix, offers and their review, commitments and delivery."""

from flask import Blueprint

from portal.accounts.access import officer_blueprint

bp = Blueprint("social_value", __name__, url_prefix="/social-value")
officer_bp = officer_blueprint("social_value_officers", __name__)

from portal.social_value import officer_views, views  # noqa: E402,F401  (views register on the blueprints)
