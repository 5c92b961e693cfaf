"""Measure the portal's pages against the benchmark anchors, on a database made for the run.

    .venv/bin/python bench/run.py [--database sqlite|postgresql] [--rows N] [--duration S]
                                  [--connections C] [--pages /,/accessibility] [--rounds R]
                                  [--no-accounts] [--no-organisation-pages] [--no-officer-pages]
                                  [--no-hello]

Steps: create a fresh database (a temporary SQLite file, or `portal_bench_<random>` on the local
PostgreSQL), `flask db upgrade`, `flask seed` (the reference data: figures, CPV divisions, postcode
districts), `flask demo-data --rows N`, create and fill `bench_rows`, start gunicorn (one sync
worker per core, production settings, anchors on), then load each anchor and page for --duration
seconds at --connections connections with wrk, or with a Python loop where wrk is not installed
(`apt-get install -y wrk`), waiting after each until the server is idle again. The shell anchor is
loaded just before every page (shell, page, shell, page ...), and a page's ratio to the shell is
the median over the rounds of its ratio to that paired shell, printed with their spread; its p99
likewise over the paired shell's. Prints requests/s, p50 and p99 and the ratios to the shell and
minimal anchors, and writes the same as JSON to bench/results/<timestamp>.json.
gunicorn is stopped and the database dropped at the end, on error too. Traffic goes to 127.0.0.1
only.

With --accounts (the default) the run also measures the accounts area: before gunicorn starts it
adds one verified supplier account to the database (in-process, with the production settings
gunicorn runs with, so the hash has the argon2 parameters in force); each round then signs in over
HTTP and measures "/account" with that session cookie and "POST /login" (a valid sign-in: a 302
after a full argon2id verification), counting any other status as an error. Production names its
cookie `__Host-session` and marks it Secure: over plain HTTP on 127.0.0.1 no cookie jar would send
it back, so the script reads Set-Cookie itself and sends the cookie by name. wrk sends a GET,
signed in or not, as it sends the anchors, its cookie as a header; the page is fetched once
before and once after its load, and answering other than 200 either time counts every response
as an error. Only the sign-in's POST needs a wrk script, which counts each response's status.

The supplier's organisation has a completed, registered profile (filled in-process through the
models: legal name, registered address at CW7 2UA with its local status worked out, size, CPV
divisions, sites, accreditations and the other steps). With --organisation-pages (the default)
each round measures its profile pages signed in as that supplier, and "/officer/organisations"
signed in as a staff account the script adds the same way (role officer, verified, no
organisation); demo-data's organisations seeder fills the table with N other organisations. With
--officer-pages (the default) it also measures the officer lists "/officer/outbox" and
"/officer/audit", unfiltered and filtered, as that officer. The staff issue's figure is over
100,000 outbox and 100,000 audit rows: pass --rows 100000 (the default, 1000, keeps a quick run
quick; the table says when the lists were measured over fewer rows).

With --hello (the default) a bare Flask app (bench/hello.py: "Hello, World!") is served by its own
gunicorn with the same workers, and measured each round beside the shell like a page: each page's
share of hello is its paired ratio over hello's. The content page (/accessibility) is held to 26%
of hello and the form page (/register) to 12% (HELLO_TARGETS).

Each of those pages has a target of 0.60 of the shell anchor's requests/s: the table's last
column says whether it is met, and the JSON holds the verdicts.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `portal` importable

import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from portal.accounts.sessions import RENEW_AFTER_SECONDS  # noqa: E402
from portal.bench import create_bench_table, fill_bench_rows  # noqa: E402
from portal.time import utcnow  # noqa: E402

BIN = Path(sys.executable).parent if (Path(sys.executable).parent / "flask").exists() else ROOT / ".venv/bin"
RESULTS = ROOT / "bench" / "results"
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ANCHORS = ["/_bench/bare", "/_bench/minimal", "/_bench/shell"]
# The bare Flask app (bench/hello.py), served by its own gunicorn beside the portal's.
HELLO = "hello (bare Flask)"
# A content page and a form page, each held to a share of the hello app's requests/s.
HELLO_TARGETS = {"/accessibility": 0.26, "/register": 0.12}
SHELL, MINIMAL = "/_bench/shell", "/_bench/minimal"
ACCOUNT, SIGN_IN = "/account", "POST /login"  # the accounts area's measurements, as labelled
CODE_PAGE, RENEW = "/login/code", "/session/renew"
# The organisations area, signed in as the supplier (its own profile) and as the officer (the list).
PROFILE_PAGES = [
    "/organisation/profile",
    "/organisation/profile/about",
    "/organisation/profile/size",
    "/organisation/profile/supplies",
    "/organisation/profile/sites",
    "/organisation/profile/accreditations",
    "/organisation/profile/check",
]
OFFICER_ORGANISATIONS = "/officer/organisations"
# The Code of Ethics' pages, signed in as the supplier, whose organisation has signed it.
ETHICS_PAGES = ["/code-of-ethics", "/code-of-ethics/certificate"]
# Social value: the supplier's offers list, and the officers' queue unfiltered and filtered
# (over 10 x N demo offers: pass --rows 10000 for the 100,000 offers over 10,000 organisations).
SOCIAL_VALUE_PAGES = ["/social-value/offers"]
SOCIAL_VALUE_OFFICER_PAGES = ["/officer/offers", "/officer/offers?theme=economic&state=submitted"]
# The voluntary sector's public pages with a filter (over N / 50 directory entries and N / 5 needs).
VOLUNTARY_PAGES = [
    "/voluntary-sector/?area=E06000050",
    "/voluntary-sector/?q=network&area=E06000049",
    "/voluntary-sector/needs?area=E06000049",
    "/voluntary-sector/needs?kind=mentoring&area=E06000050",
]
# The public opportunities (over N / 5 opportunities with three lots each: 20,000 and 60,000 at
# --rows 100000): the search with a keyword and two filters, and a page of the OCDS feed.
OPPORTUNITY_PAGES = ["/opportunities?q=cleaning&category=90&procedure=tender"]
OCDS_PAGES = ["/opportunities.ocds.json"]
# The staff issue's lists, signed in as the officer; the filters use (state, id) and (action, id).
OFFICER_PAGES = [
    "/officer/outbox",
    "/officer/audit",
    "/officer/outbox?state=failed",
    "/officer/audit?action=account.disabled",
]
OFFICER_ROWS = 100_000  # the outbox and audit rows the staff issue is measured over
BENCH_ROWS = 100_000
TARGET_SHELL_OVER_MINIMAL = 0.60
TARGET_ACCOUNT_OVER_SHELL = 0.60
TARGET_PAGE_OVER_SHELL = 0.60  # every profile page, the organisations list and the officer lists
# Groups held to another ratio than TARGET_PAGE_OVER_SHELL: a page of 100 OCDS releases.
GROUP_TARGETS = {"opportunities feed": 0.30}
BENCH_EMAIL = "bench-supplier@example.com"
OFFICER_EMAIL = "bench-officer@example.com"
BENCH_POSTCODE = "CW7 2UA"  # the supplier's registered address: local (Cheshire West and Chester)
ARGON2_SETTINGS = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")
FORM = "application/x-www-form-urlencoded"
# Settings production refuses to start without; nothing in a benchmark sends mail or builds links.
PRODUCTION_PLACEHOLDERS = {
    "BASE_URL": "http://127.0.0.1",
    "MAIL_DEFAULT_SENDER": "Benchmark <bench@localhost>",
    "PROCUREMENT_INBOX": "procurement@localhost",
    # The benchmark measures pages, not limits: each worker counts its own (in memory), as every
    # run before production insisted on a shared store did, so figures stay comparable.
    "RATELIMIT_SINGLE_PROCESS": "1",
}


T = TypeVar("T")


@dataclass
class Account:
    """The run's supplier account and the settings gunicorn's app holds for it."""

    email: str
    password: str
    cookie_name: str
    argon2: dict[str, int]
    # The authenticator app's secret of a staff account, whose sign-in asks for its code.
    app_secret: str | None = None


@dataclass
class Target:
    """What one measurement sends: `label` names it in the table, `path` is what is requested."""

    label: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    expect: int = 200  # any other status counts as an error
    # The area whose target this page is held to (TARGET_PAGE_OVER_SHELL), if any: "organisations",
    # "staff lists".
    group: str | None = None
    # The account whose session cookie the page is loaded with (signed in afresh before each load).
    account: Account | None = None
    # Another server's port (the bare hello app's), where not the portal's.
    port: int | None = None

    @property
    def scripted(self) -> bool:
        """Whether wrk needs a Lua script to send it: another method or a body. A GET goes as the
        anchors do, its headers given with -H: a script's per-response callback copies every
        body into Lua, wrk's own work on the cores the server shares, and the bigger the page
        the more it costs, so a scripted page would be measured at a handicap to its anchor."""
        return self.method != "GET" or self.body is not None


@dataclass
class SignIn:
    """A sign-in form's cookie and CSRF token (the token is bound to that cookie, so together they
    make any number of valid sign-ins), and the session cookie of one completed sign-in."""

    form_cookie: str
    csrf_token: str
    session_cookie: str


@dataclass
class Verdict:
    """One page held to a ratio of the shell anchor's requests/s."""

    page: str
    group: str
    target_over_shell: float
    ratio_to_shell: float | None
    ratio_to_minimal: float | None

    @property
    def met(self) -> bool:
        return self.ratio_to_shell is not None and self.ratio_to_shell >= self.target_over_shell


