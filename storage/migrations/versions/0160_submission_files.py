"""An inbox of what units submit (issue 16 item 5, 方案 五(二)): a submission's files are rows of their own
(``submission_file``) whose bytes live in the project's file store, not Telegram file ids; the office can mark
a submission a typical case and publish it.

Old rows are carried over: each Telegram file id becomes a ``submission_file`` with no stored bytes
(``store_key`` NULL, the id kept in ``legacy_ref``) — it cannot be fetched offline, and the inbox says
"not yet stored". Going down puts the ids back into the old columns; files stored since are left on disk
but no longer named by any row.

Revision ID: 0160
Revises: 0120
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0160"
down_revision = "0120"
branch_labels = None
depends_on = None

_files = sa.table(
    "submission_file",
    sa.column("submission_id", sa.Integer), sa.column("position", sa.Integer), sa.column("role", sa.String),
    sa.column("name", sa.String), sa.column("mime", sa.String), sa.column("legacy_ref", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_old = sa.table(
    "work_submission",
    sa.column("id", sa.Integer), sa.column("photo_file_ids", sa.JSON), sa.column("document_file_id", sa.String),
    sa.column("document_name", sa.String), sa.column("submitted_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "submission_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("work_submission.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("mime", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("store_key", sa.String(length=67), nullable=True),
        sa.Column("legacy_ref", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_submission_file_submission_id", "submission_file", ["submission_id"])
    bind = op.get_bind()
    rows = []
    for sid, photos, doc_id, doc_name, at in bind.execute(
        sa.select(_old.c.id, _old.c.photo_file_ids, _old.c.document_file_id, _old.c.document_name,
                  _old.c.submitted_at).order_by(_old.c.id)
    ):
        refs = [("photo", str(p), "") for p in (photos or []) if p]
        if doc_id:
            refs.append(("document", doc_id, (doc_name or "")[:256]))
        rows += [{"submission_id": sid, "position": i, "role": role, "name": name, "mime": "", "legacy_ref": ref[:256],
                  "created_at": at} for i, (role, ref, name) in enumerate(refs)]
    if rows:
        bind.execute(_files.insert(), rows)
    with op.batch_alter_table("work_submission") as batch_op:
        batch_op.drop_column("photo_file_ids")
        batch_op.drop_column("document_file_id")
        batch_op.drop_column("document_name")
        batch_op.add_column(sa.Column("typical_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("typical_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("published_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_work_submission_typical_by", "app_user", ["typical_by"], ["id"])
        batch_op.create_foreign_key("fk_work_submission_published_by", "app_user", ["published_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("work_submission") as batch_op:
        batch_op.drop_constraint("fk_work_submission_published_by", type_="foreignkey")
        batch_op.drop_constraint("fk_work_submission_typical_by", type_="foreignkey")
        batch_op.drop_column("published_by")
        batch_op.drop_column("published_at")
        batch_op.drop_column("typical_by")
        batch_op.drop_column("typical_at")
        batch_op.add_column(sa.Column("photo_file_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("document_file_id", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("document_name", sa.String(length=256), nullable=True))
    bind = op.get_bind()
    f = sa.table("submission_file", sa.column("submission_id", sa.Integer), sa.column("position", sa.Integer),
                 sa.column("role", sa.String), sa.column("name", sa.String), sa.column("legacy_ref", sa.String))
    photos: dict[int, list[str]] = {}
    docs: dict[int, tuple[str, str]] = {}
    for sid, role, name, ref in bind.execute(
        sa.select(f.c.submission_id, f.c.role, f.c.name, f.c.legacy_ref)
        .where(f.c.legacy_ref.is_not(None)).order_by(f.c.submission_id, f.c.position)
    ):
        if role == "photo":
            photos.setdefault(sid, []).append(ref)
        else:
            docs.setdefault(sid, (ref, name))
    ids = [sid for (sid,) in bind.execute(sa.select(_old.c.id))]
    for sid in ids:
        doc = docs.get(sid)
        bind.execute(_old.update().where(_old.c.id == sid).values(
            photo_file_ids=photos.get(sid, []), document_file_id=doc[0] if doc else None,
            document_name=(doc[1] or None) if doc else None))
    with op.batch_alter_table("work_submission") as batch_op:
        batch_op.alter_column("photo_file_ids", existing_type=sa.JSON(), nullable=False)
    op.drop_index("ix_submission_file_submission_id", table_name="submission_file")
    op.drop_table("submission_file")
