"""Staff sign in with an authenticator app, and recovery codes

An account may have an authenticator app (TOTP, RFC 6238): its shared secret, when it was added,
and the time step of the last code accepted, so that no code is accepted twice. Ten single-use
recovery codes stand in for a lost app; each is found by its first characters and checked
against its argon2 hash. Staff must add an app before they can use the portal; suppliers may.

Revision ID: 706371905ec6
Revises: c4e7a9d2f613
Create Date: 2026-12-07 12:25:07

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "706371905ec6"
down_revision = "c4e7a9d2f613"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("user_id", "lookup", name="uq_recovery_codes_user_lookup"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_added_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_added_at")
        batch_op.drop_column("totp_secret")
    op.drop_table("recovery_codes")
