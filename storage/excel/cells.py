"""Text cells that a spreadsheet never runs (CSV / formula injection, OWASP "CSV Injection").

Excel, WPS and LibreOffice read a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (also after a tab or
carriage return, and in the full-width forms a Chinese keyboard types: ``＝ ＋ － ＠``) as a formula, and a
formula can open links (``=HYPERLINK``) or run commands (DDE). Every export writes what people typed —
site names, descriptions, remarks, contact names, the public's tip-offs — through this module:

- ``.xlsx`` (XlsxWriter): always a string cell (never ``write``, which turns ``=…`` into a formula, nor
  ``merge_range``'s text, which goes through ``write``); a text that looks like a formula also gets Excel's
  "quote prefix" style, so that editing the cell keeps it text, while the value stays exactly what was typed
  (an export imports back unchanged);
- CSV: a text that looks like a formula is written with a leading ``'``, which the spreadsheet shows and
  keeps as text.
"""

from __future__ import annotations

from typing import Any

#: first characters that make a spreadsheet read a cell as a formula (after any leading spaces)
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
_SPACES = " \u3000\u00a0"


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    stripped = text.lstrip(_SPACES)
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell: a formula-like text gets a leading ``'``; anything else is unchanged."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


class TextCells:
    """Writes text to the sheets of one XlsxWriter workbook ``wb``, always as strings.

    Formats are made with ``fmt(props)`` so that each has a quote-prefixed twin, used for formula-like text.
    """

    def __init__(self, wb: Any) -> None:
        self._wb = wb
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int | None, Any] = {}

    def fmt(self, props: dict[str, Any]) -> Any:
        """A new cell format with ``props`` (XlsxWriter format properties)."""
        made = self._wb.add_format(props)
        self._props[id(made)] = dict(props)
        return made

    def _quote(self, fmt: Any) -> Any:
        key = None if fmt is None else id(fmt)
        if key not in self._quoted:
            if key is None:
                props: dict[str, Any] = {}
            elif key in self._props:
                props = self._props[key]
            else:
                raise ValueError("a format of a text cell must come from TextCells.fmt")
            self._quoted[key] = self._wb.add_format({**props, "quote_prefix": True})
        return self._quoted[key]

    def text(self, ws: Any, row: int, col: int, value: str, fmt: Any = None) -> None:
        """``value`` at (``row``, ``col``) as a string cell."""
        ws.write_string(row, col, value, self._quote(fmt) if looks_like_formula(value) else fmt)

    def merged(self, ws: Any, first_row: int, first_col: int, last_row: int, last_col: int, value: Any,
               fmt: Any = None) -> None:
        """A merged range holding ``value``: text as a string cell (``text``), a number as a number."""
        ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)
        if isinstance(value, str):
            if value:
                self.text(ws, first_row, first_col, value, fmt)
        elif value is not None:
            ws.write_number(first_row, first_col, value, fmt)
