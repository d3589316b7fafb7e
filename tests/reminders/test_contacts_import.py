"""Import of the contacts registry (附件4) from .xlsx and .csv: good files, bad rows reported by row
and column with nothing imported, bindings kept on re-import, the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.cli import main as cli_main
from bot.services.contacts_import import ContactsImportRejected, import_contacts
from storage.db import UowFactory
from storage.excel.guard import SpreadsheetRefused
from storage.models_reminders import Contact
from tests.reminders import factories as f

FLAT_HEADER = ["单位名称", "类别", "姓名", "部门及职务", "办公电话", "手机号码"]
FLAT_ROWS = [
    ["建外街道", "主管领导", "张伟", "副主任", "010-65001234", "13901234567"],
    ["建外街道", "联系人员", "李娜", "安全科科员", "65001235", "+86 139 0123 4568"],
    ["区住房城乡建设委", "联系人员", "王芳", "安全科科长", "", "13701234569"],
    ["酒仙桥地区办事处", "联系人员", "赵强", "平安建设办", "(010)84561234", "15801234570"],
]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)  # type: ignore[union-attr]
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(r) for r in rows).encode(encoding)


async def contacts(uow: UowFactory) -> list[tuple[str, str, str, str | None, str, int | None]]:
    async with uow() as u:
        rows = (await u.session.exec(select(Contact).order_by(Contact.mobile))).all()  # type: ignore[arg-type]
        return [(c.role, c.name, c.title, c.office_phone, c.mobile, c.user_id) for c in rows]


async def run_import(uow: UowFactory, data: bytes, name: str):  # type: ignore[no-untyped-def]
    async with uow() as u:
        report = await import_contacts(u.session, data, name)
        await u.commit()
    return report


async def test_a_flat_excel_file_is_imported_with_phones_normalised(uow: UowFactory) -> None:
    report = await run_import(uow, xlsx([FLAT_HEADER, *FLAT_ROWS]), "联系表.xlsx")
    assert (report.units, report.contacts) == (3, 4)
    assert await contacts(uow) == [
        ("contact", "王芳", "安全科科长", None, "13701234569", None),
        ("leader", "张伟", "副主任", "010-65001234", "13901234567", None),
        ("contact", "李娜", "安全科科员", "010-65001235", "13901234568", None),
        ("contact", "赵强", "平安建设办", "010-84561234", "15801234570", None),
    ]


async def test_the_annex_layout_with_one_block_per_unit_is_read(uow: UowFactory) -> None:
    rows = [
        ["城市安全隐患治理三年行动工作联系表"],
        ["单位名称：", "建外街道", "", "", ""],
        ["", "姓  名", "部门及职务", "办公电话", "手机号码"],
        ["主管领导", "张伟", "副主任", "010-65001234", 13901234567],  # a number cell, as Excel keeps it
        ["联系人员", "李娜", "安全科科员", "010-65001235", "13901234568"],
        [],
        ["单位名称：朝外街道"],
        ["", "姓名", "部门及职务", "办公电话", "手机号码"],
        ["联系人员", "孙丽", "城管科", "", "13601234571"],
    ]
    report = await run_import(uow, xlsx(rows), "附件4.xlsx")  # type: ignore[arg-type]
    assert (report.units, report.contacts) == (2, 3)
    assert [(c[0], c[1]) for c in await contacts(uow)] == [("contact", "孙丽"), ("leader", "张伟"), ("contact", "李娜")]


async def test_a_gbk_csv_saved_by_excel_is_read(uow: UowFactory) -> None:
    report = await run_import(uow, csv_bytes([FLAT_HEADER, *FLAT_ROWS], "gb18030"), "contacts.csv")
    assert report.contacts == 4


async def test_every_wrong_row_is_reported_and_nothing_is_imported(uow: UowFactory) -> None:
    bad = [
        FLAT_HEADER,
        FLAT_ROWS[0],
        ["火星街道", "联系人员", "甲", "科员", "", "13901234500"],          # row 3: unknown unit
        ["建外街道", "办事员", "乙", "科员", "", "13901234501"],            # row 4: unknown role
        ["建外街道", "联系人员", "", "科员", "", "13901234502"],            # row 5: no name
        ["建外街道", "联系人员", "丙", "科员", "", "12901234503"],          # row 6: not a mobile
        ["建外街道", "联系人员", "丁", "科员", "021-64001234", "13901234504"],  # row 7: Shanghai landline
        ["建外街道", "主管领导", "张伟二", "副主任", "", "139 0123 4567"],  # row 8: same leader mobile as row 2
    ]
    with pytest.raises(ContactsImportRejected) as caught:
        await run_import(uow, csv_bytes(bad), "bad.csv")
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (3, "单位名称"), (4, "类别"), (5, "姓名"), (6, "手机号码"), (7, "办公电话"), (8, "手机号码")]
    assert "火星街道" in caught.value.problems[0].reason
    assert "第2行" in caught.value.problems[-1].reason
    assert await contacts(uow) == []


async def test_files_that_are_not_contact_tables_are_refused(uow: UowFactory) -> None:
    for data, name in ((b"a,b\n1,2\n", "x.csv"), (b"hello", "x.txt")):
        with pytest.raises(ContactsImportRejected):
            await run_import(uow, data, name)
    with pytest.raises(SpreadsheetRefused, match="not_xlsx"):  # refused by the guard before any parsing
        await run_import(uow, b"\x00\x01garbage", "x.xlsx")
    assert await contacts(uow) == []


async def test_reimport_replaces_a_unit_and_keeps_bindings_of_unchanged_mobiles(uow: UowFactory) -> None:
    await run_import(uow, xlsx([FLAT_HEADER, *FLAT_ROWS]), "v1.xlsx")
    async with uow() as u:
        uid = await f.user(u.session, 8001, "张伟")
        leader = (await u.session.exec(select(Contact).where(Contact.mobile == "13901234567"))).one()
        leader.user_id = uid
        await u.commit()
    v2 = [FLAT_HEADER, FLAT_ROWS[0], ["建外街道", "联系人员", "周新", "安全科", "", "13901239999"]]
    report = await run_import(uow, xlsx(v2), "v2.xlsx")
    assert (report.units, report.contacts, report.bindings_kept) == (1, 2, 1)
    names = {(c[1], c[5]) for c in await contacts(uow)}
    assert names == {("张伟", uid), ("周新", None), ("王芳", None), ("赵强", None)}  # other units untouched


def test_cli_imports_and_reports_row_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.db"
    assert cli_main(["--db", str(db), "db", "upgrade"]) == 0
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes([FLAT_HEADER, *FLAT_ROWS]))
    bad.write_bytes(csv_bytes([FLAT_HEADER, ["建外街道", "联系人员", "甲", "科员", "", "123"]]))
    capsys.readouterr()
    assert cli_main(["--db", str(db), "import", "contacts", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "未导入任何数据" in out and "第2行 手机号码" in out
    assert cli_main(["--db", str(db), "import", "contacts", str(good)]) == 0
    assert "已导入3个单位的4名联系人" in capsys.readouterr().out
