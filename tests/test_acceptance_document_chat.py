"""The acceptance document of a rectification report (整改验收材料, 方案 四(三)) through the real dispatcher, on SQLite
and PostgreSQL (issue 18): the handler downloads it (bounded), the service keeps its bytes in the project's file
store, and wherever it is shown again — the history of the hazard, to the unit or to the district office — it is
sent from the store byte for byte; no Telegram file id is kept. A document too large, or whose bytes are none of
the kinds kept, is refused with the same question asked again, nothing downloaded or stored."""

from __future__ import annotations

import hashlib
import io

import pytest
from aiogram.methods import AnswerCallbackQuery, GetFile, SendDocument
from pypdf import PdfReader
from sqlmodel import select

from bot.domain import HazardState
from storage.models_lifecycle import Rectification
from tests.chat_helpers import SUBMIT, actor_of, hazard_row
from tests.conftest import Harness
from tests.document_reading import pdf_pages
from tests.evidence_chat import (
    QUESTION,
    at_the_evidence_question,
    edit_evidence,
    history_documents,
    reports,
    stored_files,
    submitted_report,
)
from tests.inbox_helpers import documents, make_docx, make_pdf
from tests.lifecycle_factories import hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOME, OFFICE = "建外街道", "区安委会办公室"


async def test_a_document_sent_with_the_report_is_stored_and_sent_back_unchanged(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75001)
    pdf = make_pdf("Acceptance report: fire exits cleared")
    texts = chat.texts(await chat.file(pdf, "整改验收单.pdf", "application/pdf"))
    assert "已收到并保存文件 整改验收单.pdf" in texts[-1], texts
    await chat.press("完成")
    assert "整改验收单.pdf" in chat.last_text()  # named on the review card
    await chat.press(SUBMIT)
    [report] = await reports(h, hid)
    digest = hashlib.sha256(pdf).hexdigest()
    assert (report.document_name, report.document_sha256, report.document_size, report.document_mime,
            report.document_legacy_ref) == ("整改验收单.pdf", digest, len(pdf), "application/pdf", None)
    assert [p.read_bytes() for p in stored_files(h)] == [pdf]
    number = (await hazard_row(h, hid)).ledger_number or ""
    for viewer in (chat, await h.bind(75002, "office", OFFICE, "张办公室")):  # the unit, then the district office
        files, _texts = await history_documents(h, viewer, number)
        assert files == [("整改验收单.pdf", pdf)]
    before = len(h.session.requests)
    await chat.press("一患一案（PDF）")  # the exported case file carries it as an attachment
    [case_file] = documents(list[object](h.session.requests[before:]))
    reader = PdfReader(io.BytesIO(case_file.data))
    assert {name: list(data) for name, data in reader.attachments.items()} == {"整改验收单.pdf": [pdf]}
    assert "整改验收单.pdf（附于本文件）" in "".join(pdf_pages(case_file.data))


async def test_a_word_file_sent_as_any_type_is_kept_by_what_its_bytes_are(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75003)
    docx = make_docx("验收意见：合格")
    await chat.file(docx, "../../etc/验收意见", "application/msword")  # a hostile name, a wrong declared type
    report = await submitted_report(h, chat, hid)
    assert report.document_name == "验收意见.docx" and report.document_mime and "wordprocessingml" in report.document_mime
    files, _texts = await history_documents(h, chat, (await hazard_row(h, hid)).ledger_number or "")
    assert files == [("验收意见.docx", docx)]


async def test_a_csv_table_is_kept_under_its_own_name_and_a_text_file_named_otherwise_as_txt(harness: Harness) -> None:
    """Text bytes keep a declared .csv (its reader opens a table, not a note); any other name gets .txt."""
    h = harness
    chat, hid = await at_the_evidence_question(h, 75011)
    table = "序号,整改项,结果\r\n1,清理楼道杂物,已完成\r\n".encode()
    texts = chat.texts(await chat.file(table, "验收清单.csv", "text/csv"))
    assert "已收到并保存文件 验收清单.csv" in texts[-1], texts
    report = await submitted_report(h, chat, hid)
    assert (report.document_name, report.document_mime) == ("验收清单.csv", "text/csv")
    files, _texts = await history_documents(h, chat, (await hazard_row(h, hid)).ledger_number or "")
    assert files == [("验收清单.csv", table)]
    other, oid = await at_the_evidence_question(h, 75012, unit="110105002")  # its own unit: its own hazard
    await other.file("验收意见：合格".encode(), "验收意见.html", "text/html")  # text, but not to be rendered
    assert (await submitted_report(h, other, oid)).document_name == "验收意见.txt"


