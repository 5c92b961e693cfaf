"""Fixtures every test area shares.

Every test runs twice, once on SQLite and once on PostgreSQL: the session-scoped `database_url`
fixture is parametrised, migrated once per run, and each test runs inside a transaction that is
rolled back afterwards. Tests that must really commit (live server, concurrency) take
`fresh_database`, a throwaway copy of the migrated database.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.serving import make_server

import portal.models  # noqa: F401  (every mapped class known before a test module's imports configure them)
from portal import create_app
from portal.extensions import db, migrate
from tests.markup import CheckedClient

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DATABASES = ["sqlite", "postgresql"]


def required(name: str) -> bool:
    return os.environ.get(name, "") not in {"", "0"}


def skip_or_fail(requirement: str, reason: str) -> None:
    """Skip locally; fail when CI says the dependency is required."""
    if required(requirement):
        pytest.fail(f"{reason} ({requirement}=1 is set, so this fails instead of skipping)")
    pytest.skip(f"{reason}; set {requirement}=1 to make this a failure")


# --- databases -------------------------------------------------------------------------------


def postgres_admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def postgres_reachable() -> bool:
    engine = postgres_admin_engine()
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def create_postgres_database(template: str | None = None) -> str:
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    engine = postgres_admin_engine()
    with engine.connect() as connection:
        suffix = f" TEMPLATE {template}" if template else ""
        connection.exec_driver_sql(f"CREATE DATABASE {name}{suffix}")
    engine.dispose()
    return name


def drop_postgres_database(name: str) -> None:
    engine = postgres_admin_engine()
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()


def postgres_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def make_app(database_url: str, **overrides) -> Flask:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    app.test_client_class = CheckedClient
    return app


def migrate_database(database_url: str) -> None:
    """Migrate, then load the reference data (`flask seed`), as a new deployment does."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database for the whole run, migrated once."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.db'}"
        migrate_database(url)
        yield url
        return
    if not postgres_reachable():
        skip_or_fail("REQUIRE_POSTGRES", f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    name = create_postgres_database()
    try:
        migrate_database(postgres_url(name))
        yield postgres_url(name)
    finally:
        drop_postgres_database(name)


@pytest.fixture(scope="session")
def database_kind(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app_factory(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Make apps with their own settings (on the run's database unless told otherwise); their
    connection pools are closed at the end of the test."""
    apps: list[Flask] = []

    def factory(url: str | None = None, **overrides) -> Flask:
        apps.append(make_app(url or database_url, **overrides))
        return apps[-1]

    yield factory
    for made in apps:
        with made.app_context():
            db.engine.dispose()


@pytest.fixture
def transaction(app: Flask) -> Iterator[None]:
    """Run the test inside one database transaction, rolled back at the end.

    The portal's commits become savepoint releases, so each test starts from the migrated,
    empty database without a migration or truncation per test.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=original.registry.scopefunc,
    )
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, transaction) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask, transaction):
    return app.test_cli_runner()


@pytest.fixture
def fresh_database(database_url: str, database_kind: str, tmp_path: Path, request) -> Iterator[str]:
    """A throwaway copy of the migrated database, for tests that commit for real."""
    if database_kind == "sqlite":
        source = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        target_path = tmp_path / "fresh.db"
        target = sqlite3.connect(target_path)
        source.backup(target)  # the backup API copies what the WAL holds too
        source.close()
        target.close()
        yield f"sqlite:///{target_path}"
        return
    template = database_url.rsplit("/", 1)[1]
    # The copy needs the template to have no sessions: the run's app closes its own first (its
    # pool pings only connections idle a while, so one ended under it would fail its next page).
    with request.getfixturevalue("app").app_context():
        db.engine.dispose()
    drop_connections_to(template)
    name = create_postgres_database(template=template)
    try:
        yield postgres_url(name)
    finally:
        drop_postgres_database(name)


def drop_connections_to(name: str) -> None:
    """CREATE DATABASE ... TEMPLATE needs the template to have no other sessions."""
    engine = postgres_admin_engine()
    with engine.connect() as connection:
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    engine.dispose()


@pytest.fixture
def fresh_app(fresh_database: str, request) -> Iterator[Flask]:
    app = make_app(fresh_database)
    if "smtp_server" in request.fixturenames:
        capture = request.getfixturevalue("smtp_server")
        point_mail_at(app, capture.host, capture.port)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def evidence_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Evidence files go to a folder of the test's own while it runs."""
    saved = app.config["EVIDENCE_FOLDER"]
    app.config["EVIDENCE_FOLDER"] = str(tmp_path / "evidence")
    yield tmp_path / "evidence"
    app.config["EVIDENCE_FOLDER"] = saved


# --- requests --------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REVISION_INPUT = re.compile(r'<input[^>]*name="revision"[^>]*value="(\d+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def session_csrf_token(client: FlaskClient) -> str:
    """A CSRF token for this client's session, signed in or not."""
    for page in ("/login", "/account"):
        response = client.get(page)
        if response.status_code == 200:
            return csrf_token_from(response.get_data(as_text=True))
    raise AssertionError("no page offered a CSRF token")


def post_form(client: FlaskClient, url: str, data: dict, *, page: str | None = None, **kwargs):
    """Load the form's page (by default the URL itself), take its CSRF token and, as a browser
    would, the record's revision a workflow form carries; post them with `data`, which wins."""
    html = client.get(page or url).get_data(as_text=True)
    carried = {"csrf_token": csrf_token_from(html)}
    if revision := REVISION_INPUT.search(html):
        carried["revision"] = revision.group(1)
    return client.post(url, data={**carried, **data}, **kwargs)


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements run on the app's engine (not transaction control)."""
    statements: list[str] = []
    ignored = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.lstrip().upper().startswith(ignored):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# --- live server -----------------------------------------------------------------------------


@pytest.fixture
def live_server(fresh_app: Flask) -> Iterator[str]:
    """The portal served over HTTP on a free loopback port, on a database of its own, at
    localhost (browsers refuse passkeys on an IP address)."""
    server = make_server("127.0.0.1", 0, fresh_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


# --- mail ------------------------------------------------------------------------------------


class SMTPCapture:
    """A real SMTP server (aiosmtpd) on a free loopback port that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.controller: Controller | None = None
        self.port = free_port()
        self.host = "127.0.0.1"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=email_policy)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_mail_at(app: Flask, host: str, port: int) -> None:
    """Flask-Mail copies its settings at start-up: change the copy as well as the config."""
    app.config.update(MAIL_SERVER=host, MAIL_PORT=port)
    state = app.extensions["mail"]
    state.server, state.port = host, port


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SMTPCapture]:
    """A running SMTP server that the session app (and `fresh_app`, see below) delivers to."""
    capture = SMTPCapture()
    capture.start()
    saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    point_mail_at(app, capture.host, capture.port)
    try:
        yield capture
    finally:
        capture.stop()
        point_mail_at(app, *saved)


# --- alembic ---------------------------------------------------------------------------------


def alembic_config(app: Flask):
    with app.app_context():
        return migrate.get_config()


def run_alembic_check(app: Flask) -> None:
    """Fails (AutogenerateDiffsDetected) when the models and the migrations disagree."""
    with app.app_context():
        command.check(alembic_config(app))


# --- browser journeys run on one database -----------------------------------------------------


def pytest_collection_modifyitems(config, items) -> None:
    """Browser journeys run once: on PostgreSQL where it answers (always in CI), else SQLite."""
    browser_dir = Path(__file__).with_name("browser")
    browser_items = [item for item in items if browser_dir in item.path.parents]
    if not browser_items:
        return
    on = "postgresql" if required("REQUIRE_POSTGRES") or postgres_reachable() else "sqlite"
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
        kind = getattr(item, "callspec", None) and item.callspec.params.get("database_url")
        if kind and kind != on:
            item.add_marker(pytest.mark.skip(reason=f"browser journeys run once, on {on}"))


# --- rate limits -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no rate-limit counts; a test that binds the limiter to other
    storage (Redis) gets the previous storage back afterwards."""
    from portal.extensions import limiter

    saved = limiter._storage, limiter._limiter
    if limiter._storage is not None:
        limiter.reset()
    yield
    limiter._storage, limiter._limiter = saved


# --- what a process keeps ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _forget_matrix_names():
    """The queue's matrix names are kept a minute a process: a test's changes, rolled back at its
    end, must not show in the next test's filters."""
    from portal.social_value.matrix import forget_matrix_names

    yield
    forget_matrix_names()


# --- links in emails ---------------------------------------------------------------------------

LINK = re.compile(r"https?://[^\s\"'<>)]+")


def links_off_base(message, base_url: str) -> list[str]:
    """The links in a message's bodies that do not start with the portal's BASE_URL."""
    base = base_url.rstrip("/")
    bodies = f"{message.body_text or ''}\n{message.body_html or ''}"
    links = (link.rstrip(".,;:") for link in LINK.findall(bodies))  # a sentence's full stop is not the link's
    return [link for link in links if link != base and not link.startswith(base + "/")]


@pytest.fixture(autouse=True)
def _emails_link_to_base_url():
    """Guard rail: every email any test writes (each kind the portal sends is written by some test)
    links only to the portal's own address, never to a request's host or a port the worker was
    not told of. That address is BASE_URL, from which `configure` made SERVER_NAME when the app
    was built: a journey that moves BASE_URL afterwards (for passkeys) leaves the links built
    from SERVER_NAME where they were, and either is the portal's own."""
    from flask import current_app

    from portal.outbox.models import OutboxMessage

    wrong: list[str] = []

    def check(_mapper, _connection, message) -> None:
        config = current_app.config
        built_from = f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}"
        off = set(links_off_base(message, config["BASE_URL"])) & set(links_off_base(message, built_from))
        wrong.extend(f"{message.template}: {link}" for link in sorted(off))

    sa.event.listen(OutboxMessage, "before_insert", check)
    yield
    sa.event.remove(OutboxMessage, "before_insert", check)
    assert not wrong, f"links in emails that do not start with BASE_URL: {wrong}"
