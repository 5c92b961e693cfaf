"""A council area left unanswered is remembered

Where a premises' postcode cannot tell whether it is in the force area, the supplier is asked
which council area it is in. `needs_council_area` marks a premises asked and not yet answered, so
its profile step is not finished and its local status stays unknown; "none of these" is now
stored as `declared_authority = 'outside'` rather than as no answer.

Rows written before this kept both "none of these" and "not answered" as NULL, which cannot be
told apart here: they start unmarked, and are worked out again when an address changes.

Revision ID: f002bb5b1248
Revises: a3c1f0d2b7e4
Create Date: 2026-12-06 21:39:24

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f002bb5b1248"
down_revision = "a3c1f0d2b7e4"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("organisations", "organisation_sites"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("needs_council_area", sa.Boolean(), server_default=sa.false(), nullable=False)
            )


def downgrade():
    op.execute("UPDATE organisations SET declared_authority = NULL WHERE declared_authority = 'outside'")
    op.execute("UPDATE organisation_sites SET declared_authority = NULL WHERE declared_authority = 'outside'")
    for table in ("organisation_sites", "organisations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("needs_council_area")
