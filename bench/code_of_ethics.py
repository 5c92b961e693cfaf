"""Publishing a new version of the Code of Ethics to many organisations: how long the publish
takes (it writes one broadcast row, whatever the number of members), and how fast the worker then
writes each member's message (the fan-out).

    .venv/bin/python bench/code_of_ethics.py [--database sqlite|postgresql] [--organisations 10000]

Each organisation gets one to three verified members (two on average), inserted in bulk.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.outbox import drop_postgres_database, postgres_database  # noqa: E402
from portal import create_app  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.ethics.models import CodeVersion  # noqa: E402
from portal.ethics.services import publish_version  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.organisations.models import Organisation  # noqa: E402
from portal.outbox.models import Broadcast, OutboxMessage  # noqa: E402
from portal.outbox.worker import expand_broadcast  # noqa: E402
from portal.time import london_today, utcnow  # noqa: E402


def fill(organisations: int) -> int:
    """`organisations` registered organisations with 1-3 members each; returns the member count."""
    now = utcnow()
    db.session.execute(
        sa.insert(Organisation),
        [
            {"name": f"Bench organisation {n}", "registered_at": now, "created_at": now}
            for n in range(organisations)
        ],
    )
    ids = db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)).all()
    members = [
        {
            "email": f"member{n}.{m}@example.com",
            "name": f"Member {n}.{m}",
            "password_hash": "not-a-real-hash",
            "organisation_id": organisation_id,
            "email_verified_at": now,
            "created_at": now,
        }
        for n, organisation_id in enumerate(ids)
        for m in range(1 + n % 3)
    ]
    db.session.execute(sa.insert(User), members)
    db.session.commit()
    return len(members)


def measure(database_url: str, organisations: int) -> dict[str, float]:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
        seeded = app.test_cli_runner().invoke(args=["seed"])
        if seeded.exit_code != 0:
            raise RuntimeError(seeded.output)
        members = fill(organisations)
        text = db.session.scalar(sa.select(CodeVersion.text).where(CodeVersion.number == 1))
        with app.test_request_context(method="POST"):  # as the admin's publish request
            started = time.perf_counter()
            publish_version(text + "\n\n- A commitment added for the benchmark.", effective_on=london_today())
            db.session.commit()
            publish_seconds = time.perf_counter() - started
        broadcasts = db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast))
        messages_at_publish = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        started = time.perf_counter()
        batches = 0
        while expand_broadcast(utcnow()):
            batches += 1
        fan_out_seconds = time.perf_counter() - started
        written = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        if written != members:
            raise RuntimeError(f"{written} messages written for {members} members")
        db.engine.dispose()
    return {
        "members": members,
        "publish_ms": publish_seconds * 1000,
        "broadcasts": broadcasts,
        "messages_at_publish": messages_at_publish,
        "batches": batches,
        "fan_out_seconds": fan_out_seconds,
        "messages_per_second": members / fan_out_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--organisations", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("PORTAL_CONFIG", "test")
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            result = measure(f"sqlite:///{directory}/bench.db", args.organisations)
    else:
        name, url = postgres_database()
        try:
            result = measure(url, args.organisations)
        finally:
            drop_postgres_database(name)
    print(
        f"Code of Ethics publish, {args.database}: {args.organisations} organisations, {result['members']} members; "
        f"publish {result['publish_ms']:.0f} ms ({result['broadcasts']} broadcast row, "
        f"{result['messages_at_publish']} messages); fan-out {result['batches']} batches in "
        f"{result['fan_out_seconds']:.1f} s = {result['messages_per_second']:.0f} messages/s "
        f"({os.cpu_count()} cores, {time.strftime('%Y-%m-%d')})"
    )


if __name__ == "__main__":
    main()
