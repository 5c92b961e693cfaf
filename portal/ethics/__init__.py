"""The Supplier Code of Ethics (read by anyone, signed for an organisation, certified) and the
modern slavery due diligence questionnaire."""

from flask import Blueprint

bp = Blueprint("ethics", __name__)

from portal.ethics import officer_views, views  # noqa: E402,F401  (views register on bp and officers' bp)
