"""Opportunities: published by officers, found by anyone, with interest, alerts and an OCDS feed."""

from flask import Blueprint

# No URL prefix: the feed sits beside the list (/opportunities.ocds.json), not under it.
bp = Blueprint("opportunities", __name__)

from portal.opportunities import feed, officer_views, quotations, views  # noqa: E402,F401  (views register on the blueprints)