@dataclass
class Result:
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str
    ratio_to_shell: float | None = None
    ratio_to_minimal: float | None = None
    # The shell anchor's load just before this one (each round measures shell, page, shell, page ...).
    paired_shell_rps: float | None = None
    paired_shell_p99_ms: float | None = None
    # Over the rounds: the lowest and highest of the page's paired ratios, and its p99 over the
    # paired shell's (the median of the rounds').
    ratio_spread: tuple[float, float] | None = None
    p99_over_shell: float | None = None
    # Its requests/s as a share of the bare hello app's: its paired ratio over hello's.
    share_of_hello: float | None = None


@dataclass
class Run:
    started: str
    database: str
    nproc: int
    workers: int
    duration_s: int
    connections: int
    demo_rows: int
    bench_rows: int
    tool: str
    python: str = field(default_factory=platform.python_version)
    rounds_per_page: int = 1
    # 1-minute load average before and after: a busy machine (a test run beside) skews every figure.
    load_before: float = field(default_factory=lambda: os.getloadavg()[0])
    load_after: float | None = None
    results: list[Result] = field(default_factory=list)  # per page, the median round
    rounds: list[list[dict]] = field(default_factory=list)  # per page, every round
    shell_over_minimal: float | None = None
    # With --accounts: the argon2 parameters gunicorn's app hashes and verifies with.
    argon2: dict[str, int] | None = None
    account_over_shell: float | None = None
    # Organisations in the database (demo-data's and the supplier's), and outbox and audit rows
    # the officer lists page through (demo-data's, before the run adds any).
    organisations: int | None = None
    outbox_rows: int | None = None
    audit_rows: int | None = None
    # page -> its group, for the pages held to TARGET_PAGE_OVER_SHELL; then each one's verdict.
    groups: dict[str, str] = field(default_factory=dict)
    verdicts: list[dict] = field(default_factory=list)


# --- the database ------------------------------------------------------------------------------


def admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """Yield the URL of an empty database, deleted or dropped afterwards whatever happens."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"  # workdir is removed by the caller
        return
    name = f"portal_bench_{secrets.token_hex(6)}"  # hex only: safe to put in the DDL below
    engine = admin_engine()
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    print(f"created PostgreSQL database {name}")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with engine.connect() as connection:
            # WITH (FORCE) ends any session gunicorn's workers left behind.
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        engine.dispose()
        print(f"dropped PostgreSQL database {name}")


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own venv's flask, fixed arguments)
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def prepare_database(url: str, demo_rows: int, bench_rows: int, seed: int) -> dict[str, int]:
    """Migrate, seed the reference data, add the demo data and bench_rows; return the row counts
    of the tables the organisation and officer pages read."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_CONFIG": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "FLASK_APP": "portal:create_app",
    }
    env.pop("BENCHMARK_ANCHORS", None)
    step("flask db upgrade", lambda: checked(flask(env, "db", "upgrade")))

    def reference_data() -> None:
        # The profile's steps read the figures and CPV divisions, and the supplier's local status
        # is worked out from the postcode districts: without them its profile cannot be completed.
        result = checked(flask(env, "seed"))
        print("  " + result.stdout.strip().replace("\n", "\n  "))

    step("flask seed", reference_data)

    def demo_data() -> None:
        result = flask(env, "demo-data", "--rows", str(demo_rows), "--seed", str(seed))
        checked(result)
        print("  " + result.stdout.strip().replace("\n", "\n  "))

    step(f"demo-data --rows {demo_rows}", demo_data)

    def fill() -> None:
        engine = sa.create_engine(url)
        try:
            with engine.begin() as connection:
                create_bench_table(connection)
                fill_bench_rows(connection, bench_rows, seed=seed)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                # Fresh statistics, so the planner picks the index as it would on a live table. On
                # PostgreSQL also the vacuum a live table has had: without it autovacuum works
                # through the freshly loaded rows while the first rounds are measured.
                connection.exec_driver_sql("VACUUM (ANALYZE)" if url.startswith("postgresql") else "ANALYZE")
        finally:
            engine.dispose()

    step(f"bench_rows: {bench_rows} rows", fill)
    return table_counts(url)


