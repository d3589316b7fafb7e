"""The office role is held at 区安委会办公室 only (``bot.domain.role_fits_unit``): memberships and unused
invite codes for it at any other unit, which earlier versions allowed, are removed. They acted for the
whole district in a township's name; since this rule they count for nothing anyway.

Revision ID: 0090
Revises: 0001
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = "0090"
down_revision = "0001"
branch_labels = None
depends_on = None

OFFICE_UNIT_CODE = "dept-01"  # bot.domain.DISTRICT_OFFICE_CODE, as of this revision


def upgrade() -> None:
    elsewhere = sa.text("SELECT id FROM unit WHERE code <> :office")
    op.execute(
        sa.text(f"DELETE FROM membership WHERE role = 'office' AND unit_id IN ({elsewhere.text})")
        .bindparams(office=OFFICE_UNIT_CODE)
    )
    op.execute(
        sa.text(f"DELETE FROM invite_code WHERE role = 'office' AND used_by IS NULL AND unit_id IN ({elsewhere.text})")
        .bindparams(office=OFFICE_UNIT_CODE)
    )


def downgrade() -> None:
    """Nothing to restore: the rows removed granted nothing."""
