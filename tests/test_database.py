import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal import database
from portal.accounts.access import public
from portal.database import Plan, WriteInSafeRequestError, built_once, is_built_once, plain_rows
from portal.extensions import db
from portal.pagination import _page_once, first_few, newest_first
from portal.reference.models import CpvDivision
from tests.conftest import drop_connections_to, post_form
from tests.factories import make_opportunity, make_supplier, sign_in


class ScratchBase(DeclarativeBase):
    """A table of the tests' own, outside the portal's metadata (so migrations never see it)."""


class Scratch(ScratchBase):
    __tablename__ = "scratch_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(50))


def test_sqlite_connections_enforce_foreign_keys_use_wal_and_wait_when_busy(fresh_app, database_kind):
    if database_kind != "sqlite":
        pytest.skip("SQLite settings")
    with fresh_app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_sqlite_writers_queue_instead_of_failing(fresh_app, database_kind):
    """Each thread reads then writes: with a deferred BEGIN two of them would deadlock on the
    lock upgrade and one fail with "database is locked"; BEGIN IMMEDIATE makes them queue."""
    if database_kind != "sqlite":
        pytest.skip("SQLite locking")
    with fresh_app.app_context():
        ScratchBase.metadata.create_all(db.engine)
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            with fresh_app.app_context():
                for i in range(20):
                    db.session.execute(sa.select(sa.func.count()).select_from(Scratch)).scalar()
                    db.session.add(Scratch(value=f"{n}-{i}"))
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with fresh_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Scratch)).scalar() == 80


def test_a_get_request_that_writes_is_refused(app_factory):
    app = app_factory()

    @app.get("/scratch/write")
    @public
    def write():
        db.session.add(Scratch(value="from a GET"))
        db.session.flush()
        return "written"

    with pytest.raises(WriteInSafeRequestError):
        app.test_client().get("/scratch/write")


@contextmanager
def round_trips(app) -> Iterator[list[str]]:
    """What the app's connections sent PostgreSQL, a line a round trip (the statements between two
    of the server's ReadyForQuery), from libpq's trace of the protocol."""
    trips: list[str] = []
    with tempfile.TemporaryFile() as trace, app.app_context():
        engine = db.engine

        def start(dbapi_connection, _record, _proxy) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

        def stop(dbapi_connection, _record) -> None:
            dbapi_connection.pgconn.untrace()

        sa.event.listen(engine, "checkout", start)
        sa.event.listen(engine, "checkin", stop)
        try:
            yield trips
        finally:
            # The connection goes back to the pool, so its trace is written out (libpq buffers
            # it until the trace stops).
            db.session.remove()
            sa.event.remove(engine, "checkout", start)
            sa.event.remove(engine, "checkin", stop)
        trace.seek(0)
        sent: list[str] = []
        for line in trace.read().decode().splitlines():
            if line.count("\t") < 2:
                continue  # a message's text that runs over a line break
            direction, _length, message, *rest = line.split("\t")
            if direction == "F" and message in {"Query", "Parse"}:
                sent.append(rest[0].strip().split('"')[-2 if message == "Query" else 3])
            elif direction == "B" and message == "ReadyForQuery":
                trips.append(" ".join(sent))
                sent = []


def test_a_signed_in_get_sends_postgresql_its_statements_and_nothing_else(fresh_app, database_kind):
    """No ping of a connection in use, no BEGIN and no COMMIT: the account's statement and the
    page's, a round trip each (one for a new organisation's home)."""
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's round trips")
    with fresh_app.app_context():
        email = make_supplier().email
        db.session.commit()
    client = fresh_app.test_client()
    sign_in(client, email)
    assert client.get("/account").status_code == 200
    with round_trips(fresh_app) as trips:
        assert client.get("/account").status_code == 200
    assert len(trips) == 2, trips
    assert all(trip.startswith("SELECT") for trip in trips), trips
    assert trips[0].startswith("SELECT users.id")


def test_a_write_is_one_read_write_transaction(fresh_app, database_kind):
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's transactions")
    client = fresh_app.test_client()
    assert client.get("/opportunities").status_code == 200
    with round_trips(fresh_app) as trips:
        response = post_form(client, "/feedback", {"trying": "Looking", "happened": "Nothing"})
    assert response.status_code == 302
    begins = [trip for trip in trips if trip.startswith("BEGIN")]
    assert begins == ["BEGIN READ WRITE"], trips
    assert trips[-1] == "COMMIT", trips