COUNTED = ("organisations", "outbox_messages", "audit_records")


def table_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(
                    sa.select(sa.func.count()).select_from(sa.table(table))
                ).scalar_one()
                for table in COUNTED
            }
    finally:
        engine.dispose()


def checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(result.args)} failed:\n{result.stdout}{result.stderr}")
    return result


def step(label: str, action: Callable[[], T]) -> T:
    started = time.perf_counter()
    value = action()
    print(f"{label}: {time.perf_counter() - started:.1f}s")
    return value


# --- the accounts area -------------------------------------------------------------------------


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """os.environ set to `env` for the block (the config classes read it), restored afterwards."""
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def add_account(email: str, password: str, role: str = "supplier", app_secret: str | None = None):
    """A verified account, committed, and returned: a supplier with its organisation, or staff
    (`role` "officer" or "admin") with none, as the database requires. Needs an app context: the
    hash is made with that app's argon2 parameters."""
    from portal.accounts.models import Role, User
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from portal.organisations.models import Organisation

    supplier = Role(role) == Role.SUPPLIER
    user = User(
        email=email,
        name="Benchmark Supplier" if supplier else "Benchmark Officer",
        password_hash=hash_password(password),
        role=Role(role),
        organisation=Organisation(name="Benchmark Supplies Ltd") if supplier else None,
        email_verified_at=utcnow(),
        password_changed_at=utcnow(),
        totp_secret=app_secret,
        totp_added_at=utcnow() if app_secret else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def complete_profile(user) -> None:
    """Fill in every step of the supplier's organisation profile through the models, and register
    it, committed. Needs `flask seed`'s reference data: the CPV divisions, the figures "check your
    answers" classifies with, and the postcode districts that make CW7 2UA local."""
    from portal.extensions import db
    from portal.organisations import services, steps
    from portal.organisations.models import (
        Accreditation,
        AccreditationKind,
        LivingWage,
        LocalStatus,
        OrganisationSite,
    )
    from portal.organisations.rules import LegalForm
    from portal.reference.models import CpvDivision

    org = user.organisation
    today = utcnow().date()
    org.name = org.legal_name = "Benchmark Supplies Ltd"
    org.legal_form = LegalForm.PRIVATE_LIMITED
    org.companies_house_number = "BENCH001"  # no demo organisation's shape ("D" + 7 digits)
    org.website = "https://bench-supplies.example.com"
    org.address_line_1, org.town, org.postcode = "1 Benchmark Way", "Winsford", BENCH_POSTCODE
    org.sites = [
        OrganisationSite(
            label="Depot", address_line_1="Unit 4, Gadbrook Park", town="Northwich", postcode="CW9 7TN"
        ),
        OrganisationSite(
            label="Warehouse", address_line_1="2 Dock Road", town="Warrington", postcode="WA1 1UH"
        ),
        OrganisationSite(
            label="Branch office", address_line_1="10 Deansgate", town="Manchester", postcode="M3 2BW"
        ),
    ]
    org.staff_headcount, org.turnover, org.balance_sheet_total = 42, Decimal(3_100_000), Decimal(1_200_000)
    org.financial_year_end = date(today.year - 1, 3, 31)
    org.divisions = list(
        db.session.scalars(sa.select(CpvDivision).where(CpvDivision.division.in_(["34", "35", "50"])))
    )
    org.vcse_declared = org.supported_employment_provider = org.public_service_mutual = False
    org.accreditations = [
        Accreditation(
            kind=kind, certificate_number=f"BENCH-{n}", expires_on=today + timedelta(days=200 + n * 90)
        )
        for n, kind in enumerate(
            [AccreditationKind.ISO_14001, AccreditationKind.FSC, AccreditationKind.SEDEX]
        )
    ]
    org.accreditations_answered = True
    org.living_wage = LivingWage.ACCREDITED
    org.tax_compliance_declared_at, org.tax_compliance_declared_by_id = utcnow(), user.id
    services.work_out_local_status(org)  # the look-ups the address step makes
    org.registered_at = utcnow()
    undone = [step.slug for step in steps.steps_for(org) if not step.done(org)]
    if undone or len(org.divisions) < 2 or org.local_status != LocalStatus.LOCAL:
        raise SystemExit(
            f"the bench supplier's profile is not complete (steps {undone or 'all done'}, "
            f"{len(org.divisions)} CPV divisions, local status {org.local_status}): run `flask seed`"
        )
    db.session.commit()
    sign_code_of_ethics(user)


def sign_code_of_ethics(user) -> None:
    """The supplier signs the Code's newest version for its organisation (its certificate page)."""
    from portal.ethics import services as ethics
    from portal.ethics.versions import versions_by_day
    from portal.extensions import db

    _, version = versions_by_day()
    ethics.sign(
        user.organisation,
        user,
        version,
        representative_name=user.name,
        representative_position="Managing Director",
        signature=user.name,
        client_address="127.0.0.1",
        user_agent="bench/run.py",
    )
    db.session.commit()
    add_bench_offers(user)
    add_bench_interests_and_awards(user)


# What the supplier's organisation holds for its home page's figure (#24): 100 offers, 20
# interests and 10 awards.
BENCH_OFFERS, BENCH_INTERESTS, BENCH_AWARDS = 100, 20, 10


def add_bench_offers(user, count: int = BENCH_OFFERS) -> None:
    """Submitted offers for the supplier's list and its home (the demo offers are other
    organisations')."""
    from portal.extensions import db
    from portal.social_value.models import Indicator, Measure, Offer, OfferState, Outcome

    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.theme_id == "social").limit(1))
    measure = db.session.scalar(
        sa.select(Measure).join(Measure.indicators).where(Indicator.id == indicator.id)
    )
    outcome = db.session.scalar(sa.select(Outcome).where(Outcome.theme_id == "social").limit(1))
    for n in range(count):
        db.session.add(
            Offer(
                organisation_id=user.organisation_id,
                created_by_id=user.id,
                state=OfferState.SUBMITTED,
                queued_at=utcnow(),
                theme_id="social",
                outcomes=[outcome],
                indicator_id=indicator.id,
                measure_id=measure.id,
                description=f"Benchmark offer {n}",
                quantity=Decimal(40),
                authority="E06000050",
                due_on=utcnow().date() + timedelta(days=90),
                partner_answered=True,
            )
        )
    db.session.commit()


