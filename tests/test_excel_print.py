"""The annex workbooks print: A4 landscape, one page wide, title and headers repeated on every page, the
填报单位 and 填报日期 in the page header and page numbers in the footer, the 填表说明 on a second sheet (that the export and import round trip of
tests/test_excel.py goes through)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from bot.services.ledger_export import ExportFilter, export_hazards, export_inspections
from storage.db import UowFactory
from tests.test_excel import seed


async def test_the_ledgers_are_set_up_for_printing_with_their_notes(uow: UowFactory, tmp_path: Path) -> None:
    await seed(uow)
    hazards, inspections = tmp_path / "h.xlsx", tmp_path / "i.xlsx"
    f = ExportFilter(today=date(2019, 6, 10))
    async with uow() as u:
        await export_hazards(u.session, f, hazards, filled_by="建外街道")
        await export_inspections(u.session, f, inspections)
    wb = load_workbook(hazards)
    ws = wb.worksheets[0]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1, "1")  # 1 is the default
    assert ws.page_setup.fitToHeight in (0, "0")  # as many pages down as it takes
    assert ws.print_title_rows == "$1:$3"
    assert "填报单位：建外街道" in ws.oddHeader.left.text and "填报日期：2019-06-10" in ws.oddHeader.right.text
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    notes = wb["填表说明"]
    lines = [c.value for c in notes["A"] if c.value]
    assert lines[0].startswith("附件2") and lines[1].startswith("1. 台账编号。") and len(lines) == 18
    wb = load_workbook(inspections)
    assert "填报单位：__________" in wb.worksheets[0].oddHeader.left.text  # to be filled in by hand
    assert [c.value for c in wb["填表说明"]["A"] if c.value][-1].startswith("11. 罚款金额")

