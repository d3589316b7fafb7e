"""Files sent to the bot, refused in words that fit the file the person sent, through the real dispatcher on both
databases: a too-wide contacts CSV names the user's own file (escaped), never the bot's temporary copy, and a
ledger's import records the name it was sent under; a ledger sent as .csv is told how ledgers and contacts lists
are imported; a workbook of millions of shared strings is refused before openpyxl reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.methods import SendMessage
from sqlmodel import select

from storage.models import HazardEvent
from tests import hostile_sheets as hs
from tests.conftest import Harness
from tests.old_ledgers import base_row, write_ledger
from tests.reminders.test_contacts_import import FLAT_HEADER, FLAT_ROWS, csv_bytes

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_FORM = "没有正在填写的表单"
HOW_LEDGERS = "台账和计划（附件1、2、3）只能以Excel工作簿（.xlsx）导入"


async def test_a_too_wide_contacts_csv_is_named_as_the_user_sent_it(harness: Harness) -> None:
    office = await harness.bind(7801, "office", "区安委会办公室")
    wide = [FLAT_HEADER + [f"备注{i}" for i in range(300)], FLAT_ROWS[0]]
    await office.say("/contacts_import")
    await office.file(csv_bytes(wide), "A&B<附件4>\u202e联系表.csv", CSV)
    raw = harness.session.sent(SendMessage)[-1].text
    # escaped for HTML, tag and reordering characters shown as "_" (as every file name shown: upload_kinds.shown_name)
    assert raw.startswith("文件“A&amp;B_附件4_联系表.csv”的内容延伸到第 306 列，最多读取 256 列。"), raw
    assert "upload" not in raw, raw


def test_a_csv_refusal_without_a_known_name_names_no_file() -> None:
    from bot.sheet_refusals import sheet_refusal_zh

    said = sheet_refusal_zh({"reason": "too_many_rows", "file": "", "rows": 50001, "max": 50000})
    assert said.startswith("该文件的内容延伸到第 50001 行，一次最多导入 50000 行。"), said


async def test_a_ledger_import_records_the_name_it_was_sent_under(harness: Harness, tmp_path: Path) -> None:
    office = await harness.bind(7803, "office", "区安委会办公室")
    await office.file(write_ledger(tmp_path / "x.xlsx", [base_row(1)]), "朝外街道台账.xlsx", XLSX)
    assert office.last_text().startswith("已导入 1 行"), office.last_text()
    async with harness.core.uow() as u:
        events = (await u.session.exec(select(HazardEvent))).all()
    assert [e.data.get("file") for e in events] == ["朝外街道台账.xlsx"], [e.data for e in events]


async def test_a_ledger_sent_as_csv_is_told_how_ledgers_are_imported(harness: Harness) -> None:
    office = await harness.bind(7802, "office", "区安委会办公室")
    for name in ("附件2台账.csv", "附件2台账.XLS"):
        await office.file(csv_bytes([FLAT_HEADER, *FLAT_ROWS]), name, CSV)
        text = office.last_text()
        assert text.startswith(HOW_LEDGERS) and "/contacts_import" in text and NO_FORM not in text, text
    await office.say("/contacts_import")  # where a .csv is awaited, it is read as the contacts list it is
    await office.file(csv_bytes([FLAT_HEADER, *FLAT_ROWS]), "附件4.csv", CSV)
    assert office.last_text().startswith("已导入3个单位的4名联系人"), office.last_text()


async def test_a_csv_from_someone_who_imports_nothing_goes_to_the_forms(harness: Harness) -> None:
    inspector = await harness.bind(7804, "inspector", "110105001")
    await inspector.file(csv_bytes([FLAT_HEADER, *FLAT_ROWS]), "附件2台账.csv", CSV)
    assert NO_FORM in inspector.last_text(), inspector.last_text()


async def test_shared_strings_no_cell_shows_are_refused_before_they_are_read(harness: Harness) -> None:
    """The part under a name of its own (``xl/strings.xml``, found by its content type) escapes the size check of
    ``xl/sharedStrings.xml`` on the zip's directory; the scan counts its strings: 30 000 beside the plan's 3 cells
    are more than any workbook's cells show (at most 2 × 3 + 10 000). The 3 million of ``hs.shared_strings()``
    are refused by their size: ``tests/test_hostile_sheets.py``."""
    office = await harness.bind(7805, "office", "区安委会办公室")
    data = hs.shared_strings(30_000, "xl/strings.xml")
    told = "文件过大或格式异常：其中存放的文字条目远多于表格所能显示的（最多 10006 条）。请只发送附件表格。"
    await office.file(data, "计划.xlsx", XLSX)
    assert office.last_text() == told, office.last_text()
    await office.say("/contacts_import")
    await office.file(data, "附件4.xlsx", XLSX)
    assert office.last_text() == told, office.last_text()