def add_bench_interests_and_awards(user) -> None:
    """Interest registered in demo-data's newest opportunities, the first few of them awarded."""
    from portal.extensions import db
    from portal.opportunities.models import Award, Interest, Opportunity

    newest = db.session.scalars(
        sa.select(Opportunity.id).order_by(Opportunity.id.desc()).limit(BENCH_INTERESTS)
    ).all()
    if len(newest) < BENCH_INTERESTS:  # demo-data makes hundreds; a test's database may have none
        print(
            f"the bench supplier's interests: {len(newest)} (demo-data's opportunities), not {BENCH_INTERESTS}"
        )
    for n, opportunity_id in enumerate(newest):
        owner = {"opportunity_id": opportunity_id, "organisation_id": user.organisation_id}
        db.session.add(Interest(**owner, registered_by_id=user.id))
        if n < BENCH_AWARDS:  # awarded by the supplier's own account: the home shows no awarder
            db.session.add(Award(**owner, awarded_by_id=user.id))
    db.session.commit()


def create_bench_accounts(
    url: str, *, supplier: bool, officer: bool
) -> tuple[Account | None, Account | None]:
    """Add the run's accounts with the app gunicorn will run (production settings, same
    environment): the supplier, with its organisation's profile completed, and the officer. Note
    the settings the measurements depend on: the argon2 parameters and the cookie's name, both
    fixed in the config classes rather than read from the environment."""
    from portal import create_app
    from portal.extensions import db

    with environment(server_environment(url)):
        app = create_app()
    accounts: list[Account | None] = []
    with app.app_context():
        try:
            for wanted, email, role in (
                (supplier, BENCH_EMAIL, "supplier"),
                (officer, OFFICER_EMAIL, "officer"),
            ):
                if not wanted:
                    accounts.append(None)
                    continue
                password = secrets.token_urlsafe(18)
                app_secret = None if role == "supplier" else pyotp.random_base32(32)  # staff need an app
                user = add_account(email, password, role, app_secret)
                if role == "supplier":
                    complete_profile(user)
                accounts.append(
                    Account(
                        email,
                        password,
                        app.config["SESSION_COOKIE_NAME"],
                        {name: app.config[name] for name in ARGON2_SETTINGS},
                        app_secret,
                    )
                )
        finally:
            db.session.remove()
            db.engine.dispose()
    return accounts[0], accounts[1]


CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>", re.IGNORECASE)
VALUE_ATTRIBUTE = re.compile(r"\bvalue=\"([^\"]*)\"")


def csrf_token(html: str) -> str | None:
    """The CSRF token in a page's form (`<input ... name="csrf_token" ... value="...">`)."""
    tag = CSRF_INPUT.search(html)
    value = tag and VALUE_ATTRIBUTE.search(tag.group(0))
    return value.group(1) if value else None


def cookie_value(set_cookie_headers: list[str], name: str) -> str | None:
    """The value a response sets for cookie `name`, read from its Set-Cookie headers as they are:
    a cookie jar would drop production's Secure `__Host-` cookie on plain HTTP. The last one wins."""
    value = None
    for header in set_cookie_headers:
        pair = header.split(";", 1)[0]
        cookie, separator, content = pair.partition("=")
        if separator and cookie.strip() == name:
            value = content.strip().strip('"')
    return value


def sign_in_form(account: Account, token: str) -> str:
    return urllib.parse.urlencode({"csrf_token": token, "email": account.email, "password": account.password})


def sign_in(port: int, account: Account) -> SignIn:
    """Sign in over HTTP as a browser would: GET /login for the cookie and the form's token, POST
    the form (not following the 302), and check that the new session opens /account."""
    status, headers, body = fetch(port, "GET", "/login")
    form_cookie = cookie_value(headers.get_all("Set-Cookie") or [], account.cookie_name)
    token = csrf_token(body.decode("utf-8", "replace"))
    if status != 200 or not form_cookie or not token:
        raise SystemExit(
            f"GET /login answered {status} with cookie {account.cookie_name} "
            f"{'set' if form_cookie else 'missing'} and CSRF token {'found' if token else 'missing'}"
        )
    form_headers = {"Cookie": f"{account.cookie_name}={form_cookie}", "Content-Type": FORM}
    status, headers, body = fetch(port, "POST", "/login", form_headers, sign_in_form(account, token))
    session_cookie = cookie_value(headers.get_all("Set-Cookie") or [], account.cookie_name)
    if status != 302 or not session_cookie:
        raise SystemExit(f"POST /login answered {status}, not a 302 with a session: {body[:300]!r}")
    if headers.get("Location") == CODE_PAGE and account.app_secret:
        session_cookie = enter_code(port, account, session_cookie)
    status, headers, body = fetch(port, "GET", ACCOUNT, {"Cookie": f"{account.cookie_name}={session_cookie}"})
    if status != 200 or account.email.encode() not in body:
        raise SystemExit(f"GET {ACCOUNT} with the new session answered {status}, not the account page")
    # As a browser would, keep the cookie the first page sets: it holds the session's CSRF token
    # (a new session has none, and without it every page would make one and set the cookie again).
    session_cookie = cookie_value(headers.get_all("Set-Cookie") or [], account.cookie_name) or session_cookie
    return SignIn(form_cookie, token, session_cookie)


def enter_code(port: int, account: Account, pending_cookie: str) -> str:
    """Give the app's code to a sign-in that asks for it; return the session cookie it opens. A
    code is accepted once: where this step's was, the next step's is given when it comes."""
    name = account.cookie_name
    status, headers, body = fetch(port, "GET", CODE_PAGE, {"Cookie": f"{name}={pending_cookie}"})
    pending_cookie = cookie_value(headers.get_all("Set-Cookie") or [], name) or pending_cookie
    token = csrf_token(body.decode("utf-8", "replace"))
    if status != 200 or not token:
        raise SystemExit(
            f"GET {CODE_PAGE} answered {status} with CSRF token {'found' if token else 'missing'}"
        )
    for _attempt in range(2):
        code = pyotp.TOTP(account.app_secret).now()
        form = urllib.parse.urlencode({"csrf_token": token, "code": code})
        headers_sent = {"Cookie": f"{name}={pending_cookie}", "Content-Type": FORM}
        status, headers, body = fetch(port, "POST", CODE_PAGE, headers_sent, form)
        session_cookie = cookie_value(headers.get_all("Set-Cookie") or [], name)
        if status == 302 and session_cookie:
            return session_cookie
        time.sleep(30 - time.time() % 30 + 0.1)
    raise SystemExit(f"POST {CODE_PAGE} answered {status}, not a 302 with a session: {body[:300]!r}")


