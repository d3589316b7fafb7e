"""Notices of committed changes go through the reminder outbox (issue 14): a row may be HTML
(``parse_mode``), and its text may hold up to 16 000 characters of markup (Telegram counts 4096 after
entities parsing: an escaped ``&lt;`` counts one).

Revision ID: 0100
Revises: 0020
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0100"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_outbox") as batch_op:
        batch_op.add_column(sa.Column("parse_mode", sa.String(length=8), nullable=True))
        batch_op.alter_column("text", existing_type=sa.String(length=4000), type_=sa.String(length=16000),
                              existing_nullable=False)


def downgrade() -> None:
    # notices not yet sent would not fit the narrower column: they are dropped with their parse mode
    op.execute(sa.text("DELETE FROM reminder_outbox WHERE parse_mode IS NOT NULL AND status IN ('pending', 'sending')"))
    op.execute(sa.text("UPDATE reminder_outbox SET text = substr(text, 1, 4000) WHERE length(text) > 4000"))
    with op.batch_alter_table("reminder_outbox") as batch_op:
        batch_op.alter_column("text", existing_type=sa.String(length=16000), type_=sa.String(length=4000),
                              existing_nullable=False)
        batch_op.drop_column("parse_mode")
