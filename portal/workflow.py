"""The workflow's mechanism every area shares: a change the rules refuse says why."""

from __future__ import annotations


class Refused(ValueError):
    """The change is not allowed now: the message says why, in words for the officer or supplier."""
