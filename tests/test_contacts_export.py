"""附件4 contacts export: the annex's block layout, the round trip through the contacts import, the
command line, and who may have it in the bot (phone numbers: office and admins only)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiogram.methods import SendDocument
from openpyxl import load_workbook
from sqlmodel import delete, select

from bot.cli import main as cli_main
from bot.services.contacts_import import import_contacts
from storage.db import UowFactory
from storage.excel.contacts_export import export_contacts
from storage.models import Unit
from storage.models_reminders import Contact
from tests.conftest import Harness
from tests.reminders.test_contacts_import import xlsx

ANNEX_ROWS: list[list[object]] = [
    ["城市安全隐患治理三年行动工作联系表"],
    ["单位名称：", "朝外街道"],
    ["", "姓  名", "部门及职务", "办公电话", "手机号码"],
    ["联系人员", "孙丽", "城管科", "", "13601234571"],
    ["主管领导", "周敏", "副主任", "010-65002222", "13601234572"],
    ["单位名称：建外街道"],
    ["", "姓名", "部门及职务", "办公电话", "手机号码"],
    ["主管领导", "张伟", "副主任", "010-65001234", "13901234567"],
    ["联系人员", "李娜", "安全科科员", "010-65001235", "13901234568"],
    ["联系人员", "王五", "安全科", "", "13901234569"],
]


async def seed(uow: UowFactory) -> None:
    async with uow() as u:
        await import_contacts(u.session, xlsx(ANNEX_ROWS), "附件4.xlsx")
        await u.commit()


async def registry(uow: UowFactory) -> list[tuple[int, str, str, str, str | None, str]]:
    async with uow() as u:
        rows = (await u.session.exec(select(Contact))).all()
        return sorted((c.unit_id, c.role, c.name, c.title, c.office_phone, c.mobile) for c in rows)


async def test_the_export_has_the_annex_blocks_and_reimports_to_the_same_registry(uow: UowFactory, tmp_path: Path) -> None:
    await seed(uow)
    before = await registry(uow)
    assert len(before) == 5
    path = tmp_path / "contacts.xlsx"
    async with uow() as u:
        assert await export_contacts(u.session, path) == 5
    book = load_workbook(path)
    ws = book.worksheets[0]
    cells = [[("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)]
    assert cells[0][0] == "城市安全隐患治理三年行动工作联系表"
    # registry order: 建外街道 (110105001) before 朝外街道 (110105002); leaders first in each block
    assert cells[2][:2] == ["单位名称：", "建外街道"]
    assert cells[3] == ["\u3000", "姓  名", "部门及职务", "办公电话", "手机号码"]
    assert cells[4] == ["主管领导", "张伟", "副主任", "010-65001234", "13901234567"]
    assert [r[0] for r in cells[5:7]] == ["联系人员", "联系人员"] and cells[7] == [""] * 5
    assert cells[8][:2] == ["单位名称：", "朝外街道"] and cells[10][:2] == ["主管领导", "周敏"]
    assert cells[11] == ["联系人员", "孙丽", "城管科", "", "13601234571"]
    merges = {str(m) for m in ws.merged_cells.ranges}
    assert {"A1:E1", "B3:E3", "B9:E9"} <= merges
    book.close()

    async with uow() as u:  # wipe, then import the exported file through the unchanged contacts import
        await u.session.exec(delete(Contact))  # type: ignore[call-overload]
        await u.commit()
    assert await registry(uow) == []
    async with uow() as u:
        report = await import_contacts(u.session, path.read_bytes(), "工作联系表.xlsx")
        await u.commit()
    assert (report.units, report.contacts) == (2, 5)
    assert await registry(uow) == before


async def test_one_unit_only_and_the_command_line(uow: UowFactory, database_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    await seed(uow)
    async with uow() as u:
        chaowai = (await u.session.exec(select(Unit.id).where(Unit.code == "110105002"))).one()
        assert await export_contacts(u.session, tmp_path / "one.xlsx", chaowai) == 2
    out = tmp_path / "all.xlsx"
    assert await asyncio.to_thread(cli_main, ["--db", database_url, "export", "contacts", "-o", str(out)]) == 0
    assert "已导出联系人 5 名 → " in capsys.readouterr().out
    before = await registry(uow)
    async with uow() as u:
        await u.session.exec(delete(Contact))  # type: ignore[call-overload]
        await u.commit()
    assert await asyncio.to_thread(cli_main, ["--db", database_url, "import", "contacts", str(out)]) == 0
    capsys.readouterr()
    assert await registry(uow) == before
    out_one = tmp_path / "jw.xlsx"
    code = await asyncio.to_thread(cli_main, ["--db", database_url, "export", "contacts", "--unit", "建外街道",
                                              "-o", str(out_one)])
    assert code == 0 and "已导出联系人 3 名 → " in capsys.readouterr().out
    book = load_workbook(out_one, read_only=True)
    names = [r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0] in ("主管领导", "联系人员")]
    book.close()
    assert names == ["张伟", "李娜", "王五"]


async def test_in_the_bot_only_the_office_gets_the_phone_numbers(harness: Harness) -> None:
    await seed(harness.core.uow)
    leader = await harness.bind(601, "leader", "区安委会办公室")
    await leader.say("/export contacts")
    assert leader.last_text() == "您的角色无权进行此操作。"
    office = await harness.bind(602, "office", "区安委会办公室")
    sent = await office.say("/export contacts")
    doc = next(m for m in sent if isinstance(m, SendDocument))
    assert doc.document.filename.startswith("工作联系表-") and "共 5 行" in (doc.caption or "")
