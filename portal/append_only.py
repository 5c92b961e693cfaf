"""Append-only tables: rows that are evidence (audit records, later Code of Ethics pledges) are
inserted and never updated or deleted, by any code path.

Enforced twice: the ORM refuses an UPDATE or DELETE of such a model (flush or bulk statement),
and database triggers refuse them from anywhere else, created by the table's migration with
`create_append_only_triggers`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session


class AppendOnlyError(RuntimeError):
    """Something tried to change or remove a row of an append-only table."""


APPEND_ONLY_TABLES: set[str] = set()


def append_only(model: type) -> type:
    """Class decorator: the model's rows can be added, never changed or deleted."""
    APPEND_ONLY_TABLES.add(model.__tablename__)

    def refuse(_mapper: Mapper, _connection, target) -> None:
        raise AppendOnlyError(f"{type(target).__name__} rows are append-only")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
    return model


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = state.statement.table
    if getattr(table, "name", None) in APPEND_ONLY_TABLES:
        raise AppendOnlyError(f"{table.name} rows are append-only")


def create_append_only_triggers(op, table: str) -> None:
    """For a migration: database triggers that refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in (_postgresql_triggers if postgres else _sqlite_triggers)(table):
        op.execute(sa.text(statement))


def _postgresql_triggers(table: str) -> list[str]:
    """One function that raises, run before each row's UPDATE or DELETE and before a TRUNCATE."""
    return [
        f"""
        CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} rows are append-only' USING ERRCODE = 'P0001';
        END;
        $$ LANGUAGE plpgsql
        """,
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
    ]


def _sqlite_triggers(table: str) -> list[str]:
    """A trigger for each of UPDATE and DELETE that aborts the statement (SQLite has no TRUNCATE)."""
    return [
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
        for verb in ("UPDATE", "DELETE")
    ]


def drop_append_only_triggers(op, table: str) -> None:
    """For a migration's downgrade, before the table is dropped."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}"))
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
        op.execute(sa.text(f"DROP FUNCTION IF EXISTS {table}_append_only()"))
        return
    for verb in ("update", "delete"):
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))