def fresh_session(port: int, target: Target) -> None:
    """Renew the target's session, as "Stay signed in" does, and load the page with it.

    A browser sends back the cookie the last response set, so its session's noted time is never
    more than RENEW_AFTER_SECONDS old and the cookie is renewed (signed and set again) about once
    a minute. wrk sends one cookie for the whole load: one from the start of the round would be
    renewed on every request once the round is a minute old, a cost no browser makes a page pay.
    (Renewed rather than signed in afresh: a staff sign-in takes an app code, each accepted once.)
    """
    name = target.account.cookie_name
    cookie = target.headers["Cookie"]
    status, headers, body = fetch(port, "GET", ACCOUNT, {"Cookie": cookie})
    current = cookie_value(headers.get_all("Set-Cookie") or [], name)
    cookie = f"{name}={current}" if current else cookie
    token = csrf_token(body.decode("utf-8", "replace"))
    if status != 200 or not token:
        raise SystemExit(f"GET {ACCOUNT} answered {status}: the session has ended")
    status, headers, _ = fetch(port, "POST", RENEW, {"Cookie": cookie, "X-CSRFToken": token})
    renewed = cookie_value(headers.get_all("Set-Cookie") or [], name)
    if status != 200 or not renewed:
        raise SystemExit(f"POST {RENEW} answered {status} without a renewed session")
    target.headers["Cookie"] = f"{name}={renewed}"


def account_targets(account: Account, signed_in: SignIn) -> list[Target]:
    cookie = account.cookie_name
    return [
        Target(ACCOUNT, ACCOUNT, headers={"Cookie": f"{cookie}={signed_in.session_cookie}"}, account=account),
        Target(
            SIGN_IN,
            "/login",
            method="POST",
            headers={"Cookie": f"{cookie}={signed_in.form_cookie}", "Content-Type": FORM},
            body=sign_in_form(account, signed_in.csrf_token),
            expect=302,
        ),
    ]


def _pages(paths: list[str], group: str, account: Account, signed_in: SignIn) -> list[Target]:
    """`paths` loaded signed in as `account`, each held to `group`'s target."""
    cookie = f"{account.cookie_name}={signed_in.session_cookie}"
    return [Target(path, path, headers={"Cookie": cookie}, group=group, account=account) for path in paths]


def profile_targets(account: Account, signed_in: SignIn) -> list[Target]:
    """The supplier's own organisation profile, Code of Ethics and offers pages, signed in."""
    return (
        _pages(PROFILE_PAGES, "organisations", account, signed_in)
        + _pages(ETHICS_PAGES, "code of ethics", account, signed_in)
        + _pages(SOCIAL_VALUE_PAGES, "social value", account, signed_in)
    )


def officer_targets(
    account: Account, signed_in: SignIn, *, organisations: bool = True, lists: bool = True
) -> list[Target]:
    """The officer's pages, signed in: the organisations list and the offers queue, and the
    outbox and audit lists."""
    targets = []
    if organisations:
        targets += _pages([OFFICER_ORGANISATIONS], "organisations", account, signed_in)
        targets += _pages(SOCIAL_VALUE_OFFICER_PAGES, "social value", account, signed_in)
    if lists:
        targets += _pages(OFFICER_PAGES, "staff lists", account, signed_in)
    return targets


def signed_in_targets(
    port: int,
    supplier: Account | None,
    officer: Account | None,
    *,
    accounts: bool,
    organisation_pages: bool,
    officer_pages: bool,
) -> list[Target]:
    """Sign each account in afresh and give the pages measured with its session, in table order."""
    targets: list[Target] = []
    if supplier is not None:
        signed_in = sign_in(port, supplier)
        if accounts:
            targets += account_targets(supplier, signed_in)
        if organisation_pages:
            targets += profile_targets(supplier, signed_in)
    if officer is not None and (organisation_pages or officer_pages):
        targets += officer_targets(
            officer, sign_in(port, officer), organisations=organisation_pages, lists=officer_pages
        )
    return targets


def signed_in_paths(accounts: bool, organisation_pages: bool, officer_pages: bool) -> list[str]:
    """The paths measured signed in (so never measured signed out as --pages)."""
    return (
        ([ACCOUNT] if accounts else [])
        + (
            [
                *PROFILE_PAGES,
                *ETHICS_PAGES,
                *SOCIAL_VALUE_PAGES,
                OFFICER_ORGANISATIONS,
                *SOCIAL_VALUE_OFFICER_PAGES,
            ]
            if organisation_pages
            else []
        )
        + (OFFICER_PAGES if officer_pages else [])
    )


# --- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(url: str) -> dict[str, str]:
    """The environment gunicorn's app is built in: production settings on the bench database."""
    return {
        **PRODUCTION_PLACEHOLDERS,
        **os.environ,
        "BENCHMARK_ANCHORS": "1",
        "PORTAL_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
    }


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int, workdir: Path, app: str = "wsgi:app", name: str = "gunicorn"
) -> Iterator[int]:
    """Serve `app` on a free loopback port; yield the port once /healthz answers."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    command = [
        str(BIN / "gunicorn"),
        *("--workers", str(workers), "--worker-class", "sync"),
        *("--bind", f"127.0.0.1:{port}", app),
    ]
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        wait_for_health(port, server, log_path)
        yield port
    finally:
        server.terminate()  # SIGTERM: gunicorn's graceful shutdown of its workers
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print(f"{name} stopped")


@contextmanager
def hello_server(wanted: bool, workers: int, workdir: Path) -> Iterator[int | None]:
    """The bare hello app (bench/hello.py) on its own gunicorn with the portal's workers, or None."""
    if not wanted:
        yield None
        return
    with gunicorn(dict(os.environ), workers, workdir, app="bench.hello:app", name="hello") as port:
        yield port


def wait_for_health(port: int, server: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()[-3000:]}")
        with suppress(OSError):
            status, _ = get(port, "/healthz")
            if status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn gave no healthy /healthz in {timeout}s:\n{log_path.read_text()[-3000:]}")


