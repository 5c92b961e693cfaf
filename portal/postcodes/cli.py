"""`flask postcodes ...`: import the ONS Postcode Directory and say what the lookup reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.extensions import db
from portal.postcodes.importer import BATCH_SIZE, ImportRefused, import_directory
from portal.postcodes.lookup import DIRECTORY
from portal.postcodes.models import PostcodeDistrict, PostcodeImport
from portal.time import london_datetime

postcodes_cli = AppGroup("postcodes", help="The ONS Postcode Directory and the postcode district table.")

PROGRESS_EVERY = 500_000


@postcodes_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--postcode-column", help="The postcode column, if not pcds, pcd, pcd7, pcd8 or pcd2.")
@click.option("--authority-column", help="The local authority column, if not oslaua (ONSPD) or laua (NSPL).")
@click.option(
    "--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(100, 1_000_000), hidden=True
)
def import_command(
    file: Path, postcode_column: str | None, authority_column: str | None, batch_size: int
) -> None:
    """Replace the postcode directory with FILE, an ONSPD or NSPL CSV (the portal keeps answering)."""
    try:
        record = import_directory(
            file,
            postcode_column=postcode_column,
            authority_column=authority_column,
            batch_size=batch_size,
            progress=_progress_report(),
        )
    except ImportRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Imported {record.row_count:,} postcodes from {record.file_name} ({record.file_format}) "
        f"in {record.seconds:.0f} s; skipped {record.terminated_count:,} terminated and "
        f"{record.rejected_count:,} without a usable postcode or authority, or repeated."
    )


def _progress_report() -> Callable[[int], None]:
    """Says how many postcodes are staged so far, every PROGRESS_EVERY."""
    reported = [0]

    def progress(rows: int) -> None:
        if rows - reported[0] >= PROGRESS_EVERY:
            reported[0] = rows
            click.echo(f"... {rows:,} postcodes staged")

    return progress


@postcodes_cli.command("status")
def status_command() -> None:
    """What the postcode lookup reads: the last directory import and the district table."""
    latest = db.session.scalar(sa.select(PostcodeImport).order_by(PostcodeImport.id.desc()).limit(1))
    districts = db.session.scalar(sa.select(sa.func.count()).select_from(PostcodeDistrict))
    if latest is None:
        click.echo(f"{DIRECTORY}: not imported (run `flask postcodes import FILE`).")
    else:
        click.echo(
            f"{DIRECTORY}: {latest.row_count:,} postcodes from {latest.file_name} ({latest.file_format}), "
            f"imported on {london_datetime(latest.imported_at)}."
        )
    note = "" if districts else " (run `flask seed`)"
    click.echo(f"Postcode district table: {districts} districts{note}.")
