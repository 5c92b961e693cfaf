"""The directory's keyword search reads trigram indexes on PostgreSQL

`lower(name) LIKE '%word%'` (and the same of what an entry brokers) read every entry; a GIN index
of each column's trigrams (pg_trgm, a trusted extension since PostgreSQL 13: the database's owner
may create it) finds the entries that can match instead. SQLite keeps its scan.

Revision ID: 5e2b8c41d7a9
Revises: 3d1f6a9c2b7e
Create Date: 2026-12-08 00:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5e2b8c41d7a9"
down_revision = "3d1f6a9c2b7e"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_directory_entries_name_trigrams ON directory_entries "
        "USING gin (lower(name) gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX ix_directory_entries_brokers_trigrams ON directory_entries "
        "USING gin (lower(brokers) gin_trgm_ops)"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_directory_entries_brokers_trigrams")
    op.execute("DROP INDEX ix_directory_entries_name_trigrams")
