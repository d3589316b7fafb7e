"""Migration 0160 (a submission's files in a table of their own, bytes in the project's store) carries the old
Telegram file ids over as files "not yet stored", and going down puts them back, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from sqlmodel import select

from storage.migrate import downgrade, upgrade
from storage.models_inbox import SubmissionFile
from storage.models_reminders import WorkSubmission
from tests.db_inspect import Parts, execute, migration_goes_down_and_up, unit_of_work

AT = "2018-11-05 02:00:00"


async def _submissions_with_telegram_ids(url: str) -> None:
    await execute(
        url,
        "INSERT INTO unit (code, name, kind, is_township) VALUES ('t-0160', '测试街道', '街道', TRUE)",
        "INSERT INTO work_submission (unit_id, kind, period, text, photo_file_ids, document_file_id, document_name, "
        f"submitted_at) SELECT id, 'work_info', '2018-11', '十一月信息', '[\"AgACphoto1\", \"AgACphoto2\"]', "
        f"'BQACdoc', '总结.docx', '{AT}' FROM unit WHERE code = 't-0160'",
        "INSERT INTO work_submission (unit_id, kind, period, text, photo_file_ids, submitted_at) "
        f"SELECT id, 'summary', '2018-Q4', '只有文字', '[]', '{AT}' FROM unit WHERE code = 't-0160'",
    )


async def _the_ids_are_files_not_yet_stored(url: str, _: object) -> None:
    async with unit_of_work(url) as uow, uow() as u:
        subs = (await u.session.exec(select(WorkSubmission).order_by(WorkSubmission.id))).all()  # type: ignore[arg-type]
        files = (await u.session.exec(select(SubmissionFile).order_by(SubmissionFile.position))).all()  # type: ignore[arg-type]
    assert [(s.kind, s.text, s.typical_at) for s in subs] == [("work_info", "十一月信息", None), ("summary", "只有文字", None)]
    assert [(f.submission_id, f.position, f.role, f.name, f.legacy_ref, f.store_key, f.sha256) for f in files] == [
        (subs[0].id, 0, "photo", "", "AgACphoto1", None, None),
        (subs[0].id, 1, "photo", "", "AgACphoto2", None, None),
        (subs[0].id, 2, "document", "总结.docx", "BQACdoc", None, None),
    ]
    assert files[0].created_at == datetime(2018, 11, 5, 2, tzinfo=UTC)


async def test_old_telegram_ids_become_files_not_yet_stored_and_come_back_down(database_url: str) -> None:
    # the revision below 0160, wherever the head is
    await migration_goes_down_and_up(
        database_url, "0160-1",
        added=Parts.of({"submission_file"}, columns={"work_submission": {"typical_at", "published_at"}}),
        removed=Parts.of(columns={"work_submission": {"photo_file_ids"}}),
        seed=_submissions_with_telegram_ids, check=_the_ids_are_files_not_yet_stored)
    await asyncio.to_thread(downgrade, database_url, "0160-1")
    rows = await execute(database_url, "SELECT kind, photo_file_ids, document_file_id, document_name "
                                       "FROM work_submission ORDER BY id")
    decoded = [(k, p if isinstance(p, list) else json.loads(str(p)), d, n) for k, p, d, n in rows]
    assert decoded == [("work_info", ["AgACphoto1", "AgACphoto2"], "BQACdoc", "总结.docx"), ("summary", [], None, None)]
    await asyncio.to_thread(upgrade, database_url)
