"""The Code's text: how it is normalised and fingerprinted, and how it is read into areas.

The text is kept exactly as published. Its format is deliberately small, so a version can be
written in the portal's text box or a file and shown without any markup from the author being
run: paragraphs separated by a blank line, `- ` for a list item, and `## ` opening each area that
a signer acknowledges. Everything before the first area is the introduction.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

MAX_AREAS = 12


@dataclass(frozen=True)
class Block:
    kind: str  # "paragraph" or "list"
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    number: int
    title: str
    blocks: tuple[Block, ...] = field(default=())


@dataclass(frozen=True)
class Document:
    introduction: tuple[Block, ...]
    areas: tuple[Area, ...]


class ContentError(ValueError):
    """The text cannot be published as a Code: the message says what to change."""


def normalise(text: str) -> str:
    """Unicode NFC, one kind of line ending, no trailing spaces on a line, no blank lines around
    the whole: what is stored and hashed. Two texts that look alike hash alike; any change to a
    visible character changes the hash."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def digest(text: str) -> str:
    """SHA-256 (hex) of the normalised text, UTF-8."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


_AREA = re.compile(r"^##(?:\s+(.*))?$")
# The text's chunks (paragraphs or lists) as their lines, with each area's title and its chunks.
Chunks = list[list[str]]
Areas = list[tuple[str, Chunks]]
_ITEM = re.compile(r"^[-*]\s+(.*)$")


def _blocks(chunks: Chunks) -> tuple[Block, ...]:
    blocks = []
    for chunk in chunks:
        items = [_ITEM.match(line) for line in chunk]
        if all(items):
            blocks.append(Block("list", tuple(match.group(1).strip() for match in items)))
        else:
            blocks.append(Block("paragraph", (" ".join(line.strip() for line in chunk),)))
    return tuple(blocks)


def parse(text: str) -> Document:
    """Read normalised text into its introduction and areas. :raise ContentError: no area, an
    area without commitments, too many areas, or an empty heading."""
    introduction, areas = _chunks(normalise(text))
    _check_areas(areas)
    return Document(
        introduction=_blocks(introduction),
        areas=tuple(Area(n, title, _blocks(chunks)) for n, (title, chunks) in enumerate(areas, start=1)),
    )


def _chunks(text: str) -> tuple[Chunks, Areas]:
    """The introduction's chunks, and each area's title with its chunks: a chunk is the lines
    between two blank lines or headings."""
    introduction: Chunks = []
    areas: Areas = []
    current = introduction
    chunk: list[str] = []
    for line in [*text.split("\n"), ""]:
        heading = _AREA.match(line)
        if heading or not line.strip():
            if chunk:
                current.append(chunk)
                chunk = []
            if heading:
                areas.append((_title(heading), []))
                current = areas[-1][1]
            continue
        chunk.append(line)
    return introduction, areas


def _title(heading: re.Match) -> str:
    title = (heading.group(1) or "").strip()
    if not title:
        raise ContentError("An area heading (a line starting ##) has no words after it")
    return title


def _check_areas(areas: Areas) -> None:
    if not areas:
        raise ContentError("The Code needs at least one area: start each area's heading with ## and a space")
    if len(areas) > MAX_AREAS:
        raise ContentError(f"The Code can have at most {MAX_AREAS} areas; this text has {len(areas)}")
    for title, chunks in areas:
        if not chunks:
            raise ContentError(f"The area “{title}” has no commitments under its heading")