def fetch(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def get(port: int, path: str) -> tuple[int, bytes]:
    status, _, body = fetch(port, "GET", path)
    return status, body


SETTLED_S = 0.1  # a bare GET on an idle server takes a few milliseconds


def settle(port: int, workers: int, timeout: float = 30) -> float:
    """Wait until the server is idle again; return the seconds waited.

    When wrk stops, requests it sent stay queued in gunicorn's listen backlog and the workers still
    serve them: after "POST /login", 8 queued argon2 verifications keep 2 workers busy for over a
    second, which would land on the next page's figure. So bursts of `workers` concurrent bare
    GETs (each queued behind that backlog) are sent until a whole burst takes under SETTLED_S."""

    def probe() -> None:
        with suppress(OSError, http.client.HTTPException):
            get(port, "/_bench/bare")

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        burst = time.perf_counter()
        threads = [threading.Thread(target=probe) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        if time.perf_counter() - burst < SETTLED_S:
            break
    return time.perf_counter() - started


def warm_up(port: int, targets: list[Target], workers: int) -> None:
    """Fail on a target that does not answer as expected; let every worker compile its templates
    first. A sign-in costs a full password hash: a few per worker are enough."""
    for target in targets:
        for _ in range((10 if target.method == "GET" else 2) * workers):
            status, _, body = fetch(
                target.port or port, target.method, target.path, target.headers, target.body
            )
            if status != target.expect:
                raise SystemExit(
                    f"{target.method} {target.path} answered {status}, not {target.expect}: {body[:300]!r}"
                )


# --- load --------------------------------------------------------------------------------------

WRK_DURATION = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


WRK_UNEXPECTED = re.compile(r"^Unexpected status: (\d+)$", re.MULTILINE)
# Appended to a target's script: every thread counts the responses whose status is not the one
# expected (wrk itself counts only non-2xx/3xx, which would take a 302 to /login for a success),
# and `done` prints the sum for parse_wrk.
WRK_STATUS_CHECK = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
end

function response(status, headers, body)
  if status ~= EXPECTED then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("unexpected")
  end
  io.write(string.format("Unexpected status: %d\\n", total))
end
"""


def lua_string(value: str) -> str:
    """`value` as a Lua string literal: printable ASCII as is, quotes, backslashes and every other
    byte as \\ddd escapes."""
    out = []
    for byte in value.encode():
        character = chr(byte)
        if character in '"\\' or not 32 <= byte < 127:
            out.append(f"\\{byte:03d}")
        else:
            out.append(character)
    return '"' + "".join(out) + '"'


def wrk_script(target: Target) -> str:
    """A wrk Lua script sending `target`'s request and counting the responses not `target.expect`."""
    lines = [f"wrk.method = {lua_string(target.method)}"]
    if target.body is not None:
        lines.append(f"wrk.body = {lua_string(target.body)}")  # wrk adds the Content-Length
    lines += [
        f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in target.headers.items()
    ]
    return "\n".join(lines) + "\n" + WRK_STATUS_CHECK.replace("EXPECTED", str(int(target.expect)))


def load_with_wrk(
    wrk: str, port: int, target: Target, duration: int, connections: int, workdir: Path
) -> Result:
    threads = min(2, connections)
    # --timeout as the Python loop's: a sign-in queued behind others' argon2 can pass wrk's 2s
    # default, and a slow answer is a latency, not an error.
    command = [wrk, *(f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency")]
    if target.scripted:
        script = workdir / "target.lua"  # holds a session cookie: it goes when workdir does
        script.write_text(wrk_script(target))
        command += ["--script", str(script)]
    else:
        command += [
            argument for name, value in target.headers.items() for argument in ("-H", f"{name}: {value}")
        ]
    command.append(f"http://127.0.0.1:{port}{target.path}")
    before = None if target.scripted else answers_as_expected(port, target)
    output = checked(subprocess.run(command, capture_output=True, text=True, check=False)).stdout  # noqa: S603
    result = parse_wrk(target.label, output)
    if before is not None and not (before and answers_as_expected(port, target)):
        # Without a script wrk counts only statuses of 400 and over. A page that answers otherwise
        # before or after the load (a redirect to sign in, say) counts every response as an error.
        result.errors = result.requests
    return result


def answers_as_expected(port: int, target: Target) -> bool:
    status, _headers, _body = fetch(port, target.method, target.path, target.headers, target.body)
    return status == target.expect


def parse_wrk(path: str, output: str) -> Result:
    percentiles = {int(p): float(v) * UNIT_MS[unit] for p, v, unit in WRK_DURATION.findall(output)}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if not (rate and total and {50, 99} <= percentiles.keys()):
        raise SystemExit(f"could not read wrk's output:\n{output}")
    # A script's own count of unexpected statuses includes wrk's non-2xx/3xx ones: not both.
    unexpected = WRK_UNEXPECTED.search(output)
    if unexpected:
        errors = int(unexpected.group(1))
    else:
        errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(
        path,
        float(rate.group(1)),
        round(percentiles[50], 3),
        round(percentiles[99], 3),
        int(total.group(1)),
        errors,
        "wrk",
    )


def load_with_python(port: int, target: Target, duration: float, connections: int) -> Result:
    """One thread per connection, each sending `target`'s request until the deadline; bounded by
    `duration`. A response whose status is not `target.expect` counts as an error."""
    deadline = time.perf_counter() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = latencies[index]
        try:
            while (started := time.perf_counter()) < deadline:
                try:
                    # Keep-alive where the server allows it; http.client reconnects after a
                    # response that closes the connection (gunicorn's sync workers close each).
                    connection.request(target.method, target.path, body=target.body, headers=target.headers)
                    response = connection.getresponse()
                    response.read()
                    if response.status != target.expect:
                        errors[index] += 1
                        continue
                except (OSError, http.client.HTTPException):
                    errors[index] += 1
                    connection.close()
                    continue
                mine.append(time.perf_counter() - started)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 15)  # a request in flight at the deadline still gets its timeout
    elapsed = time.perf_counter() - started
    samples = sorted(s for thread_samples in latencies for s in thread_samples)
    if not samples:
        raise SystemExit(f"no successful request to {target.label} ({sum(errors)} errors)")
    return Result(
        target.label,
        round(len(samples) / elapsed, 2),
        round(percentile(samples, 50) * 1000, 3),
        round(percentile(samples, 99) * 1000, 3),
        len(samples),
        sum(errors),
        "python",
    )


def median_round(results: list[Result]) -> Result:
    """The round with the median requests/s (the lower middle of an even count), whole."""
    ordered = sorted(results, key=lambda r: r.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def summarise_pairs(results: list[Result]) -> Result:
    """A page's median round, with its ratio to the shell as the median of each round's ratio to
    the shell measured just before it (the spread: their lowest and highest), and its p99 over that
    shell's likewise. Pairing cancels what the machine was doing at the time: measured once a round
    apart, page/shell ratios on this shared machine swung from 0.35 to 1.70."""
    summary = median_round(results)
    paired = [r for r in results if r.paired_shell_rps]
    if paired:
        ratios = [r.requests_per_second / r.paired_shell_rps for r in paired]
        summary.ratio_to_shell = round(median(ratios), 3)
        summary.ratio_spread = (round(min(ratios), 3), round(max(ratios), 3))
        tails = [r.p99_ms / r.paired_shell_p99_ms for r in paired if r.paired_shell_p99_ms]
        summary.p99_over_shell = round(median(tails), 2) if tails else None
    return summary


def measure_rounds(
    targets: Callable[[int], list[Target]], rounds: int, measure: Callable[[Target], Result]
) -> dict[str, list[Result]]:
    """Each round loads the shell anchor, then a page, then the shell again, then the next page
    ...; each page's result carries the figures of the shell loaded just before it. Rounds
    interleave the pages too, so a burst of other load lands on all of them alike. `targets(n)`
    gives round n's pages (fresh sign-ins each round); `measure` loads one."""
    shell = Target(SHELL, SHELL)
    measured: dict[str, list[Result]] = {}
    for number in range(1, rounds + 1):
        for target in targets(number):
            if target.label == SHELL:
                continue
            anchor = measure(shell)
            result = measure(target)
            result.paired_shell_rps, result.paired_shell_p99_ms = anchor.requests_per_second, anchor.p99_ms
            measured.setdefault(SHELL, []).append(anchor)
            measured.setdefault(target.label, []).append(result)
            print(
                f"round {number}/{rounds} {target.label}: {result.requests_per_second:.1f} req/s, "
                f"{result.requests_per_second / (anchor.requests_per_second or 1):.2f} x the shell's "
                f"{anchor.requests_per_second:.1f}"
            )
    return measured


def percentile(sorted_samples: list[float], p: float) -> float:
    index = min(len(sorted_samples) - 1, max(0, round(p / 100 * len(sorted_samples)) - 1))
    return sorted_samples[index]


# --- report ------------------------------------------------------------------------------------


def add_ratios(run: Run) -> None:
    """Each page's ratio to the minimal anchor (its median round over the minimal's); to the
    shell, the paired ratio `summarise_pairs` gave it (the shell's own is 1)."""
    by_path = {r.path: r for r in run.results}
    shell, minimal = by_path[SHELL].requests_per_second, by_path[MINIMAL].requests_per_second
    for result in run.results:
        if result.ratio_to_shell is None and shell:
            result.ratio_to_shell = round(result.requests_per_second / shell, 3)
        result.ratio_to_minimal = round(result.requests_per_second / minimal, 3) if minimal else None
    # The anchors' own check, paired like the pages: the minimal anchor's ratio to its shell, inverted.
    paired_minimal = by_path[MINIMAL].ratio_to_shell
    run.shell_over_minimal = (
        round(1 / paired_minimal, 3) if paired_minimal else by_path[SHELL].ratio_to_minimal
    )
    if ACCOUNT in by_path:
        run.account_over_shell = by_path[ACCOUNT].ratio_to_shell
    hello = by_path[HELLO].ratio_to_shell if HELLO in by_path else None
    for result in run.results if hello else ():
        result.share_of_hello = round((result.ratio_to_shell or 0) / hello, 3)
    run.verdicts = [asdict(v) for v in verdicts(run.results, run.groups)]


def verdicts(results: list[Result], groups: dict[str, str]) -> list[Verdict]:
    """Each page of `groups` (page -> group) measured in `results`, held to its group's target."""
    return [
        Verdict(
            r.path,
            groups[r.path],
            GROUP_TARGETS.get(groups[r.path], TARGET_PAGE_OVER_SHELL),
            r.ratio_to_shell,
            r.ratio_to_minimal,
        )
        for r in results
        if r.path in groups
    ]


def group_summaries(found: list[Verdict]) -> list[str]:
    """One line per group: every page meets its target, or which do not and by how much."""
    lines = []
    for group in dict.fromkeys(v.group for v in found):
        pages = [v for v in found if v.group == group]
        target = pages[0].target_over_shell
        missed = [v for v in pages if not v.met]
        lowest = min(pages, key=lambda v: v.ratio_to_shell or 0)
        if missed:
            verdict = "BELOW the target on " + ", ".join(
                f"{v.page} ({v.ratio_to_shell or 0:.2f})" for v in missed
            )
        else:
            verdict = f"all {len(pages)} meet it; lowest {lowest.page} at {lowest.ratio_to_shell or 0:.2f}"
        lines.append(f"{group}: each page >= {target:.2f} x shell: {verdict}")
    return lines


def hello_summaries(results: list[Result]) -> list[str]:
    """Each page of HELLO_TARGETS measured beside the hello app, against its share."""
    lines = []
    for r in results:
        if r.path in HELLO_TARGETS and r.share_of_hello is not None:
            target = HELLO_TARGETS[r.path]
            verdict = "meets" if r.share_of_hello >= target else "BELOW"
            lines.append(
                f"beside hello: {r.path} = {r.share_of_hello:.1%} ({verdict} the target of {target:.0%})"
            )
    return lines


def argon2_note(argon2: dict[str, int]) -> str:
    return (
        f"argon2id t={argon2['ARGON2_TIME_COST']} m={argon2['ARGON2_MEMORY_COST']} KiB "
        f"p={argon2['ARGON2_PARALLELISM']}"
    )


def print_table(run: Run) -> None:
    print()
    print(
        f"{run.started}  database={run.database}  nproc={run.nproc}  workers={run.workers}  "
        f"tool={run.tool}  {run.connections} connections x {run.duration_s}s"
        + (f"  median of {run.rounds_per_page} rounds" if run.rounds_per_page > 1 else "")
        + f"  load {run.load_before:.2f} -> {run.load_after:.2f}"
    )
    if run.organisations is not None:
        print(
            f"demo rows {run.demo_rows:,} per seeder: {run.organisations:,} organisations, "
            f"{run.outbox_rows:,} outbox and {run.audit_rows:,} audit rows"
        )
    by_page = {v["page"]: v for v in run.verdicts}
    width = max([20, *(len(r.path) for r in run.results)])
    columns = (
        ("req/s", 10),
        ("p50 ms", 9),
        ("p99 ms", 9),
        ("/shell", 8),
        ("spread", 12),
        ("p99/shell", 10),
        ("/minimal", 9),
        ("/hello", 7),
        ("errors", 7),
        ("target", 12),
    )
    header = f"{'page':<{width}}" + "".join(f" {name:>{width_}}" for name, width_ in columns)
    print(header)
    print("-" * len(header))
    for r in run.results:
        note = f"  {argon2_note(run.argon2)}" if r.path == SIGN_IN and run.argon2 else ""
        verdict = by_page.get(r.path)
        if r.path == ACCOUNT:
            met = (r.ratio_to_shell or 0) >= TARGET_ACCOUNT_OVER_SHELL
            target = f">={TARGET_ACCOUNT_OVER_SHELL:.2f} {'ok' if met else 'MISS'}"
        elif verdict:
            target = f">={verdict['target_over_shell']:.2f} {'ok' if Verdict(**verdict).met else 'MISS'}"
        else:
            target = ""
        spread = f"{r.ratio_spread[0]:.2f}-{r.ratio_spread[1]:.2f}" if r.ratio_spread else ""
        tail = f"{r.p99_over_shell:.2f}x" if r.p99_over_shell else ""
        share = f"{r.share_of_hello:.1%}" if r.share_of_hello is not None else ""
        print(
            f"{r.path:<{width}} {r.requests_per_second:>10.1f} {r.p50_ms:>9.2f} {r.p99_ms:>9.2f} "
            f"{r.ratio_to_shell or 0:>8.2f} {spread:>12} {tail:>10} {r.ratio_to_minimal or 0:>9.2f} "
            f"{share:>7} {r.errors:>7} {target:>12}{note}"
        )
    verdict = "meets" if (run.shell_over_minimal or 0) >= TARGET_SHELL_OVER_MINIMAL else "BELOW"
    print(
        f"\nanchors: shell/minimal = {run.shell_over_minimal:.2f} "
        f"({verdict} the target of {TARGET_SHELL_OVER_MINIMAL:.2f})"
    )
    if run.account_over_shell is not None:
        account = next(r for r in run.results if r.path == ACCOUNT)
        verdict = "meets" if run.account_over_shell >= TARGET_ACCOUNT_OVER_SHELL else "BELOW"
        print(
            f"accounts: /account/shell = {run.account_over_shell:.2f} "
            f"({verdict} the target of {TARGET_ACCOUNT_OVER_SHELL:.2f}), "
            f"/account/minimal = {account.ratio_to_minimal or 0:.2f}"
        )
    for line in group_summaries([Verdict(**v) for v in run.verdicts]):
        print(line)
    for line in hello_summaries(run.results):
        print(line)
    if any(v["group"] == "staff lists" for v in run.verdicts) and (run.outbox_rows or 0) < OFFICER_ROWS:
        print(
            f"staff lists: measured over {run.outbox_rows or 0:,} outbox and {run.audit_rows or 0:,} audit "
            f"rows, fewer than the {OFFICER_ROWS:,} the staff issue names: pass --rows {OFFICER_ROWS}"
        )
    if run.argon2 is not None:
        print(f"sign-in: each POST /login is one {argon2_note(run.argon2)} verification (a measurement)")


def write_json(run: Run) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(asdict(run), indent=2) + "\n")
    return path


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--rows",
        type=int,
        default=1_000,
        help=f"rows per demo-data seeder (default 1000; the staff issue's figure needs {OFFICER_ROWS})",
    )
    parser.add_argument("--bench-rows", type=int, default=BENCH_ROWS, help="rows in bench_rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duration", type=int, default=10, help="whole seconds per page (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="default: nproc")
    parser.add_argument("--pages", default="/,/accessibility,/register", help="comma-separated paths")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each page this many times, interleaved, each beside the shell; report the medians",
    )
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--accounts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=f'also measure "{ACCOUNT}" signed in and "{SIGN_IN}" (default: on)',
    )
    parser.add_argument(
        "--organisation-pages",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the supplier's completed profile pages signed in, and "
        f'"{OFFICER_ORGANISATIONS}" as an officer (default: on)',
    )
    parser.add_argument(
        "--officer-pages",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=f"also measure {', '.join(OFFICER_PAGES)} as an officer (default: on)",
    )
    parser.add_argument(
        "--hello",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also serve a bare Flask app (bench/hello.py) beside the portal and give each page's "
        "share of its requests/s (default: on)",
    )
    args = parser.parse_args(argv)
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if any(not p.startswith("/") for p in args.pages):
        parser.error("--pages takes paths that start with /")
    if args.connections < 1 or args.duration <= 0 or args.rounds < 1:
        parser.error("--connections, --duration and --rounds must be positive")
    if args.duration > RENEW_AFTER_SECONDS - 10:
        # A page's fresh session must stay unrenewed for its whole load (see fresh_session).
        parser.error(f"--duration must be at most {RENEW_AFTER_SECONDS - 10} seconds")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = shutil.which("wrk") if args.tool in {"auto", "wrk"} else None
    if args.tool == "wrk" and not wrk:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    if not wrk and args.tool == "auto":
        # The Python loop loads the machine's cores itself: its ratios come out higher than
        # wrk's (0.7 to 0.9 where wrk gives 0.55 to 0.7) and are not comparable with them.
        print("note: wrk is not installed (apt-get install -y wrk); the Python load loop is used")
    run = Run(
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        database=args.database,
        nproc=os.cpu_count() or 1,
        workers=args.workers,
        duration_s=args.duration,
        connections=args.connections,
        demo_rows=args.rows,
        bench_rows=args.bench_rows,
        tool="wrk" if wrk else "python",
        rounds_per_page=args.rounds,
    )
    if args.officer_pages and args.rows < OFFICER_ROWS:
        print(
            f"note: the officer lists are measured over {args.rows} rows; the staff issue's are {OFFICER_ROWS}"
        )
    signed_in = {
        "accounts": args.accounts,
        "organisation_pages": args.organisation_pages,
        "officer_pages": args.officer_pages,
    }
    # SIGTERM ends the run like Ctrl+C does: through the `finally`s that stop gunicorn and drop
    # the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        with fresh_database(args.database, workdir) as url:
            counts = prepare_database(url, args.rows, args.bench_rows, args.seed)
            run.outbox_rows, run.audit_rows = counts["outbox_messages"], counts["audit_records"]
            supplier, officer = step(
                "bench accounts",
                lambda: create_bench_accounts(
                    url,
                    supplier=args.accounts or args.organisation_pages,
                    officer=args.organisation_pages or args.officer_pages,
                ),
            )
            run.organisations = counts["organisations"] + (1 if supplier else 0)
            if supplier and args.accounts:
                run.argon2 = supplier.argon2
            with (
                gunicorn(server_environment(url), args.workers, workdir) as port,
                hello_server(args.hello, args.workers, workdir) as hello_port,
            ):
                measured = ANCHORS + signed_in_paths(**signed_in)  # signed in, below
                paths = ANCHORS + [p for p in args.pages if p not in measured]
                plain = [Target(path, path) for path in paths] + [
                    Target(path, path, group="voluntary sector") for path in VOLUNTARY_PAGES
                ]
                if hello_port is not None:
                    plain.append(Target(HELLO, "/", port=hello_port))
                plain += [Target(path, path, group="opportunities") for path in OPPORTUNITY_PAGES]
                plain += [Target(path, path, group="opportunities feed") for path in OCDS_PAGES]
                targets = plain + signed_in_targets(port, supplier, officer, **signed_in)
                run.groups = {t.label: t.group for t in targets if t.group}
                warm_up(port, targets, args.workers)
                settle(port, args.workers)

                def round_targets(number: int) -> list[Target]:
                    # A fresh sign-in each round after the first: however long the run, the
                    # sessions stay within their idle limit and the form's token within its time.
                    return (
                        targets
                        if number == 1
                        else plain + signed_in_targets(port, supplier, officer, **signed_in)
                    )

                def measure(target: Target) -> Result:
                    if target.account is not None:
                        fresh_session(port, target)
                    server = target.port or port
                    if wrk:
                        result = load_with_wrk(wrk, server, target, args.duration, args.connections, workdir)
                    else:
                        result = load_with_python(server, target, args.duration, args.connections)
                    settle(port, args.workers)
                    return result

                rounds = measure_rounds(round_targets, args.rounds, measure)
                run.rounds = [[asdict(r) for r in results] for results in rounds.values()]
                run.results = [summarise_pairs(results) for results in rounds.values()]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    run.load_after = os.getloadavg()[0]
    add_ratios(run)
    print_table(run)
    print(f"\nwritten to {write_json(run).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
