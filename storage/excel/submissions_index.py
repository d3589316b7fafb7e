"""The index sheet of an inbox export (issue 16 item 5): one row per submission — unit, kind, period, when,
title, its files as named in the zip (or why one is missing), typical case, and the full text. Every text is
written as a string cell (``storage.excel.cells``): what units typed never becomes a formula."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

from storage.excel.cells import TextCells

SHEET = "报送材料索引"
HEADER = ("序号", "单位", "类型", "期间", "报送时间", "标题", "文件", "典型案例", "正文")
WIDTHS = (6, 18, 16, 10, 18, 30, 48, 9, 60)


def index_workbook(title: str, rows: Sequence[Sequence[str]]) -> bytes:
    """An .xlsx with ``title`` above ``HEADER`` and one row per entry of ``rows`` (strings, in ``HEADER``'s
    order after the number, which is added here)."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    try:
        cells = TextCells(wb)
        head = cells.fmt({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True})
        cell = cells.fmt({"border": 1, "valign": "top", "text_wrap": True})
        big = cells.fmt({"bold": True, "font_size": 14})
        ws = wb.add_worksheet(SHEET)
        for i, width in enumerate(WIDTHS):
            ws.set_column(i, i, width)
        cells.text(ws, 0, 0, title, big)
        for c, name in enumerate(HEADER):
            cells.text(ws, 2, c, name, head)
        for r, row in enumerate(rows, start=3):
            ws.write_number(r, 0, r - 2, cell)
            for c, value in enumerate(row, start=1):
                cells.text(ws, r, c, value[:32000], cell)
        ws.freeze_panes(3, 0)
    finally:
        wb.close()
    return buffer.getvalue()
