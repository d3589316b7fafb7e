"""The contacts registry written as 附件4 城市安全隐患治理三年行动工作联系表, in the annex's layout.

Sheet ``工作联系表``, columns A–E: row 1 the title merged across; then per unit (in registry order) a block:
``单位名称：`` | the unit's name (B–E merged); the header ``　`` | ``姓  名`` | ``部门及职务`` | ``办公电话`` |
``手机号码``; one row per person, ``主管领导`` first, then ``联系人员``; one empty row between blocks.
Phones are written as text so every digit is kept. Units without any contact are left out (a block of
empty rows would not re-import). ``bot.services.contacts_import`` reads the file back unchanged.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.excel.cells import TextCells
from storage.models import Unit
from storage.models_reminders import Contact

TITLE = "城市安全隐患治理三年行动工作联系表"
SHEET = "工作联系表"
HEADER = ("\u3000", "姓  名", "部门及职务", "办公电话", "手机号码")  # as printed in the annex
ROLE_LABELS = {"leader": "主管领导", "contact": "联系人员"}
ROLE_ORDER = {"leader": 0, "contact": 1}


async def export_contacts(session: AsyncSession, path: Path, unit_id: int | None = None) -> int:
    """Write the contacts of every unit (or of ``unit_id``) to ``path``; returns the number of people."""
    stmt = select(Contact, Unit.name).join(Unit, Unit.id == Contact.unit_id)  # type: ignore[arg-type]
    if unit_id is not None:
        stmt = stmt.where(Contact.unit_id == unit_id)
    rows = (await session.exec(stmt.order_by(Unit.id, Contact.id))).all()  # type: ignore[arg-type]
    blocks: dict[str, list[Contact]] = {}
    for contact, unit_name in rows:
        blocks.setdefault(unit_name, []).append(contact)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    try:
        _write(wb, blocks)
    finally:
        wb.close()
    return len(rows)


def _write(wb: xlsxwriter.Workbook, blocks: dict[str, list[Contact]]) -> None:
    cells = TextCells(wb)  # names and titles as text, never a formula
    title = cells.fmt({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    head = cells.fmt({"bold": True, "border": 1, "align": "center", "valign": "vcenter"})
    cell = cells.fmt({"border": 1, "valign": "vcenter"})
    ws = wb.add_worksheet(SHEET)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 24)
    ws.set_column(3, 4, 16)
    ws.set_row(0, 30)
    cells.merged(ws, 0, 0, 0, 4, TITLE, title)
    r = 2
    for unit_name, people in blocks.items():
        cells.text(ws, r, 0, "单位名称：", head)
        cells.merged(ws, r, 1, r, 4, unit_name, cell)
        for col, text in enumerate(HEADER):
            cells.text(ws, r + 1, col, text, head)
        r += 2
        for p in sorted(people, key=lambda c: (ROLE_ORDER.get(c.role, 2), c.id or 0)):
            cells.text(ws, r, 0, ROLE_LABELS.get(p.role, p.role), head)
            for col, value in enumerate((p.name, p.title, p.office_phone or "", p.mobile), start=1):
                cells.text(ws, r, col, value, cell)
            r += 1
        r += 1
