"""Opportunities: published by officers, found by anyone, with interest, alerts, sealed responses
and awards, and an OCDS feed."""

from flask import Blueprint

from portal.accounts.access import officer_blueprint
from portal.opportunities.models import PROCEDURE_NAMES, ROUTE_NAMES

# No URL prefix: the feed sits beside the list (/opportunities.ocds.json), not under it.
bp = Blueprint("opportunities", __name__)
officer_bp = officer_blueprint("opportunities_officers", __name__)
# What the opportunities' pages, public and officers', all write with.
bp.add_app_template_global(PROCEDURE_NAMES, "procedures")
bp.add_app_template_global(ROUTE_NAMES, "routes")

from portal.opportunities import feed, officer_views, views  # noqa: E402,F401  (views register on the blueprints)
