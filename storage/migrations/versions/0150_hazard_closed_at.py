"""Status in one covering pass (issue 19 item 1): ``hazard.closed_at``, the instant of the closure (销账) that
closed the hazard, written by the life cycle in the transaction of the closure event, so that the status
reads the year's closures from the hazard (one covering index) instead of joining the event log.

Backfill from the event log: for every hazard closed now, the latest event whose ``to_state`` is ``closed``
(a hazard that is not closed now keeps it empty). The summary index gains the column, and the year's live
inspections get partial indexes (``voided_at IS NULL``) so that their counts read no table rows.

Revision ID: 0150
Revises: 0120 (and needs 0030: ix_hazard_summary)
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0150"
down_revision = "0120"
branch_labels = None
depends_on = ("0030",)  # ix_hazard_summary

_OLD = ["unit_id", "state", "level", "deadline", "registered_at", "created_at", "id"]
_NEW = ["unit_id", "state", "level", "deadline", "registered_at", "created_at", "closed_at", "id"]


def upgrade() -> None:
    with op.batch_alter_table("hazard") as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE hazard SET closed_at = (SELECT max(e.at) FROM hazard_event e "
        "WHERE e.hazard_id = hazard.id AND e.to_state = 'closed') WHERE state = 'closed'"
    )
    op.drop_index("ix_hazard_summary", table_name="hazard")
    op.create_index("ix_hazard_summary", "hazard", _NEW)
    # the year's live inspections (voided ones are out of the counts since 0120) read from the index alone
    live = sa.text("voided_at IS NULL")
    # (voided_at is a column too: SQLite reads a partial index as covering only for the columns it holds)
    op.create_index("ix_inspection_live_unit_on", "inspection", ["unit_id", "inspected_on", "voided_at"],
                    postgresql_where=live, sqlite_where=live)
    op.create_index("ix_inspection_live_type_on", "inspection", ["inspection_type", "inspected_on", "id", "voided_at"],
                    postgresql_where=live, sqlite_where=live)


def downgrade() -> None:
    op.drop_index("ix_inspection_live_type_on", table_name="inspection")
    op.drop_index("ix_inspection_live_unit_on", table_name="inspection")
    op.drop_index("ix_hazard_summary", table_name="hazard")
    op.create_index("ix_hazard_summary", "hazard", _OLD)
    with op.batch_alter_table("hazard") as batch_op:
        batch_op.drop_column("closed_at")
