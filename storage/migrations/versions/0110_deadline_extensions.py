"""Deadlines under control and supervision with substance (issue 15): extension requests of a registered
hazard's deadline (one pending per hazard), and a supervision's requirement, deadline and responsible person.

Revision ID: 0110
Revises: 0100 (and needs 0010: the supervision table)
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0110"
down_revision = "0100"
branch_labels = None
depends_on = ("0010",)  # the supervision table


def upgrade() -> None:
    op.create_table(
        "deadline_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("old_deadline", sa.Date(), nullable=True),
        sa.Column("new_deadline", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deadline_extension") as batch_op:
        batch_op.create_index("ix_deadline_extension_hazard_id", ["hazard_id"], unique=False)
    # one pending request per hazard, enforced by the database whichever instance takes the request
    op.create_index("uq_deadline_extension_pending", "deadline_extension", ["hazard_id"], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    with op.batch_alter_table("supervision") as batch_op:
        batch_op.add_column(sa.Column("requirement", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("deadline", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("responsible", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("supervision") as batch_op:
        batch_op.drop_column("responsible")
        batch_op.drop_column("deadline")
        batch_op.drop_column("requirement")
    op.drop_index("uq_deadline_extension_pending", table_name="deadline_extension")
    with op.batch_alter_table("deadline_extension") as batch_op:
        batch_op.drop_index("ix_deadline_extension_hazard_id")
    op.drop_table("deadline_extension")
