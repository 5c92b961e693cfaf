"""Supplier organisations: the profile in steps, classification, colleagues, accreditations."""

from flask import Blueprint, abort
from flask_login import current_user

bp = Blueprint("organisations", __name__, url_prefix="/organisation")


@bp.before_request
def members_only():
    """Every page here is about the signed-in supplier's own organisation; staff have none."""
    if current_user.is_authenticated and current_user.organisation_id is None:
        abort(403)


import portal.due_diligence.views  # noqa: E402  (the due diligence questionnaire registers on bp)
import portal.organisations.colleagues  # noqa: E402,F401  (its views register on bp)
from portal.organisations import data_export, views  # noqa: E402,F401  (views register on bp)
