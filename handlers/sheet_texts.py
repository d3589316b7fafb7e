"""Why an uploaded spreadsheet was refused (``storage.excel.guard.SpreadsheetRefused``), in the user's words."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _


def sheet_refusal(params: dict[str, Any]) -> str:
    """The text for ``SpreadsheetRefused.params`` (``reason`` and its details); user-given values escaped."""
    p = {k: escape(str(v), quote=False) for k, v in params.items()}  # as texts.q; importing it would close a circle
    reason = params.get("reason")
    texts = {
        "too_large": _("That file is {size_mb} MB; spreadsheets of at most {max_mb} MB are accepted."),
        "not_xlsx": _("That file is not an Excel workbook (.xlsx). Open it in Excel, save it as .xlsx and send it again."),
        "damaged": _("That workbook is damaged or incomplete. Open it in Excel, save it again and send it again."),
        "bloated": _("The file is too large or malformed: unpacked, it holds far more than a table. Send the annex table only."),
        "too_many_rows": _("Sheet {sheet} reaches row {rows}; at most {max} rows are imported at once. "
                           "Delete the rows below the table or split the file."),
        "too_many_columns": _("Sheet {sheet} reaches column {columns}; at most {max} columns are read. "
                              "Delete the columns beside the table or split the file."),
        "too_many_cells": _("The workbook has more than {max} filled cells. Split it into smaller files."),
        "formulas": _("Cells {cells} hold formulas without a calculated value ({count} in all), so they would be "
                      "imported as empty. Open the file in Excel and save it (or type the values in), then send it again."),
        "too_heavy": _("The file is too large or malformed: reading it needed more memory or time than allowed. "
                       "Send a smaller file in the layout of the annex."),
    }
    return texts.get(str(reason), texts["damaged"]).format(**p)
