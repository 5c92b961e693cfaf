"""Twenty pages' HTML, written to a folder, to compare a change that should not alter the markup
(white space aside) with what came before it.

    .venv/bin/python bench/sample_pages.py write DIR      # from each tree, before and after
    .venv/bin/python bench/sample_pages.py compare BEFORE AFTER

The pages are read on SQLite with the benchmark's demo data (fixed seed) and accounts, signed
out, as the supplier (profile completed, Code signed) and as an officer: lists, filters (one
refused), forms of every widget kind. What differs between two runs whatever the code (the CSRF
token, the CSP nonce, times of day, the session's seconds left, the Code's random pledge
references) is written as a placeholder.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.run import (  # noqa: E402
    Account,
    create_bench_accounts,
    csrf_token,
    fresh_database,
    prepare_database,
)

PUBLIC = [
    "/opportunities?q=cleaning&category=90&procedure=tender",
    "/opportunities?category=bogus&procedure=tender",
    "/opportunities/{opportunity}",
    "/voluntary-sector/?area=E06000050",
    "/voluntary-sector/needs?area=E06000049",
    "/register",
]
SUPPLIER = [
    "/organisation/profile/about",
    "/organisation/profile/size",
    "/organisation/profile/supplies",
    "/organisation/profile/sites",
    "/organisation/profile/accreditations",
    "/organisation/due-diligence",
    "/social-value/offers",
    "/code-of-ethics",
]
OFFICER = [
    "/officer/organisations",
    "/officer/offers?theme=economic&state=submitted",
    "/officer/offers/{offer}",
    "/officer/opportunities/new",
    "/officer/outbox",
    "/officer/audit",
]
VARYING = [
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"'), r'\1CSRF"'),
    (re.compile(r'(value=")[^"]*("[^>]*name="csrf_token")'), r"\1CSRF\2"),
    (re.compile(r'data-csrf-token="[^"]*"'), 'data-csrf-token="CSRF"'),
    (re.compile(r'data-seconds-left="\d+"'), 'data-seconds-left="SECONDS"'),  # of the session
    (re.compile(r'nonce="[^"]*"'), 'nonce="NONCE"'),
    (re.compile(r"\bCE-[0-9A-Z]{4}-[0-9A-Z]{4}\b"), "CE-REFERENCE"),  # a pledge's, random
    (re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?"), "DATETIME"),
    (re.compile(r"\b\d{1,2}(:\d\d)?(am|pm)\b"), "TIME"),
]


def normalised(html: str) -> str:
    for pattern, replacement in VARYING:
        html = pattern.sub(replacement, html)
    return html


def sign_in(client, account: Account) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "email": account.email, "password": account.password}
    )
    if response.status_code != 302:
        raise RuntimeError(f"{account.email} could not sign in ({response.status_code})")


def write(folder: Path) -> None:
    from portal import create_app
    from portal.opportunities.models import Opportunity
    from portal.social_value.models import Offer, OfferState

    folder.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="portal-sample-"))
    with fresh_database("sqlite", workdir) as url:
        prepare_database(url, demo_rows=300, bench_rows=0, seed=1)
        supplier, officer = create_bench_accounts(url, supplier=True, officer=True)
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
        with app.app_context():
            from portal.extensions import db

            ids = {
                "opportunity": db.session.scalar(
                    sa.select(sa.func.min(Opportunity.id)).where(Opportunity.published_at.is_not(None))
                ),
                # Officers see neither a draft nor a response to an opportunity still open.
                "offer": db.session.scalar(
                    sa.select(sa.func.min(Offer.id)).where(
                        Offer.state != OfferState.DRAFT, Offer.opportunity_id.is_(None)
                    )
                ),
            }
        number = 0
        for account, paths in ((None, PUBLIC), (supplier, SUPPLIER), (officer, OFFICER)):
            client = app.test_client()
            if account is not None:
                sign_in(client, account)
            for path in paths:
                number += 1
                response = client.get(path.format(**ids))
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
                (folder / f"{number:02d}-{name}.html").write_text(normalised(response.get_data(as_text=True)))
    print(f"{number} pages written to {folder}")


def folded(html: str) -> list[str]:
    """The page with white space folded, one tag a line, so that a difference reads in a diff."""
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*(/?>)\s*", r"\1", html)
    html = re.sub(r"\s*<", "<", html)
    return html.replace("<", "\n<").splitlines()


def compare(before: Path, after: Path) -> int:
    names = sorted(path.name for path in before.glob("*.html"))
    if names != sorted(path.name for path in after.glob("*.html")):
        print("the two folders hold different pages")
        return 1
    differing = 0
    for name in names:
        old, new = (folded((folder / name).read_text()) for folder in (before, after))
        if old != new:
            differing += 1
            print(f"--- {name}")
            sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(old, new, n=1, lineterm=""))
    print(f"{len(names) - differing} of {len(names)} pages the same, white space aside")
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("write").add_argument("folder", type=Path)
    both = commands.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "write":
        write(args.folder)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
