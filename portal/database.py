"""Database behaviour the portal relies on, whichever engine serves it.

SQLite: foreign keys on, WAL journal, a busy timeout, and write transactions begun with
`BEGIN IMMEDIATE` so that two writers queue for the lock instead of one failing with
"database is locked" when it tries to upgrade a read lock. Reads keep a plain deferred `BEGIN`.

PostgreSQL: a round trip to the server costs more than most of the portal's statements, so a
signed-in GET sends only its own statements. A GET, HEAD or OPTIONS request's statements run in
autocommit: no BEGIN and no COMMIT, and no rollback, on which psycopg would forget every prepared
statement (each statement is its own snapshot, as under READ COMMITTED in a transaction). Every
connection's transactions are read-only unless begun READ WRITE, which a write context's are, so
PostgreSQL still refuses a write from a safe request. A connection is pinged before use only after
it has been idle a while (see ping_if_idle): the pool's own pre-ping cost a round trip a request.
"""

from __future__ import annotations

import collections
import enum
import functools
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, has_request_context, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry
from werkzeug.routing import IntegerConverter, Map

from portal.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_Statement = TypeVar("_Statement", bound=sa.Executable)
BUSY_TIMEOUT_MS = 10_000


def fixed_limit(rows: int) -> sa.ColumnElement:
    """A LIMIT written into a statement rather than bound. psycopg prepares a statement once it
    has run five times, and PostgreSQL may then plan it for any limit (a generic plan): reading
    and sorting every matching row to return 26 of them, a millisecond on the officers' queue."""
    return sa.literal_column(str(int(rows)))


class Plan(enum.Enum):
    """How PostgreSQL plans a statement plain_rows runs (SQLite plans each one as it runs it)."""

    # psycopg prepares a statement once it has run five times; PostgreSQL may then plan it once
    # for any values (a generic plan).
    PREPARED = "prepared"
    # Never prepared: planned for its values each time it runs. For a search, whose matches vary
    # by thousands with its words.
    EACH_TIME = "each time"

    @classmethod
    def searching(cls, words: str | list[str]) -> Plan:
        """EACH_TIME for a statement that searches for `words`, where any are given."""
        return cls.EACH_TIME if words else cls.PREPARED


def plain_rows(
    statement: sa.Select | sa.CompoundSelect,
    params: dict | None = None,
    *,
    plan: Plan = Plan.PREPARED,
    row_class: type[tuple] | None = None,
) -> list[tuple]:
    """The rows of a select of plain columns, as named tuples (of `row_class`, a NamedTuple whose
    fields are the select's columns in order, where given), run on the session's connection (in
    its transaction): without the ORM's reading of each row, which cost a list page about as much
    as running its query. For read-only pages; ORM objects need the session's own execute.

    `plan` says how PostgreSQL plans it. A search is Plan.EACH_TIME: a prepared statement may get
    one plan for any words, and for the opportunities' search that plan read every opportunity of
    the category: 14 to 50 ms, against 2 to 5 ms planned for the words. A search whose shape fixes
    its plan whatever it looks for (a walk of an index with a limit) may be prepared."""
    connection = db.session.connection()
    if plan is Plan.PREPARED or connection.dialect.name != "postgresql":
        return _named(connection.execute(statement, params), row_class)
    driver = connection.connection.dbapi_connection
    threshold, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        return _named(connection.execute(statement, params), row_class)
    finally:
        driver.prepare_threshold = threshold


def _named(result: sa.CursorResult, row_class: type[tuple] | None) -> list[tuple]:
    # Named tuples, not SQLAlchemy's rows: a row's column read by name costs 36 ns against 375,
    # and a list's template reads ten or more a row (the officers' queue 1.97 -> 1.89 ms a GET,
    # the opportunities' search 1.98 -> 1.86).
    make = (row_class or _row_class(tuple(result.keys())))._make
    return list(map(make, result.all()))


@functools.lru_cache(maxsize=512)
def _row_class(columns: tuple[str, ...]) -> type[tuple]:
    return collections.namedtuple("PlainRow", columns, rename=True)


# The statements built_once has built and keeps (see is_built_once).
_built: weakref.WeakSet = weakref.WeakSet()


def built_once(builder: Callable[..., _Statement]) -> Callable[..., _Statement]:
    """A statement builder whose statements are built once per process (for each set of its
    arguments, the most recent 256 kept) and reused, their values passed as bound parameters
    (`sa.bindparam`) when they run. SQLAlchemy builds a select and works out its cache key in
    Python on every run, a tenth of a millisecond or more a statement; a reused statement keeps
    its key. Only for a statement whose page the harness shows needs it: say how much beside it."""

    @functools.lru_cache(maxsize=256)
    @functools.wraps(builder)
    def build(*args: object, **kwargs: object) -> _Statement:
        statement = builder(*args, **kwargs)
        _built.add(statement)
        return statement

    return build


