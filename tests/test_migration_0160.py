"""Migration 0160 (a submission's files in a table of their own, bytes in the project's store) carries the old
Telegram file ids over as files "not yet stored", and going down puts them back, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import inspect
from sqlmodel import select

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models_inbox import SubmissionFile
from storage.models_reminders import WorkSubmission


async def _columns(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: (
                {col["name"] for col in inspect(c).get_columns("work_submission")}, set(inspect(c).get_table_names())))
    finally:
        await engine.dispose()


async def _execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for sql in statements:
                result = await conn.execute(sa.text(sql))
                if result.returns_rows:
                    rows = [tuple(r) for r in result.all()]
            return rows
    finally:
        await engine.dispose()


async def test_old_telegram_ids_become_files_not_yet_stored_and_come_back_down(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "0160-1")  # the revision below 0160, wherever the head is
    columns, tables = await _columns(database_url)
    assert "photo_file_ids" in columns and "typical_at" not in columns and "submission_file" not in tables
    at = "2018-11-05 02:00:00"
    await _execute(
        database_url,
        "INSERT INTO unit (code, name, kind, is_township) VALUES ('t-0160', '测试街道', '街道', TRUE)",
        "INSERT INTO work_submission (unit_id, kind, period, text, photo_file_ids, document_file_id, document_name, "
        f"submitted_at) SELECT id, 'work_info', '2018-11', '十一月信息', '[\"AgACphoto1\", \"AgACphoto2\"]', "
        f"'BQACdoc', '总结.docx', '{at}' FROM unit WHERE code = 't-0160'",
        "INSERT INTO work_submission (unit_id, kind, period, text, photo_file_ids, submitted_at) "
        f"SELECT id, 'summary', '2018-Q4', '只有文字', '[]', '{at}' FROM unit WHERE code = 't-0160'",
    )
    await asyncio.to_thread(upgrade, database_url)
    columns, tables = await _columns(database_url)
    assert "photo_file_ids" not in columns and {"typical_at", "published_at"} <= columns and "submission_file" in tables
    engine = create_engine(database_url)
    try:
        uow = make_uow_factory(engine)
        async with uow() as u:
            subs = (await u.session.exec(select(WorkSubmission).order_by(WorkSubmission.id))).all()  # type: ignore[arg-type]
            files = (await u.session.exec(select(SubmissionFile).order_by(SubmissionFile.position))).all()  # type: ignore[arg-type]
        assert [(s.kind, s.text, s.typical_at) for s in subs] == [("work_info", "十一月信息", None), ("summary", "只有文字", None)]
        assert [(f.submission_id, f.position, f.role, f.name, f.legacy_ref, f.store_key, f.sha256) for f in files] == [
            (subs[0].id, 0, "photo", "", "AgACphoto1", None, None),
            (subs[0].id, 1, "photo", "", "AgACphoto2", None, None),
            (subs[0].id, 2, "document", "总结.docx", "BQACdoc", None, None),
        ]
        assert files[0].created_at == datetime(2018, 11, 5, 2, tzinfo=UTC)
    finally:
        await engine.dispose()
    await asyncio.to_thread(downgrade, database_url, "0160-1")
    rows = await _execute(database_url, "SELECT kind, photo_file_ids, document_file_id, document_name "
                                        "FROM work_submission ORDER BY id")
    decoded = [(k, p if isinstance(p, list) else __import__("json").loads(p), d, n) for k, p, d, n in rows]
    assert decoded == [("work_info", ["AgACphoto1", "AgACphoto2"], "BQACdoc", "总结.docx"), ("summary", [], None, None)]
    await asyncio.to_thread(upgrade, database_url)
