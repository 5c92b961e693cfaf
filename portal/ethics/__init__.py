"""The Supplier Code of Ethics: read by anyone, signed for an organisation, certified; its
versions published by an admin."""

from flask import Blueprint

from portal.accounts.access import officer_blueprint

bp = Blueprint("ethics", __name__)
officer_bp = officer_blueprint("ethics_officers", __name__)

from portal.ethics import officer_views, views  # noqa: E402,F401  (views register on the blueprints)
