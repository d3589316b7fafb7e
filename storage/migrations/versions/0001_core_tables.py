"""Core tables: units, users, memberships, invite codes, drafts, inspections, hazards, photos, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_telegram_id'), ['telegram_id'], unique=True)

    op.create_table('number_sequence',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )
    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('is_township', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_code'), ['code'], unique=True)

    op.create_table('draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('reviewing', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_user_id'), ['user_id'], unique=False)

    op.create_table('hazard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ledger_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('registered_at', sa.DateTime(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('township_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('township', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('site_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('person_in_charge', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity_nature', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('occupant_count', sa.Integer(), nullable=False),
    sa.Column('parent_group', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('district_department', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('city_department', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subtype', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('illegal_building_nature', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('illegal_area', sa.BigInteger(), nullable=True),
    sa.Column('demolished_area', sa.BigInteger(), nullable=True),
    sa.Column('measures', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('reinspected_on', sa.Date(), nullable=True),
    sa.Column('reinspection_result', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_draft_number'), ['draft_number'], unique=True)
        batch_op.create_index(batch_op.f('ix_hazard_ledger_number'), ['ledger_number'], unique=True)
        batch_op.create_index(batch_op.f('ix_hazard_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_township_code'), ['township_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_hazard_unit_state', ['unit_id', 'state'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('inspecting_unit', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('inspection_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('inspector_count', sa.Integer(), nullable=False),
    sa.Column('site_name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('township', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('penalty_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('fine_amount', sa.BigInteger(), nullable=True),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_inspected_on'), ['inspected_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_number'), ['number'], unique=True)
        batch_op.create_index(batch_op.f('ix_inspection_unit_id'), ['unit_id'], unique=False)

    op.create_table('invite_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_by', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['used_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('invite_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_code_code'), ['code'], unique=True)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'unit_id', 'role')
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_user_id'), ['user_id'], unique=False)

    op.create_table('hazard_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hazard_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_event_hazard_id'), ['hazard_id'], unique=False)

    op.create_table('inspection_hazard',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.PrimaryKeyConstraint('inspection_id', 'hazard_id')
    )
    with op.batch_alter_table('inspection_hazard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_hazard_hazard_id'), ['hazard_id'], unique=False)

    op.create_table('photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mime', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('telegram_file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
    sa.Column('telegram_file_unique_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('hazard_id', sa.Integer(), nullable=True),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], ),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], ),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_sha256'), ['sha256'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_sha256'))
        batch_op.drop_index(batch_op.f('ix_photo_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_photo_hazard_id'))
        batch_op.drop_index(batch_op.f('ix_photo_draft_id'))

    op.drop_table('photo')
    with op.batch_alter_table('inspection_hazard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_hazard_hazard_id'))

    op.drop_table('inspection_hazard')
    with op.batch_alter_table('hazard_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_event_hazard_id'))

    op.drop_table('hazard_event')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_user_id'))
        batch_op.drop_index(batch_op.f('ix_membership_unit_id'))

    op.drop_table('membership')
    with op.batch_alter_table('invite_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_code_code'))

    op.drop_table('invite_code')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_unit_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_number'))
        batch_op.drop_index(batch_op.f('ix_inspection_inspected_on'))

    op.drop_table('inspection')
    with op.batch_alter_table('hazard', schema=None) as batch_op:
        batch_op.drop_index('ix_hazard_unit_state')
        batch_op.drop_index(batch_op.f('ix_hazard_unit_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_township_code'))
        batch_op.drop_index(batch_op.f('ix_hazard_state'))
        batch_op.drop_index(batch_op.f('ix_hazard_ledger_number'))
        batch_op.drop_index(batch_op.f('ix_hazard_draft_number'))
        batch_op.drop_index(batch_op.f('ix_hazard_deadline'))

    op.drop_table('hazard')
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_user_id'))
        batch_op.drop_index(batch_op.f('ix_draft_status'))

    op.drop_table('draft')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_code'))

    op.drop_table('unit')
    op.drop_table('number_sequence')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_telegram_id'))

    op.drop_table('app_user')

