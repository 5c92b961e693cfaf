"""Named audiences for broadcasts. An area registers a function that lists its recipients in
pages ordered by a whole-number key, so the worker can resume after the last one it wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Recipient:
    key: int  # stable and increasing within the audience (a user id, say)
    address: str
    name: str = ""
    context: dict[str, Any] = field(default_factory=dict)  # per-recipient template values


AudienceFunction = Callable[[dict[str, Any], int | None, int], list[Recipient]]
AUDIENCES: dict[str, AudienceFunction] = {}


def audience(name: str) -> Callable[[AudienceFunction], AudienceFunction]:
    """Register `function(params, after_key, limit) -> recipients with key > after_key`."""

    def register(function: AudienceFunction) -> AudienceFunction:
        AUDIENCES[name] = function
        return function

    return register
