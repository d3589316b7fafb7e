"""Photo evidence: EXIF facts of originals and their watermarked copies and thumbnails.

Revision ID: 0050
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = "0050"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("orientation", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.DateTime(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("copy_sha256", sa.String(length=64), nullable=False),
        sa.Column("copy_key", sa.String(length=128), nullable=False),
        sa.Column("copy_size", sa.Integer(), nullable=False),
        sa.Column("copy_width", sa.Integer(), nullable=False),
        sa.Column("copy_height", sa.Integer(), nullable=False),
        sa.Column("thumb_sha256", sa.String(length=64), nullable=False),
        sa.Column("thumb_key", sa.String(length=128), nullable=False),
        sa.Column("thumb_size", sa.Integer(), nullable=False),
        sa.Column("watermark", sa.JSON(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["photo.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("photo_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_evidence_photo_id"), ["photo_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_photo_evidence_copy_sha256"), ["copy_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("photo_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_evidence_copy_sha256"))
        batch_op.drop_index(batch_op.f("ix_photo_evidence_photo_id"))
    op.drop_table("photo_evidence")
