"""The officers' queue reads a partial index of the offers awaiting them, in queue order, instead
of an index of every offer's time in the queue (which the unfiltered queue stepped through, past
every draft and decided offer)

Revision ID: ec4da3ab4f11
Revises: eb49b760ff31
Create Date: 2026-11-27 14:10:04.613504

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ec4da3ab4f11"
down_revision = "eb49b760ff31"
branch_labels = None
depends_on = None

# As portal.social_value.models.AWAITING_SQL says it today.
AWAITING = sa.text("state IN ('resubmitted', 'submitted', 'under_review')")


def upgrade():
    op.drop_index("ix_social_value_offers_queued", table_name="social_value_offers")
    op.create_index(
        "ix_social_value_offers_awaiting",
        "social_value_offers",
        ["queued_at", "id"],
        sqlite_where=AWAITING,
        postgresql_where=AWAITING,
    )


def downgrade():
    op.drop_index("ix_social_value_offers_awaiting", table_name="social_value_offers")
    op.create_index("ix_social_value_offers_queued", "social_value_offers", ["queued_at", "id"])
