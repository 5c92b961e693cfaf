"""The Supplier Code of Ethics: its published versions and the organisations' pledges to them.

Both are evidence and append-only (portal.append_only): a published text is never edited (a new
version is published instead) and a pledge is never changed (a correction is a new pledge that
names the one it supersedes).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.append_only import append_only
from portal.ethics.content import Document, parse
from portal.extensions import Timestamp, db

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.organisations.models import Organisation


@append_only
class CodeVersion(db.Model):
    __tablename__ = "code_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    # Normalised (portal.ethics.content.normalise); text_sha256 is the SHA-256 of exactly this.
    text: Mapped[str] = mapped_column(sa.Text)
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    effective_on: Mapped[date]
    summary: Mapped[str] = mapped_column(sa.String(500), default="")  # what changed, for the email
    published_at: Mapped[Timestamp]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the CLI or seed

    @property
    def document(self) -> Document:
        return parse(self.text)


@append_only
class Pledge(db.Model):
    """One signature of one version of the Code, for an organisation."""

    __tablename__ = "pledges"
    __table_args__ = (
        # The first signature of a version: one per organisation, however many arrive at once.
        sa.Index(
            "uq_pledges_first_signature",
            "organisation_id",
            "version_id",
            unique=True,
            sqlite_where=sa.text("supersedes_id IS NULL"),
            postgresql_where=sa.text("supersedes_id IS NULL"),
        ),
        sa.Index("ix_pledges_organisation_id", "organisation_id", "id"),
        sa.Index("ix_pledges_version_id", "version_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What an officer looks a certificate up by: random, so it says nothing about other pledges.
    reference: Mapped[str] = mapped_column(sa.String(14), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("code_versions.id"))
    text_sha256: Mapped[str] = mapped_column(sa.String(64))  # of the version signed, as signed
    acknowledged_areas: Mapped[list[str]] = mapped_column(sa.JSON)  # each area's heading, in order
    representative_name: Mapped[str] = mapped_column(sa.String(100))
    representative_position: Mapped[str] = mapped_column(sa.String(100))
    signature: Mapped[str] = mapped_column(sa.String(100))
    # The typed signature differs from the representative's name and the signer confirmed it.
    signature_differs: Mapped[bool] = mapped_column(default=False)
    authority_confirmed: Mapped[bool]
    signed_at: Mapped[Timestamp]
    client_address: Mapped[str] = mapped_column(sa.String(45))
    user_agent: Mapped[str] = mapped_column(sa.String(400))
    # A correction names the pledge it corrects; each pledge is corrected at most once.
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pledges.id"), unique=True)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()
    version: Mapped[CodeVersion] = relationship()
    supersedes: Mapped[Pledge | None] = relationship(remote_side=[id])