def test_a_connection_idle_a_while_is_pinged_and_replaced_when_dead(
    fresh_app, fresh_database, database_kind, monkeypatch
):
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's connections")
    client = fresh_app.test_client()
    assert client.get("/opportunities").status_code == 200
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection has idled
    drop_connections_to(sa.make_url(fresh_database).database)  # a restarted server
    assert client.get("/opportunities").status_code == 200


def test_a_connection_used_just_now_is_not_pinged_and_a_restart_costs_one_request(
    fresh_app, fresh_database, database_kind
):
    """The price of no ping on a busy connection: a server restarted between two requests fails
    the next one on that connection (the outage page), and SQLAlchemy renews the pool."""
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's connections")
    client = fresh_app.test_client()
    assert client.get("/opportunities").status_code == 200
    with round_trips(fresh_app) as trips:
        assert client.get("/opportunities").status_code == 200
    assert ";" not in trips
    drop_connections_to(sa.make_url(fresh_database).database)  # a restarted server
    assert client.get("/opportunities").status_code == 503
    assert client.get("/opportunities").status_code == 200


def prepared_statements(app) -> list[str]:
    """The statements prepared on the connection the app's requests used (its pool's only one:
    requests made one after another check out the same connection)."""
    with app.app_context():
        statements = db.session.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars()
        return list(statements)


def test_postgresql_keeps_statements_prepared_from_one_read_to_the_next(app_factory, database_kind):
    """psycopg forgets every prepared statement on a rollback: a GET ends with a commit, so a
    statement run on five requests is prepared and no longer parsed and planned each time."""
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    app = app_factory()
    client = app.test_client()
    for _ in range(6):
        assert client.get("/opportunities").status_code == 200
    assert any("FROM opportunities" in statement for statement in prepared_statements(app))


def test_a_keyword_search_is_planned_for_its_words_every_time(app_factory, fresh_database, database_kind):
    """A search's matches vary by thousands with its words: never a prepared statement, whose plan
    PostgreSQL may make once for any words. The opportunities' walk by closing date is the one
    search prepared, since its plan is the same whatever the words. The connection prepares
    other statements as before."""
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    # A walk of one row ends before the page is found, so the index of words is read too.
    app = app_factory(fresh_database, OPPORTUNITY_SEARCH_WALK=1)
    with app.app_context():
        make_opportunity(title="Station cleaning")
        make_opportunity(title="Office cleaning")
        db.session.commit()
    client = app.test_client()
    searches = [
        "/opportunities?q=cleaning",
        "/voluntary-sector/?q=network",
        "/voluntary-sector/needs?q=volunteers",
        "/opportunities",
    ]
    for _ in range(6):
        for path in searches:
            assert client.get(path).status_code == 200, path
        assert "Office cleaning" in client.get(searches[0]).get_data(as_text=True)
    statements = prepared_statements(app)
    walks = [statement for statement in statements if "row_number()" in statement]
    assert len(walks) == 1 and "plainto_tsquery" in walks[0]
    others = [statement for statement in statements if statement not in walks]
    assert any("FROM opportunities" in statement for statement in others)
    assert not any("plainto_tsquery" in statement or " LIKE " in statement for statement in others)
    with app.app_context():
        assert db.session.connection().connection.dbapi_connection.prepare_threshold == 5


def test_a_statement_planned_each_time_is_never_prepared_on_postgresql(app, database_kind):
    """plain_rows(..., plan=Plan.EACH_TIME), a search's plan, leaves the statement unprepared
    however often it runs; the same statement with the default plan is prepared after five runs
    (psycopg's threshold, which plain_rows puts back)."""
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    assert Plan.searching("cleaning") is Plan.EACH_TIME and Plan.searching("") is Plan.PREPARED

    def statement(name: str) -> sa.Select:
        return sa.select(sa.literal_column(f"'{name}'"), CpvDivision.division).where(
            CpvDivision.title.like("%a%")
        )

    with app.app_context():
        for _ in range(6):
            plain_rows(statement("searched"), plan=Plan.searching("cleaning"))
            plain_rows(statement("listed"), plan=Plan.searching(""))
        prepared = list(db.session.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars())
        assert db.session.connection().connection.dbapi_connection.prepare_threshold == 5
        db.session.rollback()
    assert any("'listed'" in text for text in prepared)
    assert not any("'searched'" in text for text in prepared)


def test_the_officers_queue_filtered_by_organisation_is_planned_for_its_name(app_factory, database_kind):
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    from portal.social_value import queries

    app = app_factory()
    with app.app_context():
        for _ in range(6):
            queries.queue(organisation="Acme")
            queries.queue(state="submitted")
        statements = db.session.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars()
        statements = list(statements)
        db.session.rollback()
    assert any("FROM social_value_offers" in statement for statement in statements)
    assert not any(" LIKE " in statement for statement in statements)


