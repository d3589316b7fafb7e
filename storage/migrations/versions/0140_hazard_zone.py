"""Scopes as the plan draws them (issue 16 items 3, 4): a hazard names the functional zone (功能区管委会) it lies in
(``hazard.zone_id``, set at entry and import from the committee that recorded it, kept on a transfer), and the
industry columns a department's scope reads (所属区行业部门 / 所属市行业部门) are indexed.

Revision ID: 0140
Revises: 0120
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0140"
down_revision = "0120"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hazard") as batch_op:
        batch_op.add_column(sa.Column("zone_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_hazard_zone_id", "unit", ["zone_id"], ["id"])
        batch_op.create_index("ix_hazard_zone_id", ["zone_id"])
        batch_op.create_index("ix_hazard_district_department", ["district_department"])
        batch_op.create_index("ix_hazard_city_department", ["city_department"])
    # hazards already recorded by a zone committee lie in its zone
    op.execute(
        "UPDATE hazard SET zone_id = unit_id WHERE unit_id IN (SELECT id FROM unit WHERE kind = '功能区管委会')"
    )


def downgrade() -> None:
    with op.batch_alter_table("hazard") as batch_op:
        batch_op.drop_index("ix_hazard_city_department")
        batch_op.drop_index("ix_hazard_district_department")
        batch_op.drop_index("ix_hazard_zone_id")
        batch_op.drop_constraint("fk_hazard_zone_id", type_="foreignkey")
        batch_op.drop_column("zone_id")
