"""The opportunities' search reads a stored tsvector on PostgreSQL

A generated column keeps each opportunity's search document, with a GIN index of it in place of
the index of the expression. The list's search then tests a row's stored document as it walks
the closing-date index (portal.opportunities.queries), instead of computing it per row. SQLite's
FTS5 table is unchanged.

Revision ID: a3c1f0d2b7e4
Revises: fb5fadceaf2c
Create Date: 2026-11-28 00:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a3c1f0d2b7e4"
down_revision = "fb5fadceaf2c"
branch_labels = None
depends_on = None

DOCUMENT = "to_tsvector('english', title || ' ' || reference || ' ' || summary)"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE opportunities ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED")
    op.execute("CREATE INDEX ix_opportunities_search_vector ON opportunities USING gin (search_vector)")
    op.execute("DROP INDEX ix_opportunities_search")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_opportunities_search ON opportunities USING gin ({DOCUMENT})")
    op.execute("DROP INDEX ix_opportunities_search_vector")
    op.execute("ALTER TABLE opportunities DROP COLUMN search_vector")
