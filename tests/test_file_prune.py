"""``hazardbot photos prune`` prunes the file store too (submitted files, acceptance documents), on SQLite and
PostgreSQL: a file a ``submission_file`` or ``rectification`` row names stays, a document an open form's draft
holds stays, a fresh file nothing names stays; an old one nothing names (a rectification form cancelled after its
document was kept) goes — and the submitted document is still sent back byte for byte afterwards."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core import FILES_SUBDIR
from storage.models import Draft
from storage.models_inbox import SubmissionFile
from storage.photo_store import FileSystemPhotoStore
from tests.chat_helpers import SUBMIT, hazard_row
from tests.evidence_chat import at_the_evidence_question, history_documents, reports
from tests.inbox_helpers import inbox_harness, make_docx, make_pdf
from tests.test_inbox_chat import NOVEMBER, _send_november
from tests.test_photo_prune import _prune

DAY = 86400


async def test_prune_removes_only_old_files_nothing_names(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        root = h.core.settings.effective_photo_dir / FILES_SUBDIR
        store = FileSystemPhotoStore(root)
        # named by submission_file rows: a unit's work information (a PDF and a Word file)
        _contact, info_pdf, info_docx = await _send_november(h, moving)
        # named by a rectification row: a report submitted with its acceptance document
        submitted, hid = await at_the_evidence_question(h, 75001, "110105001")
        report_pdf = make_pdf("Acceptance report: fire exits cleared")
        await submitted.file(report_pdf, "整改验收单.pdf", "application/pdf")
        await submitted.press("完成")
        await submitted.press(SUBMIT)
        # held by an open draft only: a document sent, the form not yet submitted
        drafting, _ = await at_the_evidence_question(h, 75002, "110105002")
        draft_docx = make_docx("验收意见：合格（草稿中）")
        await drafting.file(draft_docx, "验收意见.docx", "application/msword")
        # named by nothing: a document sent, then the form cancelled
        cancelling, _ = await at_the_evidence_question(h, 75003, "110105003")
        dropped = make_pdf("dropped when the form was cancelled")
        await cancelling.file(dropped, "作废.pdf", "application/pdf")
        await cancelling.say("/cancel")
        await cancelling.press("确认放弃")
        async with h.core.uow() as u:
            statuses = sorted((await u.session.exec(select(Draft.status).where(Draft.form == "rectification"))).all())
            named = set((await u.session.exec(select(SubmissionFile.store_key))).all())
        assert statuses == ["active", "cancelled", "submitted"], statuses
        [report] = await reports(h, hid)
        named.add(report.document_key)

        def key(data: bytes) -> str:
            digest = hashlib.sha256(data).hexdigest()
            return f"{digest[:2]}/{digest}"

        assert named == {key(info_pdf), key(info_docx), key(report_pdf)}
        assert {f.key for f in await store.entries()} == named | {key(draft_docx), key(dropped)}
        long_ago = time.time() - 40 * DAY
        for path in root.rglob("*"):
            os.utime(path, (long_ago, long_ago))
        _, fresh = await store.put(b"being received right now")  # nothing names it yet: its age keeps it

        out = await _prune(h, capsys)  # a dry run lists the old stray, removes nothing
        assert f"将删除提交文件 {key(dropped)} （{len(dropped)} 字节，40 天前收到）" in out, out
        assert f"提交文件 1 个（{len(dropped)} 字节" in out and "较新的 1 个保留" in out
        assert len(await store.entries()) == 6

        with caplog.at_level(logging.INFO, logger="bot.services.file_prune"):
            out = await _prune(h, capsys, "--apply", "--older-than", "30")
        assert f"已删除提交文件 {key(dropped)} （{len(dropped)} 字节" in out, out
        assert f"removed {key(dropped)} ({len(dropped)} bytes" in caplog.text
        assert f"removed 1 files, {len(dropped)} bytes" in caplog.text
        assert {f.key for f in await store.entries()} == named | {key(draft_docx), fresh}

        # what stayed is still whole: the report's document is sent back byte for byte, the work information is
        # read back unchanged, and the draft's document is submitted with its form
        files, _texts = await history_documents(h, submitted, (await hazard_row(h, hid)).ledger_number or "")
        assert files == [("整改验收单.pdf", report_pdf)]
        assert {await store.get(k) for k in named - {report.document_key}} == {info_pdf, info_docx}
        await drafting.press("完成")
        await drafting.press(SUBMIT)
        assert await store.get(key(draft_docx)) == draft_docx

        out = await _prune(h, capsys, "--apply", "--older-than", "30")  # nothing more to remove
        assert "提交文件 0 个（0 字节" in out, out
        assert {f.key for f in await store.entries()} == named | {key(draft_docx), fresh}

