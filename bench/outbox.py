"""How fast the outbox worker delivers: queue N messages, deliver them to a local SMTP server
running in its own process, and print messages per second.

    .venv/bin/python bench/outbox.py [--database sqlite|postgresql] [--messages 2000]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.outbox import notify  # noqa: E402
from portal.outbox.worker import run_until_idle  # noqa: E402

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def postgres_database() -> tuple[str, str]:
    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return name, POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(name: str) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def measure(database_url: str, count: int) -> float:
    port = free_port()
    sink = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    try:
        wait_for_port(port)
        app = create_app(
            "test", SQLALCHEMY_DATABASE_URI=database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port
        )
        with app.app_context():
            upgrade()
            for n in range(count):
                notify(
                    "outbox/smtp_check",
                    to=f"supplier{n}@example.com",
                    subject=f"Message {n}",
                    context={"server": "bench"},
                )
            db.session.commit()
            started = time.perf_counter()
            progress = run_until_idle()
            elapsed = time.perf_counter() - started
            if progress.sent != count:
                raise RuntimeError(f"only {progress.sent} of {count} messages were sent: {progress}")
            db.engine.dispose()
        return count / elapsed
    finally:
        sink.terminate()
        sink.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("PORTAL_CONFIG", "test")
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            rate = measure(f"sqlite:///{directory}/bench.db", args.messages)
    else:
        name, url = postgres_database()
        try:
            rate = measure(url, args.messages)
        finally:
            drop_postgres_database(name)
    print(
        f"outbox worker, {args.database}: {args.messages} messages at {rate:.0f} messages/s "
        f"({os.cpu_count()} cores, {time.strftime('%Y-%m-%d')})"
    )


if __name__ == "__main__":
    main()
