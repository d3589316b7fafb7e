"""Writing a ledger to ``.xlsx`` in an annex layout with XlsxWriter in constant-memory mode: rows are
flushed as they are written, so memory stays flat whatever the number of rows.

Sheet: row 1 the annex title merged across; rows 2–3 the headers (a group merged over its sub-columns,
a single column merged over both rows); data from row 4; value-list validation on the choice columns
(lists kept on a hidden sheet ``值列表``, since Excel limits inline lists to 255 characters).

Printing: A4 landscape, fit to one page wide, the title and header rows repeated on every page, the
填报单位 and 填报日期 in every page's header and "第 N 页 共 M 页" in its footer (rows above the header
would move the layout that imports read); the annex's 填表说明 on a second sheet ``填表说明``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
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

    def __init__(self, path: str | Path, layout: Layout, progress: Callable[[int], None] | None = None, *,
                 filled_by: str = "", filled_on: date | None = None) -> None:
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
        _print_setup(self._ws, filled_by, filled_on)

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
        """Append ``rows`` (dicts by column key; None and empty strings leave the cell blank, dates as dates)."""
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
        """Add the notes sheet and the validations, close the file and return the number of rows written."""
        try:
            _notes_sheet(self._wb, self.layout)
            _validations(self._wb, self._ws, self.layout, self.n)
        finally:
            try:
                self._wb.close()
            finally:
                self._file.close()
        if self.progress is not None:
            self.progress(self.n)
        return self.n


NOTES_SHEET = "填表说明"


def _header_text(text: str) -> str:
    return text.replace("&", "&&")  # "&" starts an Excel header code


def _print_setup(ws: Any, filled_by: str, filled_on: date | None) -> None:
    """A4 landscape, one page wide, title and headers on every page, 填报单位 / 填报日期 and page numbers."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(TITLE_ROW, HEADER_ROWS[1])
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    unit = _header_text(filled_by) if filled_by else "__________"
    day = filled_on.isoformat() if filled_on else "____年__月__日"
    ws.set_header(f"&L填报单位：{unit}&R填报日期：{day}")
    ws.set_footer("&C第 &P 页 共 &N 页")


@cache
def annex_notes() -> dict[str, list[str]]:
    """The 填表说明 of each annex from ``config/data/annex-notes.toml``."""
    text = (resources.files("config") / "data" / "annex-notes.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _notes_sheet(wb: Any, layout: Layout) -> None:
    notes = annex_notes().get(layout.name)
    if not notes:
        return
    ws = wb.add_worksheet(NOTES_SHEET)
    ws.set_column(0, 0, 110)
    ws.set_portrait()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, f"{layout.name} {layout.title} 填表说明", wb.add_format({"bold": True, "font_size": 14}))
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for i, note in enumerate(notes, 1):
        ws.write_string(i + 1, 0, f"{i}. {note}", wrap)


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