async def test_a_gbk_csv_from_chinese_excel_is_kept_as_a_csv_and_binary_named_csv_is_refused(harness: Harness) -> None:
    """Chinese Excel saves "CSV" in GBK (GB18030): kept as the .csv it is, byte for byte; bytes that are no text
    in either encoding are still refused."""
    h = harness
    chat, hid = await at_the_evidence_question(h, 75013)
    binary = bytes(range(256)) * 4  # control characters and bytes no GB18030 text holds
    texts = chat.texts(await chat.file(binary, "验收清单.csv", "text/csv"))
    assert len(texts) == 1 and "该文件未被接收" in texts[0] and QUESTION in texts[0], texts
    table = "序号,整改项,结果\r\n1,清理楼道杂物,已完成\r\n2,更换灭火器（4具）,已完成\r\n".encode("gbk")
    texts = chat.texts(await chat.file(table, "验收清单.csv", "application/vnd.ms-excel"))
    assert "已收到并保存文件 验收清单.csv" in texts[-1], texts
    report = await submitted_report(h, chat, hid)
    assert (report.document_name, report.document_mime) == ("验收清单.csv", "text/csv")
    files, _texts = await history_documents(h, chat, (await hazard_row(h, hid)).ledger_number or "")
    assert files == [("验收清单.csv", table)]


async def test_a_document_declared_too_large_is_refused_before_download_and_asked_again(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75004)
    before = len(h.session.requests)
    texts = chat.texts(await chat.file(make_pdf(), "扫描件.pdf", "application/pdf", size=25 * 2**20))
    assert len(texts) == 1 and "最多只能接收20 MB" in texts[0] and QUESTION in texts[0], texts
    assert [m for m in h.session.requests[before:] if isinstance(m, GetFile)] == []
    assert stored_files(h) == []
    pdf = make_pdf()
    await chat.file(pdf, "扫描件.pdf", "application/pdf")  # the question goes on: a good one is taken
    report = await submitted_report(h, chat, hid)
    assert report.document_sha256 == hashlib.sha256(pdf).hexdigest()


async def test_a_hostile_document_is_refused_with_the_question_asked_again_and_nothing_kept(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75005)
    hostile = {
        "a zip archive named .docx": (b"PK\x03\x04" + bytes(60), "验收.docx", "application/vnd.openxmlformats"),
        "an executable named .pdf": (b"MZ\x90\x00" + bytes(300), "验收.pdf", "application/pdf"),
        "binary named .txt": (b"\x00\x01\x02hello", "验收.txt", "text/plain"),
    }
    for what, (data, name, mime) in hostile.items():
        texts = chat.texts(await chat.file(data, name, mime))
        assert len(texts) == 1 and "该文件未被接收" in texts[0] and QUESTION in texts[0], (what, texts)
    assert stored_files(h) == []
    await chat.press("完成")  # no evidence yet: the form says so instead of submitting
    assert await reports(h, hid) == []


async def test_a_second_document_is_refused_without_being_downloaded(harness: Harness) -> None:
    h = harness
    chat, _hid = await at_the_evidence_question(h, 75006)
    await chat.file(make_pdf("first"), "一.pdf", "application/pdf")
    before = len(h.session.requests)
    texts = chat.texts(await chat.file(make_pdf("second"), "二.pdf", "application/pdf"))
    assert "一.pdf" in texts[-1] and [m for m in h.session.requests[before:] if isinstance(m, GetFile)] == []
    assert len(stored_files(h)) == 1


async def test_a_wrong_document_is_replaced_by_editing_the_question_from_the_review_card(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75009)
    await chat.file(make_pdf("wrong"), "错的.pdf", "application/pdf")
    await chat.press("完成")
    assert "错的.pdf" not in edit_evidence(chat).text
    await chat.press_button(edit_evidence(chat))
    right = make_pdf("right")
    texts = chat.texts(await chat.file(right, "对的.pdf", "application/pdf"))
    assert "已用文件 对的.pdf 替换 错的.pdf" in texts[-1], texts
    report = await submitted_report(h, chat, hid)  # the form's other answers kept, the right document sent
    assert (report.document_name, report.document_sha256) == ("对的.pdf", hashlib.sha256(right).hexdigest())


async def test_a_second_tap_on_submit_says_the_form_is_closed(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75010)
    await chat.file(make_pdf(), "验收单.pdf", "application/pdf")
    await chat.press("完成")
    submit = chat.latest_button(SUBMIT)
    await chat.press_button(submit)
    sent = await chat.press_button(submit)  # the same button again, as a double tap delivers it
    alerts = [m.text for m in sent if isinstance(m, AnswerCallbackQuery) and m.text]
    assert alerts == ["该表单已结束（已提交或已取消）。"], alerts
    assert len(await reports(h, hid)) == 1


