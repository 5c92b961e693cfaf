"""Enums whose members carry the words the pages show for them, and states shown as GOV.UK tags."""

from __future__ import annotations

import enum
from typing import Self, TypeVar

from markupsafe import Markup

K = TypeVar("K")


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


def tags(names: dict[K, str], colours: dict[K, str]) -> dict[K, Markup]:
    """A GOV.UK tag for each key (a state, say), written once: lists show one a row."""
    return {
        key: Markup('<strong class="govuk-tag govuk-tag--{}">{}</strong>').format(colours[key], name)
        for key, name in names.items()
    }
