"""Tip-offs from the public: tip-offs, additions, photos, blocked senders, daily counts.

Revision ID: 0040
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = "0040"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tipoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("reporter_user_id", sa.Integer(), nullable=False),
        sa.Column("reporter_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_locale", sa.String(length=8), nullable=False),
        sa.Column("contact", sa.String(length=128), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("township_code", sa.String(length=16), nullable=False),
        sa.Column("township", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=512), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reporter_user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
        sa.ForeignKeyConstraint(["merged_into_id"], ["tipoff.id"]),
        sa.ForeignKeyConstraint(["verified_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["draft_id"], ["draft.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tipoff", schema=None) as batch_op:
        batch_op.create_index("ix_tipoff_number", ["number"], unique=True)
        batch_op.create_index("ix_tipoff_reporter_user_id", ["reporter_user_id"], unique=False)
        batch_op.create_index("ix_tipoff_township_code", ["township_code"], unique=False)
        batch_op.create_index("ix_tipoff_status", ["status"], unique=False)
        batch_op.create_index("ix_tipoff_hazard_id", ["hazard_id"], unique=False)
        batch_op.create_index("ix_tipoff_merged_into_id", ["merged_into_id"], unique=False)
        batch_op.create_index("ix_tipoff_township_status", ["township_code", "status"], unique=False)

    op.create_table(
        "tipoff_addition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipoff_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tipoff_id"], ["tipoff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tipoff_addition", schema=None) as batch_op:
        batch_op.create_index("ix_tipoff_addition_tipoff_id", ["tipoff_id"], unique=False)

    op.create_table(
        "tipoff_photo",
        sa.Column("tipoff_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("addition_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["tipoff_id"], ["tipoff.id"]),
        sa.ForeignKeyConstraint(["photo_id"], ["photo.id"]),
        sa.ForeignKeyConstraint(["addition_id"], ["tipoff_addition.id"]),
        sa.PrimaryKeyConstraint("tipoff_id", "photo_id"),
    )
    op.create_table(
        "tipoff_block",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("blocked_by", sa.Integer(), nullable=True),
        sa.Column("tipoff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["blocked_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["tipoff_id"], ["tipoff.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "tipoff_daily_count",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("tipoff_daily_count")
    op.drop_table("tipoff_block")
    op.drop_table("tipoff_photo")
    with op.batch_alter_table("tipoff_addition", schema=None) as batch_op:
        batch_op.drop_index("ix_tipoff_addition_tipoff_id")
    op.drop_table("tipoff_addition")
    with op.batch_alter_table("tipoff", schema=None) as batch_op:
        for name in ("ix_tipoff_township_status", "ix_tipoff_merged_into_id", "ix_tipoff_hazard_id", "ix_tipoff_status",
                     "ix_tipoff_township_code", "ix_tipoff_reporter_user_id", "ix_tipoff_number"):
            batch_op.drop_index(name)
    op.drop_table("tipoff")
