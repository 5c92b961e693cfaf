"""Modern slavery due diligence: a short questionnaire an organisation answers, rated low,
medium or high by the documented rules in data/due-diligence-rules.toml, and the follow-ups
officers record. The supplier's pages sit under /organisation (members only), the officers'
under /officer."""

from flask import Blueprint

from portal.accounts.access import members_only, officer_blueprint

bp = Blueprint("due_diligence", __name__, url_prefix="/organisation")
bp.before_request(members_only)
officer_bp = officer_blueprint("due_diligence_officers", __name__)

from portal.due_diligence import officer_views, views  # noqa: E402,F401  (views register on the blueprints)
