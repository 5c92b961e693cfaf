"""`flask ethics`: publish a new version of the Code from a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.ethics.content import ContentError
from portal.ethics.services import publish_version
from portal.extensions import db
from portal.time import london_today

ethics_cli = AppGroup("ethics", help="The Supplier Code of Ethics.")


@ethics_cli.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--effective-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day it takes effect (default today, in London).",
)
@click.option("--summary", default="", help="What has changed, for the email to every member.")
def publish_command(file: Path, effective_on, summary: str) -> None:
    """Publish FILE (UTF-8 text: paragraphs, `- ` items, `## ` before each area) as the next version;
    every member of every organisation is emailed through one broadcast."""
    day: date = effective_on.date() if effective_on else london_today()
    try:
        version = publish_version(file.read_text(encoding="utf-8"), effective_on=day, summary=summary)
    except (ContentError, UnicodeDecodeError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Published version {version.number}, in effect from {day:%-d %B %Y}; SHA-256 {version.text_sha256}"
    )
