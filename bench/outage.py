"""Take the database away from a loaded portal and give it back: count what each request got.

    .venv/bin/python bench/outage.py [--outages 3] [--down 2] [--connections 8]

On a fresh PostgreSQL database (`portal_bench_<random>`, migrated and seeded as bench/run.py
does) with one signed-in supplier, gunicorn (production settings, two workers) serves while
--connections threads load it: the supplier's account page and the opportunities list with the
session cookie, the start page without one, and sign-ins (each a write: the sign-in is audited).
Meanwhile the database goes away --outages times for --down seconds each, as in a restart: it
refuses new connections (ALLOW_CONNECTIONS false) and every open one is ended
(pg_terminate_backend). Then it answers again for as long. Prints each request kind's count by
status and the number of responses without the security headers; exits 1 if anything answered
500 or went without those headers, or if the portal did not answer after the last outage as
before the first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (
    FORM,
    admin_engine,
    create_bench_accounts,
    fetch,
    fresh_database,
    gunicorn,
    prepare_database,
    sign_in,
    sign_in_form,
)

KINDS = ("GET /account (signed in)", "GET /opportunities (signed in)", "GET / (signed out)", "POST /login")


def requests(account, signed_in) -> list[tuple[str, str, str, dict[str, str], str | None]]:
    session = {"Cookie": f"{account.cookie_name}={signed_in.session_cookie}"}
    form = {"Cookie": f"{account.cookie_name}={signed_in.form_cookie}", "Content-Type": FORM}
    return [
        (KINDS[0], "GET", "/account", session, None),
        (KINDS[1], "GET", "/opportunities", session, None),
        (KINDS[2], "GET", "/", {}, None),
        (KINDS[3], "POST", "/login", form, sign_in_form(account, signed_in.csrf_token)),
    ]


def load(port: int, plan, stop: threading.Event, counts: Counter, bare: Counter) -> None:
    """Send the plan's requests round and round until `stop`; count (kind, status) and the
    responses without a Content-Security-Policy (a server's bare error page has none)."""
    while not stop.is_set():
        for kind, method, path, headers, body in plan:
            try:
                status, response_headers, _ = fetch(port, method, path, headers, body)
            except OSError:
                counts[kind, "no answer"] += 1
                continue
            counts[kind, status] += 1
            if "Content-Security-Policy" not in response_headers:
                bare[kind] += 1


def take_away(name: str, outages: int, down: float) -> None:
    """The database refuses new connections and ends the open ones, `down` seconds at a time."""
    engine = admin_engine()
    try:
        with engine.connect() as connection:
            for _ in range(outages):
                time.sleep(down)
                connection.exec_driver_sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
                connection.exec_driver_sql(
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"  # noqa: S608 (our own hex name)
                )
                time.sleep(down)
                connection.exec_driver_sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            time.sleep(down)
    finally:
        engine.dispose()


def statuses_of(port: int, plan) -> list[int]:
    return [fetch(port, method, path, headers, body)[0] for _, method, path, headers, body in plan]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outages", type=int, default=3)
    parser.add_argument(
        "--down", type=float, default=2.0, help="seconds each outage (and each recovery) lasts"
    )
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, fresh_database("postgresql", Path(workdir)) as url:
        prepare_database(url, demo_rows=100, bench_rows=0, seed=1)
        account, _ = create_bench_accounts(url, supplier=True, officer=False)
        with gunicorn(url, 2, Path(workdir)) as port:
            plan = requests(account, sign_in(port, account))
            before = statuses_of(port, plan)
            counts, bare, stop = Counter(), Counter(), threading.Event()
            threads = [
                threading.Thread(target=load, args=(port, plan, stop, counts, bare))
                for _ in range(args.connections)
            ]
            for thread in threads:
                thread.start()
            take_away(url.rsplit("/", 1)[1], args.outages, args.down)
            stop.set()
            for thread in threads:
                thread.join()
            after = statuses_of(port, plan)
    report(counts, bare, before, after)
    failed = any(status == 500 for _, status in counts) or bare or before != after
    return 1 if failed else 0


def report(counts: Counter, bare: Counter, before: list[int], after: list[int]) -> None:
    statuses = sorted({status for _, status in counts}, key=str)
    print(f"\n{'request':34}" + "".join(f"{status!s:>10}" for status in statuses) + f"{'bare':>8}")
    for kind in KINDS:
        row = "".join(f"{counts[kind, status]:>10}" for status in statuses)
        print(f"{kind:34}{row}{bare[kind]:>8}")
    print(f"\nbefore the first outage: {before}; after the last: {after}")


if __name__ == "__main__":
    sys.exit(main())
