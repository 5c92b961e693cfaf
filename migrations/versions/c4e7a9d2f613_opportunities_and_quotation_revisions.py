"""Opportunities and quotation exercises have a revision

Both now move through portal.workflow.transition (publish and close; complete), which checks the
revision the officer's page was read at, and SQLAlchemy bumps it on every UPDATE so that of two
officers making a move at once, one wins.

Revision ID: c4e7a9d2f613
Revises: b8fa1b2bc8fd
Create Date: 2026-12-07 01:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e7a9d2f613"
down_revision = "b8fa1b2bc8fd"
branch_labels = None
depends_on = None

TABLES = ("opportunities", "quotation_exercises")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("revision")
