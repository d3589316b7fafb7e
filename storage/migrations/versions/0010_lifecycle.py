"""Life cycle tables: rectification plans and reports, re-inspections, verification samples and checks,
supervisions, lookback checks and lookback links (issue 3).

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('verification_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('ratio_percent', sa.BigInteger(), nullable=False),
    sa.Column('closed_count', sa.Integer(), nullable=False),
    sa.Column('drawn_by', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'period_start', 'period_end')
    )
    with op.batch_alter_table('verification_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_sample_unit_id'), ['unit_id'], unique=False)

    op.create_table('hazard_link',
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('new_hazard_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('linked_by', sa.Integer(), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['linked_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['new_hazard_id'], ['hazard.id'], ),
    sa.PrimaryKeyConstraint('hazard_id', 'new_hazard_id')
    )
    with op.batch_alter_table('hazard_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_link_new_hazard_id'), ['new_hazard_id'], unique=False)

    op.create_table('lookback_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('rebound', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('inspected_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['inspected_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lookback_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lookback_check_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lookback_check_year'), ['year'], unique=False)

    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('responsibility', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
    sa.Column('measures', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('funds', sa.BigInteger(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('contingency_plan', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('document_file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('document_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('reported_by', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['reported_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_hazard_id'), ['hazard_id'], unique=False)

    op.create_table('rectification_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('responsibility', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
    sa.Column('measures', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('funds', sa.BigInteger(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('contingency_plan', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_plan_hazard_id'), ['hazard_id'], unique=True)

    op.create_table('supervision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['started_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_hazard_id'), ['hazard_id'], unique=False)

    op.create_table('verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('checked_by', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['checked_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['sample_id'], ['verification_sample.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sample_id', 'hazard_id')
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_sample_id'), ['sample_id'], unique=False)

    op.create_table('reinspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('rectification_id', sa.Integer(), nullable=True),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('new_deadline', sa.Date(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('inspected_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['inspected_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['rectification_id'], ['rectification.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reinspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reinspection_hazard_id'), ['hazard_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reinspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reinspection_hazard_id'))

    op.drop_table('reinspection')
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_sample_id'))
        batch_op.drop_index(batch_op.f('ix_verification_hazard_id'))

    op.drop_table('verification')
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_hazard_id'))

    op.drop_table('supervision')
    with op.batch_alter_table('rectification_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_plan_hazard_id'))

    op.drop_table('rectification_plan')
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_hazard_id'))

    op.drop_table('rectification')
    with op.batch_alter_table('lookback_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lookback_check_year'))
        batch_op.drop_index(batch_op.f('ix_lookback_check_hazard_id'))

    op.drop_table('lookback_check')
    with op.batch_alter_table('hazard_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_link_new_hazard_id'))

    op.drop_table('hazard_link')
    with op.batch_alter_table('verification_sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_sample_unit_id'))

    op.drop_table('verification_sample')
