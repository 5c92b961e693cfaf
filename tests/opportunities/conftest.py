"""Opportunities' fixtures: `officer_client` (an officer signed in) and `member` (a supplier of a
registered organisation with a current pledge, signed in on `client`), as the social value tests
have them. Create data inside `app.app_context()`; make requests outside it."""

from __future__ import annotations

from tests.social_value.conftest import member, officer_client, pledge, registered

__all__ = ["member", "officer_client", "pledge", "registered"]
