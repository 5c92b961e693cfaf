"""Need answers by organisation

An organisation's answers to community needs, newest first, are read by its home page: an index
on (organisation_id, id) serves that read and its count.

Revision ID: 3d1f6a9c2b7e
Revises: 6b7ee30c2c32
Create Date: 2026-12-07 18:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3d1f6a9c2b7e"
down_revision = "6b7ee30c2c32"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_need_responses_organisation", "need_responses", ["organisation_id", "id"])


def downgrade():
    op.drop_index("ix_need_responses_organisation", table_name="need_responses")
