"""The officer workspace: its landing page, the accounts, the audit log and the outbox. It sits
above the areas and reads their services and queries; no area imports it."""

from portal.accounts.access import officer_blueprint

bp = officer_blueprint("officers", __name__)

from portal.officers import views  # noqa: E402,F401  (views register on bp)
