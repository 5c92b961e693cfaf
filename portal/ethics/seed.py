"""`flask seed` loads the Code's first version from data/code-of-ethics/."""

from __future__ import annotations

from datetime import date

from portal.ethics.content import digest, normalise, parse
from portal.ethics.models import CodeVersion
from portal.ethics.versions import version_numbered
from portal.extensions import db
from portal.seed import DATA, read_csv, seed_step


@seed_step("Code of Ethics")
def seed_code_of_ethics() -> str:
    """Each version in versions.csv that is not in the database yet. A version already there is
    never changed (it may have pledges): a different file is reported, and a new text is
    published as a new version instead."""
    added, differing = [], []
    for row in read_csv("code-of-ethics/versions.csv"):
        number = int(row["number"])
        text = (DATA / "code-of-ethics" / row["file"]).read_text(encoding="utf-8")
        parse(text)
        existing = version_numbered(number)
        if existing is None:
            db.session.add(
                CodeVersion(
                    number=number,
                    text=normalise(text),
                    text_sha256=digest(text),
                    effective_on=date.fromisoformat(row["effective_on"]),
                    summary=row["summary"],
                )
            )
            added.append(number)
        elif existing.text_sha256 != digest(text):
            differing.append(number)
    summary = f"{len(added)} added"
    if differing:
        summary += f"; version(s) {differing} differ from the files and were left as published"
    return summary
