"""Corrections with a trail (issue 15 item 2): an inspection entered in error can be voided (it leaves the
附件1 ledger and the counts, never the history), and every change to an inspection is a row of its own log
(``inspection_event``: who, when, what, why, old → new). An inspection written by a life cycle check (复查,
核查, 回头看) names the hazard event it records (``source_event_id``), so the check writes it once.

Revision ID: 0120
Revises: 0100
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0120"
down_revision = "0110"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspection") as batch_op:
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("voided_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("source_event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_inspection_voided_by", "app_user", ["voided_by"], ["id"])
        batch_op.create_foreign_key("fk_inspection_source_event", "hazard_event", ["source_event_id"], ["id"])
        batch_op.create_index("ix_inspection_source_event_id", ["source_event_id"], unique=True)
    op.create_table(
        "inspection_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inspection_id", sa.Integer(), sa.ForeignKey("inspection.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=4000), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_inspection_event_inspection_id", "inspection_event", ["inspection_id"])


def downgrade() -> None:
    op.drop_index("ix_inspection_event_inspection_id", table_name="inspection_event")
    op.drop_table("inspection_event")
    with op.batch_alter_table("inspection") as batch_op:
        batch_op.drop_index("ix_inspection_source_event_id")
        batch_op.drop_constraint("fk_inspection_source_event", type_="foreignkey")
        batch_op.drop_constraint("fk_inspection_voided_by", type_="foreignkey")
        batch_op.drop_column("source_event_id")
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_by")
        batch_op.drop_column("voided_at")