def is_built_once(statement: sa.Executable) -> bool:
    """Whether `statement` came from a built_once builder (so what is built on it may be, too)."""
    return statement in _built


def column_types(
    columns: Iterable[sa.ColumnElement], *, strict: bool = False
) -> dict[str, sa.types.TypeEngine]:
    """Each column's type by its key, the first of a key winning, in order: every column of a
    UNION ALL of selects of different columns (see padded). `strict`: a key's columns must agree
    on their kind (and enum), since the first one's type reads every row's values."""
    types: dict[str, sa.types.TypeEngine] = {}
    for column in columns:
        first = types.setdefault(column.key, column.type)
        if strict and _kind(first) != _kind(column.type):
            raise ValueError(f"the lists' {column.key!r} columns differ: {first!r} and {column.type!r}")
    return types


def _kind(column_type: sa.types.TypeEngine) -> tuple[type, object]:
    return type(column_type), getattr(column_type, "enum_class", None)


def padded(
    own: Mapping[str, sa.ColumnElement], types: dict[str, sa.types.TypeEngine]
) -> list[sa.ColumnElement]:
    """One select's columns in a UNION ALL of selects of different columns: for each key of
    `types`, its own column or NULL cast to the type, so that the selects agree on types
    (PostgreSQL refuses a text NULL beside a date) and the first one's types read every row's
    dates and enums."""
    return [own[key] if key in own else sa.cast(sa.null(), kind).label(key) for key, kind in types.items()]


def contains_pattern(text: str) -> str:
    """A LIKE pattern for `text` anywhere, in lower case, its own %, _ and \\ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def any_like(pattern: str, *columns: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """Whether any of `columns`, in lower case, matches `pattern` (from contains_pattern)."""
    return sa.or_(*(sa.func.lower(column).like(pattern, escape="\\") for column in columns))


# The largest row id either database stores in an INTEGER column (PostgreSQL's is 32-bit).
LARGEST_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """Every route's `<int:...>`: a number larger than any row id is no page (404), rather than
    a query the database refuses with an overflow (500)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, LARGEST_ID if max is None else max, signed)


class WriteInSafeRequestError(RuntimeError):
    """A GET, HEAD or OPTIONS request tried to write to the database."""


def is_write_context() -> bool:
    """Unsafe HTTP methods write; outside a request (CLI commands, the mail worker) assume a writer."""
    if has_request_context():
        return request.method not in SAFE_METHODS
    return True


def configure_sqlite(engine: Engine) -> None:
    """Install the connection and transaction hooks on a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Hand transaction control to SQLAlchemy's begin hook below (pysqlite's own is bypassed).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # WAL is a property of the file: set it once, when a file still has the default journal.
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in {"wal", "memory"}:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_write_context() else "BEGIN")


def postgresql_engine_options() -> dict:
    """The engine's settings: every transaction read-only unless begun otherwise, asked for in
    the connection's start-up message (no round trip); connections renewed every half hour."""
    return {"connect_args": {"options": "-c default_transaction_read_only=on"}, "pool_recycle": 1800}


# A connection used within this many seconds is taken to be alive: a server restarted meanwhile
# costs the requests on the pool's connections one failed statement each, after which SQLAlchemy
# renews the whole pool. Idle longer (a quiet portal's every request), it is pinged first.
PING_AFTER_IDLE_SECONDS = 10.0


def configure_postgresql(engine: Engine) -> None:
    """Safe requests in autocommit, writes in a READ WRITE transaction; a ping after idling."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        writing = is_write_context()
        dbapi_connection.autocommit = not writing
        dbapi_connection.read_only = False if writing else None  # BEGIN READ WRITE

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record: ConnectionPoolEntry, _proxy) -> None:
        ping_if_idle(engine, dbapi_connection, record)


def ping_if_idle(engine: Engine, dbapi_connection, record: ConnectionPoolEntry) -> None:
    """Ping a connection idle longer than PING_AFTER_IDLE_SECONDS (a new one has not been).
    :raise DisconnectionError: it is dead; the pool then connects afresh."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.autocommit = True  # the ping alone, not a BEGIN before it
        engine.dialect.do_ping(dbapi_connection)
    except engine.dialect.loaded_dbapi.Error as error:
        raise exc.DisconnectionError() from error


def refuse_writes_in_safe_requests(session: Session, _context, _instances) -> None:
    """Session `before_flush` hook: GET must never change data (crawlers and prefetch follow links)."""
    changed = session.new or session.dirty or session.deleted
    if changed and has_request_context() and request.method in SAFE_METHODS:
        raise WriteInSafeRequestError(f"{request.method} {request.path} tried to write")


def init_database(app: Flask) -> None:
    """Attach the engine hooks for the app's database."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)
        elif engine.dialect.name == "postgresql":
            configure_postgresql(engine)
    if not event.contains(Session, "before_flush", refuse_writes_in_safe_requests):
        event.listen(Session, "before_flush", refuse_writes_in_safe_requests)
