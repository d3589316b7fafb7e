"""Why a spreadsheet was refused (``storage.excel.guard.SpreadsheetRefused``), in the user's words: one table for
the bot (``handlers.sheet_texts``) and the command line (``bot.cli``), which must not import aiogram."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _(message: str) -> str:
    """Marks ``message`` as a message id for the catalog (``bot.catalog`` extracts ``_()``); translated when shown."""
    return message


SHEET_REFUSALS = {
    "too_large": _("That file is {size_mb} MB; spreadsheets of at most {max_mb} MB are accepted."),
    "not_xlsx": _("That file is not an Excel workbook (.xlsx). Open it in Excel, save it as .xlsx and send it again."),
    "damaged": _("That workbook is damaged or incomplete. Open it in Excel, save it again and send it again."),
    "bloated": _("The file is too large or malformed: unpacked, it holds far more than a table. Send the annex table only."),
    "too_many_rows": _("Sheet {sheet} reaches row {rows}; at most {max} rows are imported at once. "
                       "Delete the rows below the table or split the file."),
    "too_many_columns": _("Sheet {sheet} reaches column {columns}; at most {max} columns are read. "
                          "Delete the columns beside the table or split the file."),
    "too_many_cells": _("The workbook has more than {max} filled cells. Split it into smaller files."),
    "too_many_strings": _("The file is too large or malformed: it holds far more texts than its table can show "
                          "(at most {max}). Send the annex table only."),
    "formulas": _("Cells {cells} hold formulas without a calculated value ({count} in all), so they would be "
                  "imported as empty. Open the file in Excel and save it (or type the values in), then send it again."),
    "too_heavy": _("The file is too large or malformed: reading it needed more memory or time than allowed. "
                   "Send a smaller file in the layout of the annex."),
}
#: a file without sheets (CSV) beyond the bounds: named as the person sent it (``file``), or not named at all when
#: its name is not known — never by the copy the bot reads
FILE_REFUSALS = {
    "too_many_rows": _("File “{file}” reaches row {rows}; at most {max} rows are imported at once. "
                       "Delete the rows below the table or split the file."),
    "too_many_columns": _("File “{file}” reaches column {columns}; at most {max} columns are read. "
                          "Delete the columns beside the table or split the file."),
}
UNNAMED_REFUSALS = {
    "too_many_rows": _("The file reaches row {rows}; at most {max} rows are imported at once. "
                       "Delete the rows below the table or split the file."),
    "too_many_columns": _("The file reaches column {columns}; at most {max} columns are read. "
                          "Delete the columns beside the table or split the file."),
}


def sheet_refusal_text(params: dict[str, Any], translate: Callable[[str], str],
                       shown: Callable[[str], str] = str) -> str:
    """The text for ``SpreadsheetRefused.params`` (``reason`` and its details): the message id of the reason (an
    unknown one reads as ``damaged``; a bound of a file without sheets, ``file`` instead of ``sheet``, as
    ``FILE_REFUSALS`` or, ``file`` empty, ``UNNAMED_REFUSALS``) through ``translate``, each detail through ``shown``
    (HTML-escaped for Telegram, as it is for a terminal)."""
    reason = str(params.get("reason"))
    table = SHEET_REFUSALS
    if "file" in params and reason in FILE_REFUSALS:
        table = FILE_REFUSALS if params["file"] else UNNAMED_REFUSALS
    message = table.get(reason, SHEET_REFUSALS["damaged"])
    return translate(message).format(**{k: shown(str(v)) for k, v in params.items()})


def sheet_refusal_zh(params: dict[str, Any]) -> str:
    """``sheet_refusal_text`` in Simplified Chinese for the command line (details as they are)."""
    from bot.i18n import DEFAULT_LOCALE, translate

    return sheet_refusal_text(params, lambda message: translate(DEFAULT_LOCALE, message))
