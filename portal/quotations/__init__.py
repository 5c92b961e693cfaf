"""Quotation exercises: the suppliers an officer invites to quote for an opportunity below the
tender threshold, local suppliers suggested first, and the reason recorded when none is local.
Officers' pages only."""

from portal.accounts.access import officer_blueprint

officer_bp = officer_blueprint("quotations_officers", __name__)

from portal.quotations import officer_views  # noqa: E402,F401  (views register on officer_bp)
