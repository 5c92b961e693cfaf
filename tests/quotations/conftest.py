"""Quotation exercises' fixtures: `officer_client` (an officer signed in) and `member`, as the
social value tests have them."""

from __future__ import annotations

from tests.social_value.conftest import member, officer_client, pledge, registered

__all__ = ["member", "officer_client", "pledge", "registered"]