def test_a_safe_requests_transaction_is_read_only_on_postgresql(app_factory, database_kind, caplog):
    """A GET commits its transaction, so on PostgreSQL that transaction is begun read-only: a
    write the ORM's guard would not see is refused by the database."""
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's read-only transactions")
    app = app_factory(WTF_CSRF_ENABLED=False)

    @app.route("/scratch/touch", methods=["GET", "POST"])
    @public
    def touch():
        db.session.execute(sa.text("UPDATE cpv_divisions SET title = title WHERE false"))
        db.session.commit()
        return "touched"

    client = app.test_client()
    assert client.post("/scratch/touch").status_code == 200
    caplog.clear()
    assert client.get("/scratch/touch").status_code == 500
    assert "cannot execute UPDATE in a read-only transaction" in caplog.text


def _divisions_named(prefix: bool) -> sa.Select:
    query = sa.select(CpvDivision.division, CpvDivision.title)
    return query.where(CpvDivision.title.like(sa.bindparam("prefix"))) if prefix else query


def test_a_statement_built_once_is_reused_for_the_same_arguments_and_run_with_its_values(app):
    built = built_once(_divisions_named)
    assert built(True) is built(True)
    assert built(False) is not built(True)
    assert is_built_once(built(True))
    assert not is_built_once(_divisions_named(True))
    assert built.cache_info().maxsize == 256
    with app.test_request_context("/"):
        rows = plain_rows(built(True), {"prefix": "Agricultural%"})
        every = plain_rows(built(False))
    assert 0 < len(rows) < len(every)
    assert {row.division for row in rows} == {
        row.division for row in every if row.title.startswith("Agricultural")
    }


def test_plain_rows_are_named_tuples_read_by_name_or_position(app):
    statement = sa.select(CpvDivision.division, CpvDivision.title.label("name")).order_by(
        CpvDivision.division
    )
    with app.test_request_context("/"):
        rows = plain_rows(statement)
        again = plain_rows(statement)
    first = rows[0]
    assert isinstance(first, tuple) and not isinstance(first, sa.Row)
    assert (first.division, first.name) == tuple(first) == (first[0], first[1])
    assert first._asdict() == {"division": first.division, "name": first.name}
    assert type(again[0]) is type(first)  # one class per shape of row


def test_the_pages_of_a_statement_built_once_are_built_once_and_run_with_its_values(app):
    built = built_once(_divisions_named)
    with app.test_request_context("/?before=45"):
        page = newest_first(built(True), CpvDivision.division, 1, params={"prefix": "%"}, plain=True)
        again = _page_once.cache_info().hits
        newest_first(built(True), CpvDivision.division, 1, params={"prefix": "%"}, plain=True)
        assert _page_once.cache_info().hits == again + 1
    assert [row.division for row in page.items] == ["44"]


# --- several lists in one statement (first_few) ------------------------------------------------


def divisions_from(first: str) -> sa.Select:
    return sa.select(CpvDivision.division, CpvDivision.title).where(CpvDivision.division >= first)


def test_lists_read_together_keep_their_own_order_size_and_count(app):
    with app.app_context():
        every = db.session.execute(
            sa.select(CpvDivision.division, CpvDivision.title).order_by(CpvDivision.division)
        ).all()
        assert len(every) > 10  # the reference data's divisions
        middle = every[5].division
        read = first_few(
            {
                "newest": (divisions_from(middle), (CpvDivision.division.desc(),)),
                "oldest_two": (divisions_from("00"), (CpvDivision.division,), 2),
                "every": (divisions_from(middle), (CpvDivision.division,), None),
                "none": (divisions_from("99"), (CpvDivision.division,)),
            },
            {},
        )
        assert [row.division for row in read["newest"].items] == [row.division for row in every[:-4:-1]]
        assert [row.division for row in read["oldest_two"].items] == [row.division for row in every[:2]]
        assert [row.title for row in read["every"].items] == [row.title for row in every[5:]]
        assert [few.total for few in read.values()] == [len(every) - 5, len(every), len(every) - 5, 0]
        assert read["none"].items == []


def test_lists_whose_columns_of_one_name_differ_in_kind_are_refused(app):
    """The first list's column reads every list's values of that name: a date read as a number
    would be wrong without an error."""
    with app.app_context(), pytest.raises(ValueError, match="'id' columns differ"):
        first_few(
            {
                "one": (sa.select(CpvDivision.title.label("id")), ()),
                "two": (sa.select(sa.func.now().label("id")), ()),
            },
            {},
        )
