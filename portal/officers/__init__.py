"""The officer workspace: staff pages over the areas' records. It calls the areas' services and
owns no rules of its own."""

from flask import Blueprint, abort
from flask_login import current_user

bp = Blueprint("officers", __name__, url_prefix="/officer")


@bp.before_request
def staff_only():
    """Every /officer/ page refuses suppliers (the global check has already sent visitors to
    sign in); admin-only pages say so with `@admin_required`."""
    if current_user.is_authenticated and not current_user.is_staff:
        abort(403)


import portal.due_diligence.officer_views  # noqa: E402,F401  (due diligence pages register on bp)
from portal.officers import views  # noqa: E402,F401  (views register on bp)
