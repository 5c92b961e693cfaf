"""Opportunities: published by officers, found by anyone, with interest, alerts, sealed responses
and awards, and an OCDS feed."""

from flask import Blueprint

from portal.accounts.access import officer_blueprint

# No URL prefix: the feed sits beside the list (/opportunities.ocds.json), not under it.
bp = Blueprint("opportunities", __name__)
officer_bp = officer_blueprint("opportunities_officers", __name__)

from portal.opportunities import feed, officer_views, views  # noqa: E402,F401  (views register on the blueprints)
