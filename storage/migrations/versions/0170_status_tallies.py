"""The status's tallies (issue 19 item 1): ``status_tally``, counters of hazards by what ``/status`` asks of them
per scope (the district, each unit), and ``hazard_tally``, what each hazard contributes to them now — kept in the
transaction of every write by ``storage.tally``. Filled from the ledger (``storage.tally.rebuild``: the hazards,
their live 核查 inspections and office verifications); downgrade drops both.

Revision ID: 0170
Revises: 0165
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0170"
down_revision = "0165"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_tally",
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("grain", sa.String(1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("a", sa.String(64), nullable=False),
        sa.Column("b", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope_id", "kind", "grain", "day", "a", "b"),
    )
    op.create_index("ix_status_tally_kind", "status_tally", ["kind", "grain", "day", "scope_id", "a", "b", "n"])
    op.create_table(
        "hazard_tally",
        sa.Column("hazard_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.String(256), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("township", sa.String(64), nullable=False),
    )
    from storage.tally import rebuild  # the one rule of what each hazard contributes

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("hazard_tally")
    op.drop_index("ix_status_tally_kind", table_name="status_tally")
    op.drop_table("status_tally")
