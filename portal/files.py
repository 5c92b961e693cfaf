"""Evidence files: PDF, PNG or JPEG only, judged by their content (not their name), at most
10 MB, stored outside static/ under a random name in EVIDENCE_FOLDER (shared by every server),
and sent only as an attachment to the organisation's members and officers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import Response, current_app, send_file
from werkzeug.datastructures import FileStorage


class WithEvidence(Protocol):
    """A record that keeps an evidence file (an accreditation, a delivery report)."""

    evidence_name: str | None
    evidence_filename: str | None
    evidence_type: str | None


# The first bytes of each allowed kind of file, and what it is.
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}
NAMED = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class EvidenceRefused(ValueError):
    """The file cannot be kept; the message says why, in words for the supplier."""


@dataclass(frozen=True)
class StoredEvidence:
    name: str
    filename: str
    content_type: str
    size: int


def folder() -> Path:
    path = Path(current_app.config["EVIDENCE_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(upload: FileStorage) -> StoredEvidence:
    """Check and keep an uploaded file. :raise EvidenceRefused:"""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    content = upload.stream.read(limit + 1)
    if not content:
        raise EvidenceRefused("The selected file is empty")
    if len(content) > limit:
        raise EvidenceRefused(f"The selected file must be smaller than {limit // (1024 * 1024)} MB")
    kind = next((found for signature, found in SIGNATURES.items() if content.startswith(signature)), None)
    filename = Path(upload.filename or "evidence").name[-200:]
    suffix = Path(filename).suffix.lower()
    if kind is None:
        raise EvidenceRefused("The selected file must be a PDF, PNG or JPEG")
    if NAMED.get(suffix) not in (None, kind[0]) or suffix not in NAMED:
        raise EvidenceRefused(
            f"The selected file is not what its name says: it is a {kind[1][1:].upper()} file"
        )
    name = secrets.token_hex(16) + kind[1]
    (folder() / name).write_bytes(content)
    return StoredEvidence(name=name, filename=filename, content_type=kind[0], size=len(content))


def remove(name: str | None) -> None:
    if name:
        (folder() / Path(name).name).unlink(missing_ok=True)


def send(record: WithEvidence) -> Response:
    """A record's file as a download (never shown inline, so it cannot run as a page of the portal)."""
    response = send_file(
        folder() / Path(record.evidence_name).name,
        mimetype=record.evidence_type,
        as_attachment=True,
        download_name=record.evidence_filename,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
