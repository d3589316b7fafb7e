"""Reminders: contacts registry (附件4), reminder outbox, blocked recipients, work submissions.

Revision ID: 0020
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("office_phone", sa.String(length=32), nullable=True),
        sa.Column("mobile", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "role", "mobile"),
    )
    with op.batch_alter_table("contact") as batch_op:
        batch_op.create_index("ix_contact_unit_id", ["unit_id"])
        batch_op.create_index("ix_contact_mobile", ["mobile"])
        batch_op.create_index("ix_contact_user_id", ["user_id"])

    op.create_table(
        "reminder_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=48), nullable=False),
        sa.Column("period", sa.String(length=48), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("button_text", sa.String(length=64), nullable=True),
        sa.Column("callback_data", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("claim_token", sa.String(length=36), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recipient_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule", "subject", "period", "recipient_id", name="uq_reminder_outbox_key"),
    )
    with op.batch_alter_table("reminder_outbox") as batch_op:
        batch_op.create_index("ix_reminder_outbox_recipient_id", ["recipient_id"])
        batch_op.create_index("ix_reminder_outbox_status_not_before", ["status", "not_before"])

    op.create_table(
        "blocked_recipient",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )

    op.create_table(
        "work_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=8000), nullable=False),
        sa.Column("photo_file_ids", sa.JSON(), nullable=False),
        sa.Column("document_file_id", sa.String(length=256), nullable=True),
        sa.Column("document_name", sa.String(length=256), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["submitted_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_submission") as batch_op:
        batch_op.create_index("ix_work_submission_unit_kind_period", ["unit_id", "kind", "period"])


def downgrade() -> None:
    op.drop_table("work_submission")
    op.drop_table("blocked_recipient")
    op.drop_table("reminder_outbox")
    op.drop_table("contact")
