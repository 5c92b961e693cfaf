from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.accounts.models import Role
from portal.append_only import AppendOnlyError
from portal.audit import AuditRecord, record
from portal.extensions import db

ADMIN = SimpleNamespace(id=1, role=Role.ADMIN)


def add_record() -> AuditRecord:
    return record(
        "officer.invited", SimpleNamespace(__tablename__="users", id=7), actor=ADMIN, role="officer"
    )


def test_a_record_is_written_with_its_decision(app, transaction):
    with app.app_context():
        entry = add_record()
        db.session.commit()
        stored = db.session.get(AuditRecord, entry.id)
        assert (stored.action, stored.record_type, stored.record_id) == ("officer.invited", "users", "7")
        assert (stored.actor_id, stored.actor_kind) == (1, "admin")  # the actor's kind is its role
        assert stored.details == {"role": "officer"}
        assert stored.occurred_at.tzinfo is not None


def test_the_audit_helper_writes_nothing_when_the_transaction_rolls_back(app, transaction):
    with app.app_context():
        add_record()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord)) == 0


@pytest.mark.parametrize("key", ["password", "reset_token", "new_password_hash", "client_secret"])
def test_details_that_look_like_secrets_are_refused(app, transaction, key):
    with app.app_context(), pytest.raises(ValueError, match="secrets"):
        record("x", SimpleNamespace(__tablename__="users", id=1), actor=None, **{key: "hunter2"})


def test_a_change_no_person_made_is_the_systems_or_the_commands(app, transaction):
    about = SimpleNamespace(__tablename__="postcode_imports", id=3)
    with app.app_context():
        assert record("postcodes.imported", about, actor=None).actor_kind == "system"
        assert record("postcodes.imported", about, actor=None, source="cli").actor_kind == "cli"


def test_the_orm_refuses_to_change_or_delete_a_record(app, transaction):
    with app.app_context():
        entry = add_record()
        db.session.commit()
        entry.action = "something else"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditRecord, entry.id))
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AppendOnlyError):
            db.session.execute(sa.update(AuditRecord).values(action="rewritten"))
        with pytest.raises(AppendOnlyError):
            db.session.execute(sa.delete(AuditRecord))


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_records SET action = 'rewritten'", "DELETE FROM audit_records"],
)
def test_the_database_refuses_to_change_or_delete_a_record(app, transaction, statement):
    with app.app_context():
        add_record()
        db.session.commit()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert db.session.scalar(sa.text("SELECT action FROM audit_records")) == "officer.invited"


def test_postgresql_refuses_to_truncate_the_log(app, transaction, database_kind):
    if database_kind != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with app.app_context():
        add_record()
        db.session.commit()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("TRUNCATE audit_records"))
        db.session.rollback()
