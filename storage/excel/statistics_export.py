"""The statistics tables of ``/status`` (issue 16 item 6) as one workbook: one sheet per view, in the order
given. Each sheet: row 1 the title (merged across), row 2 the headings, then one row per key, and a last
row of totals. Keys (township, department … names people typed) are string cells through ``TextCells``;
counts, areas (m²) and amounts (万元) are number cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from storage.excel.cells import TextCells


@dataclass(frozen=True)
class SheetTable:
    """One sheet: ``name`` (≤ 31 characters), ``title``, ``headings`` (key heading first), ``rows`` of
    (key, numbers) and the ``total`` row (its label first)."""

    name: str
    title: str
    headings: Sequence[str]
    rows: Sequence[tuple[str, Sequence[int | Decimal]]]
    total: tuple[str, Sequence[int | Decimal]]


def write_statistics(path: Path, sheets: Sequence[SheetTable]) -> None:
    """Write ``sheets`` to the ``.xlsx`` file ``path``."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    try:
        cells = TextCells(wb)
        title_fmt = cells.fmt({"bold": True, "font_size": 14})
        head_fmt = cells.fmt({"bold": True, "text_wrap": True, "border": 1, "bg_color": "#DDEBF7"})
        key_fmt = cells.fmt({"border": 1})
        total_fmt = cells.fmt({"bold": True, "border": 1})
        count_fmt = wb.add_format({"border": 1, "num_format": "#,##0"})
        amount_fmt = wb.add_format({"border": 1, "num_format": "#,##0.00##"})
        count_total = wb.add_format({"border": 1, "bold": True, "num_format": "#,##0"})
        amount_total = wb.add_format({"border": 1, "bold": True, "num_format": "#,##0.00##"})
        for sheet in sheets:
            ws = wb.add_worksheet(sheet.name[:31])
            cells.merged(ws, 0, 0, 0, max(len(sheet.headings) - 1, 1), sheet.title, title_fmt)
            for c, heading in enumerate(sheet.headings):
                cells.text(ws, 1, c, heading, head_fmt)
            ws.set_column(0, 0, 22)
            ws.set_column(1, len(sheet.headings) - 1, 13)
            for r, (key, values) in enumerate([*sheet.rows, sheet.total], start=2):
                last = r == len(sheet.rows) + 2
                cells.text(ws, r, 0, key, total_fmt if last else key_fmt)
                for c, v in enumerate(values, start=1):
                    decimal = isinstance(v, Decimal)
                    fmt = (amount_total if decimal else count_total) if last else (amount_fmt if decimal else count_fmt)
                    ws.write_number(r, c, float(v), fmt)
            ws.freeze_panes(2, 1)
    finally:
        wb.close()
