"""Annual inspection plans (附件3) and the indexes the status summary and rankings read through.

Revision ID: 0030
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspection_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('inspection_target', sa.Integer(), nullable=False),
    sa.Column('verification_ratio', sa.BigInteger(), nullable=False),
    sa.Column('remarks', sa.String(length=2000), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'year', name='uq_inspection_plan_unit_year')
    )
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.create_index('ix_inspection_plan_unit_id', ['unit_id'], unique=False)
        batch_op.create_index('ix_inspection_plan_year', ['year'], unique=False)

    op.create_table('plan_arrangement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('schedule', sa.String(length=256), nullable=False),
    sa.Column('participants', sa.String(length=512), nullable=False),
    sa.Column('areas', sa.String(length=1000), nullable=False),
    sa.Column('key_content', sa.String(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_arrangement', schema=None) as batch_op:
        batch_op.create_index('ix_plan_arrangement_plan_id', ['plan_id'], unique=False)

    # Summary queries (bot.services.summary): closures in a year, inspections per unit and year,
    # verifications (核查) in a year, last ledger activity per unit. Plain indexes, no core columns.
    op.create_index('ix_hazard_event_closure', 'hazard_event', ['to_state', 'at', 'hazard_id'])
    op.create_index('ix_inspection_on_unit', 'inspection', ['inspected_on', 'unit_id'])
    op.create_index('ix_inspection_unit_on', 'inspection', ['unit_id', 'inspected_on'])
    op.create_index('ix_inspection_type_on', 'inspection', ['inspection_type', 'inspected_on', 'id'])
    op.create_index('ix_inspection_unit_created', 'inspection', ['unit_id', 'created_at'])
    op.create_index('ix_hazard_unit_updated', 'hazard', ['unit_id', 'updated_at'])
    op.create_index('ix_hazard_summary', 'hazard',
                    ['unit_id', 'state', 'level', 'deadline', 'registered_at', 'created_at', 'id'])
    op.create_index('ix_hazard_state_category', 'hazard', ['state', 'category'])
    op.create_index('ix_hazard_state_township', 'hazard', ['state', 'township'])


def downgrade() -> None:
    op.drop_index('ix_hazard_state_township', table_name='hazard')
    op.drop_index('ix_hazard_state_category', table_name='hazard')
    op.drop_index('ix_hazard_summary', table_name='hazard')
    op.drop_index('ix_hazard_unit_updated', table_name='hazard')
    op.drop_index('ix_inspection_unit_created', table_name='inspection')
    op.drop_index('ix_inspection_type_on', table_name='inspection')
    op.drop_index('ix_inspection_unit_on', table_name='inspection')
    op.drop_index('ix_inspection_on_unit', table_name='inspection')
    op.drop_index('ix_hazard_event_closure', table_name='hazard_event')
    with op.batch_alter_table('plan_arrangement', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_arrangement_plan_id')
    op.drop_table('plan_arrangement')
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_plan_year')
        batch_op.drop_index('ix_inspection_plan_unit_id')
    op.drop_table('inspection_plan')
