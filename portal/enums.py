"""Enums whose members carry the words the pages show for them."""

from __future__ import annotations

import enum
from typing import Self


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members are declared with the words people read beside the value stored,
    `TENDER = "tender", "Tender (advertised)"`, so that no member can be added without them."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[Self, str]:
        """Each member's words, in the members' order: for choices, and for templates."""
        return {member: member.label for member in cls}
