"""The acceptance document of a rectification report (整改验收材料, 方案 四(三)) is kept in the project's own
file store, as a submission's files are since 0160 (issue 18: nothing outside the Telegram adapter knows a
Telegram file id): ``rectification.document_file_id`` goes; ``document_key`` (the store's content-addressed
key), ``document_sha256``, ``document_size`` and ``document_mime`` come, and ``document_name`` stays.

Old rows are carried over: a document's Telegram file id moves to ``document_legacy_ref`` with no stored bytes
(``document_key`` NULL) — it cannot be fetched offline, and the bot says so where it would send the file. Going
down puts the ids back into ``document_file_id``; a document stored since keeps its name but no id (it never
had one), and its bytes stay in the store, no longer named by any row.

Revision ID: 0180
Revises: 0170
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0180"
down_revision = "0170"
branch_labels = None
depends_on = None

_rect = sa.table(
    "rectification",
    sa.column("id", sa.Integer), sa.column("document_file_id", sa.String), sa.column("document_legacy_ref", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("rectification") as batch_op:
        batch_op.add_column(sa.Column("document_key", sa.String(length=67), nullable=True))
        batch_op.add_column(sa.Column("document_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("document_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("document_mime", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("document_legacy_ref", sa.String(length=256), nullable=True))
    op.get_bind().execute(_rect.update().where(_rect.c.document_file_id.is_not(None))
                          .values(document_legacy_ref=_rect.c.document_file_id))
    with op.batch_alter_table("rectification") as batch_op:
        batch_op.drop_column("document_file_id")


def downgrade() -> None:
    with op.batch_alter_table("rectification") as batch_op:
        batch_op.add_column(sa.Column("document_file_id", sa.String(length=256), nullable=True))
    op.get_bind().execute(_rect.update().where(_rect.c.document_legacy_ref.is_not(None))
                          .values(document_file_id=_rect.c.document_legacy_ref))
    with op.batch_alter_table("rectification") as batch_op:
        batch_op.drop_column("document_legacy_ref")
        batch_op.drop_column("document_mime")
        batch_op.drop_column("document_size")
        batch_op.drop_column("document_sha256")
        batch_op.drop_column("document_key")
