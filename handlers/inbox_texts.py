"""Why a submission's file or an inbox action was refused (codes of ``storage.upload_kinds``,
``reminders.submissions``, ``bot.services.inbox``, ``bot.services.inbox_export``), in the user's language."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.texts import listed, q
from storage.upload_kinds import ACCEPTED_KINDS

INBOX_ERRORS = frozenset({"upload_too_big", "file_kind_refused", "too_many_files", "not_typical",
                          "nothing_to_export", "export_too_big", "bad_month"})


def inbox_refusal(code: str, params: dict[str, Any]) -> str:
    """The text of one of ``INBOX_ERRORS`` (another code reads as ``export_too_big``); a number missing from
    ``params`` reads "?"."""
    p = defaultdict(lambda: "?", {k: q(v) for k, v in params.items()}, kinds=listed(ACCEPTED_KINDS))
    texts = {
        "upload_too_big": _("That file is {size_mb} MB; the bot can receive at most 20 MB. Send a smaller file, or "
                            "split it into parts."),
        "file_kind_refused": _("That file was not accepted: it is not one of the kinds kept ({kinds}), or it is "
                               "damaged. Send the document as PDF, Word or Excel."),
        "too_many_files": _("This submission already holds {limit} files; send /done and start another one for "
                            "more."),
        "not_typical": _("Only a submission marked as a typical case can be published."),
        "bad_month": _("{month} is not a month: write the year and month as 2026-11 (or 2026年11月), a month 1–12 "
                       "of the years {first}–{last}."),
        "nothing_to_export": _("Nothing was submitted under this selection, so there is nothing to export."),
        "export_too_big": _("The files come to {size_mb} MB, more than the {max_mb} MB sent at once. Narrow the list "
                            "by unit or kind (for example /submissions 2019-11 朝外街道) and export again."),
    }
    return texts.get(code, texts["export_too_big"]).format_map(p)
