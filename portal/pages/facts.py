"""Facts only the force can supply (the DPO's contact, retention periods, the accessibility test).

They live in a TOML content file. An empty value is a fact not yet supplied: pages show a marked
placeholder for it, never an invented value.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ForceFacts:
    values: dict[str, Any]

    def get(self, key: str) -> str | None:
        """The value at a dotted key ("data_protection_officer.email"), or None when unset."""
        node: Any = self.values
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        if node in ("", None):
            return None
        return str(node)


def load_force_facts(path: str | Path) -> ForceFacts:
    with open(path, "rb") as file:
        return ForceFacts(tomllib.load(file))
