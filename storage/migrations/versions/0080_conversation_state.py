"""Conversation state (aiogram FSM) in the database when Redis is not configured.

Revision ID: 0080
Revises: 0001
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = "0080"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("conversation_state")
