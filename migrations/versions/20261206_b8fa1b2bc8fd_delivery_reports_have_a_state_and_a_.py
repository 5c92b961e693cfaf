"""Delivery reports have a state and a revision

A report is submitted, then verified by an officer (portal.social_value.workflow's REPORTS table,
through portal.workflow.transition). Reports already verified are backfilled from `verified_at`;
a check constraint keeps the two in step, and the revision makes a second officer's concurrent
verification fail rather than count the delivery twice.

Revision ID: b8fa1b2bc8fd
Revises: f002bb5b1248
Create Date: 2026-12-06 22:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8fa1b2bc8fd"
down_revision = "f002bb5b1248"
branch_labels = None
depends_on = None

STATE = sa.Enum(
    "submitted", "verified", name="report_state", native_enum=False, create_constraint=True, length=20
)


def upgrade():
    with op.batch_alter_table("social_value_delivery_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", STATE, server_default="submitted", nullable=False))
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    op.execute("UPDATE social_value_delivery_reports SET state = 'verified' WHERE verified_at IS NOT NULL")
    with op.batch_alter_table("social_value_delivery_reports", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "verified_when_verified_at", "(state = 'verified') = (verified_at IS NOT NULL)"
        )


def downgrade():
    with op.batch_alter_table("social_value_delivery_reports", schema=None) as batch_op:
        batch_op.drop_constraint("verified_when_verified_at", type_="check")
        batch_op.drop_constraint("report_state", type_="check")  # the enum's own
        batch_op.drop_column("revision")
        batch_op.drop_column("state")
