"""Writing a ledger to ``.xlsx`` in an annex layout with XlsxWriter in constant-memory mode: rows are
flushed as they are written, so memory stays flat whatever the number of rows.

Sheet: row 1 the annex title merged across; rows 2–3 the headers (a group merged over its sub-columns,
a single column merged over both rows); data from row 4; value-list validation on the choice columns
(lists kept on a hidden sheet ``值列表``, since Excel limits inline lists to 255 characters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from storage.excel.cells import TextCells
from storage.excel.layouts import FIRST_DATA_ROW, HEADER_ROWS, TITLE_ROW, Layout, value_lists

LISTS_SHEET = "值列表"
VALIDATION_ROWS = 10_000  # validated empty rows below the data, for entries typed in later
PROGRESS_EVERY = 5_000


def write_ledger(
    path: str | Path,
    layout: Layout,
    rows: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``rows`` (dicts keyed by the layout's column keys) to ``path``; returns the row count.

    Values: ``str`` as text, never a formula (``storage.excel.cells``; ledger numbers and phones keep every digit), ``int``/``Decimal`` as numbers,
    ``date`` as dates (yyyy-mm-dd), None as empty. ``progress(n)`` is called every 5 000 rows and at the end.
    """
    writer = LedgerWriter(path, layout, progress)
    try:
        writer.write(rows)
    finally:
        n = writer.close()
    return n


class LedgerWriter:
    """An open annex workbook: ``write(rows)`` any number of times (e.g. per database batch, from a
    worker thread), then ``close()`` adds the validations and returns the row count.

    The file is opened first, so a path that cannot be written raises ``OSError`` before any row is
    read (XlsxWriter itself would only fail when closing, leaving its temporary files open)."""

    def __init__(self, path: str | Path, layout: Layout, progress: Callable[[int], None] | None = None) -> None:
        self.layout = layout
        self.progress = progress
        self.n = 0
        self._file = open(path, "wb")  # noqa: SIM115  (closed by close())
        self._wb = xlsxwriter.Workbook(self._file, {"constant_memory": True, "strings_to_numbers": False})
        self._ws = self._wb.add_worksheet(layout.sheet)
        self._cells = TextCells(self._wb)  # every text as a string, never a formula
        self._day = self._wb.add_format({"num_format": "yyyy-mm-dd"})
        self._keys = [c.key for c in layout.columns]
        self._headers()

    def _headers(self) -> None:
        ws, layout, cells = self._ws, self.layout, self._cells
        title = cells.fmt({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        head = cells.fmt({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True})
        ncols = len(layout.columns)
        for i, c in enumerate(layout.columns):
            ws.set_column(i, i, c.width)
        ws.set_row(TITLE_ROW, 30)
        cells.merged(ws, TITLE_ROW, 0, TITLE_ROW, ncols - 1, layout.title, title)
        top, sub = HEADER_ROWS
        # constant_memory flushes a row as soon as a later row is written, so every header cell is written
        # in row order; vertical merges are registered without merge_range (which would write row ``sub``
        # before the rest of row ``top``).
        vertical = []
        for text, first, last in layout.groups():
            if first == last and layout.columns[first].group is None:
                cells.text(ws, top, first, text, head)
                ws.merge.append([top, first, sub, first])
                vertical.append(first)
            elif first == last:
                cells.text(ws, top, first, text, head)
            else:
                cells.merged(ws, top, first, top, last, text, head)
        for i, c in enumerate(layout.columns):
            if c.group is not None:
                cells.text(ws, sub, i, c.header, head)
            elif i in vertical:
                ws.write_blank(sub, i, None, head)
        ws.freeze_panes(FIRST_DATA_ROW, 0)

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        ws, day, cells = self._ws, self._day, self._cells
        for row in rows:
            r = FIRST_DATA_ROW + self.n
            for col, key in enumerate(self._keys):
                value = row.get(key)
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    cells.text(ws, r, col, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, col, value.replace(tzinfo=None), day)
                elif isinstance(value, date):
                    ws.write_datetime(r, col, value, day)  # XlsxWriter takes a date as midnight
                elif isinstance(value, int | float | Decimal):
                    ws.write_number(r, col, float(value))
                else:
                    cells.text(ws, r, col, str(value))
            self.n += 1
            if self.progress is not None and self.n % PROGRESS_EVERY == 0:
                self.progress(self.n)

    def close(self) -> int:
        try:
            _validations(self._wb, self._ws, self.layout, self.n)
        finally:
            try:
                self._wb.close()
            finally:
                self._file.close()
        if self.progress is not None:
            self.progress(self.n)
        return self.n


def _validations(wb: Any, ws: Any, layout: Layout, n: int) -> None:
    lists = value_lists()
    used = [name for name in dict.fromkeys(c.choices for c in layout.columns if c.choices)]
    if not used:
        return
    hidden = wb.add_worksheet(LISTS_SHEET)
    longest = max(len(lists[name]) for name in used)
    for r in range(longest):
        for col, name in enumerate(used):
            if r < len(lists[name]):
                hidden.write_string(r, col, lists[name][r])
    hidden.hide()
    last_row = FIRST_DATA_ROW + n + VALIDATION_ROWS
    for i, c in enumerate(layout.columns):
        if not c.choices:
            continue
        letter = xl_col_to_name(used.index(c.choices))
        ws.data_validation(FIRST_DATA_ROW, i, last_row, i, {
            "validate": "list",
            "source": f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(lists[c.choices])}",
            # district departments and townships may be spelled otherwise in old ledgers: warn, do not block
            "error_type": "warning" if c.choices in ("departments",) else "stop",
            "error_title": c.header,
            "error_message": f"请从下拉列表中选择{c.header}",
        })
