"""Why an uploaded spreadsheet was refused (``storage.excel.guard.SpreadsheetRefused``), in the user's words (the
texts: ``bot.sheet_refusals``, shared with the command line)."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.utils.i18n import gettext

from bot.sheet_refusals import sheet_refusal_text


def sheet_refusal(params: dict[str, Any]) -> str:
    """The text for ``SpreadsheetRefused.params`` (``reason`` and its details); user-given values escaped."""
    return sheet_refusal_text(params, gettext, lambda value: escape(value, quote=False))  # as texts.q