async def test_a_document_nobody_asked_for_is_answered_without_being_downloaded(harness: Harness) -> None:
    h = harness
    chat = await h.bind(75007, "inspector", HOME, "李检查")
    await chat.say("/hazard")
    before = len(h.session.requests)
    texts = chat.texts(await chat.file(make_pdf(), "验收单.pdf", "application/pdf"))
    assert texts and [m for m in h.session.requests[before:] if isinstance(m, GetFile)] == [], texts
    assert stored_files(h) == []


async def test_a_document_from_before_the_store_is_named_and_said_unreachable(harness: Harness) -> None:
    h = harness
    chat = await h.bind(75008, "inspector", HOME, "李检查")
    actor = await actor_of(h, chat)
    hid = await hazard(h.core.uow, actor, state=HazardState.RECTIFIED, rectified_by=actor)  # legacy_ref "doc"
    files, texts = await history_documents(h, chat, (await hazard_row(h, hid)).ledger_number or "")
    assert files == [] and any("验收材料《验收单.pdf》" in t and "无法在此取回" in t for t in texts), texts
    assert not any(isinstance(m, SendDocument) for m in h.session.requests)
    await chat.press("一患一案（PDF）")
    [case_file] = documents(list[object](h.session.requests))
    assert not PdfReader(io.BytesIO(case_file.data)).attachments
    assert "验收单.pdf（未存档）" in "".join(pdf_pages(case_file.data))


async def test_a_stored_document_gone_from_the_store_is_named_not_sent(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75009)
    await chat.file(make_pdf(), "验收单.pdf", "application/pdf")
    await submitted_report(h, chat, hid)
    [kept] = stored_files(h)
    kept.write_bytes(b"%PDF-1.7 altered")  # damaged on disk: its hash no longer matches
    files, texts = await history_documents(h, chat, (await hazard_row(h, hid)).ledger_number or "")
    assert files == [] and any("验收材料《验收单.pdf》" in t and "已损坏" in t for t in texts), texts


async def test_a_document_name_hiding_text_or_breaking_lines_is_sent_back_without_it(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 75010)
    pdf = make_pdf()
    # a paragraph separator breaks the name on screen; tag characters spell text nobody sees
    await chat.file(pdf, "验收\u2029单\U000e0065\U000e0078\U000e0065.pdf", "application/pdf")
    await submitted_report(h, chat, hid)
    files, _texts = await history_documents(h, chat, (await hazard_row(h, hid)).ledger_number or "")
    assert files == [("验收_单.pdf", pdf)]


async def test_a_document_name_from_before_the_store_is_shown_without_reordering_characters(harness: Harness) -> None:
    """A name received before the store was kept as the client sent it: where it is shown (the history, the case
    file) U+202E would turn 验收单‮fdp.exe into 验收单exe.pdf on screen."""
    h = harness
    chat = await h.bind(75011, "inspector", HOME, "李检查")
    actor = await actor_of(h, chat)
    hid = await hazard(h.core.uow, actor, state=HazardState.RECTIFIED, rectified_by=actor)
    async with h.core.uow() as u:
        [row] = (await u.session.exec(select(Rectification).where(Rectification.hazard_id == hid))).all()
        row.document_name = "验收单\u202efdp.exe"
        u.session.add(row)
        await u.commit()
    _files, texts = await history_documents(h, chat, (await hazard_row(h, hid)).ledger_number or "")
    assert any("验收材料《验收单_fdp.exe》" in t for t in texts), texts
    before = len(h.session.requests)
    await chat.press("一患一案（PDF）")
    [case_file] = documents(list[object](h.session.requests[before:]))
    text = "".join(pdf_pages(case_file.data))
    assert "验收单_fdp.exe（未存档）" in text and "\u202e" not in text


async def test_a_workbook_at_the_evidence_question_is_the_evidence_not_a_ledger(harness: Harness) -> None:
    """A unit's reviewer may import (their unit's plan), and an acceptance list is often a workbook: sent while
    the evidence question is asked, it is kept as the evidence, not read as a ledger and refused."""
    import openpyxl

    chat, hid = await at_the_evidence_question(harness, 75011, role="reviewer")
    book = openpyxl.Workbook()
    book.active.append(["验收项目", "结果"])  # type: ignore[union-attr]
    book.active.append(["疏散通道", "已清理"])  # type: ignore[union-attr]
    data = io.BytesIO()
    book.save(data)
    texts = chat.texts(await chat.file(data.getvalue(), "验收清单.xlsx",
                                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    assert "已收到并保存文件 验收清单.xlsx" in texts[-1], texts
    report = await submitted_report(harness, chat, hid)
    assert (report.document_name, report.document_size) == ("验收清单.xlsx", len(data.getvalue()))
