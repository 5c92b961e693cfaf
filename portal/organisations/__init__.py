"""Supplier organisations: the profile in steps, classification, colleagues, accreditations;
the officers' list of organisations and their decisions on each classification."""

from flask import Blueprint

from portal.accounts.access import members_only, officer_blueprint

bp = Blueprint("organisations", __name__, url_prefix="/organisation")
bp.before_request(members_only)
officer_bp = officer_blueprint("organisations_officers", __name__)

from portal.organisations import (  # noqa: E402,F401  (views register on the blueprints)
    colleague_views,
    collection_views,
    data_export,
    officer_views,
    views,
)
