"""What a ledger import did with its rows, in the same words for the bot and the command line."""

from __future__ import annotations

from bot.services.ledger_rows import ImportReport
from reminders.texts import Text, _, text


def _imported(report: ImportReport) -> str:
    if report.added and not report.unchanged:
        return _("Imported {added} rows, all new to the ledger.").format(added=report.added)
    if report.added:
        return _("Imported {added} new rows. The other {unchanged} rows were already in the ledger and were skipped: "
                 "their records stay as they were, not updated from this file.").format(
            added=report.added, unchanged=report.unchanged)
    if report.unchanged:
        return _("Nothing new was imported: all {unchanged} rows were already in the ledger and were skipped; their "
                 "records stay as they were, not updated from this file.").format(unchanged=report.unchanged)
    return _("Nothing was imported: the file has no data rows.")


def imported_summary(report: ImportReport) -> Text:
    """One sentence on what a saved 附件1/附件2 import did (``report.added`` new rows, ``report.unchanged`` rows
    already there): a row already in the ledger (the same ledger number; for 附件1 the same date, unit, type,
    site and address) is skipped, its stored record left as it was — the file never updates it (the rule of
    ``bot.services.ledger_import``). Rendered in the reader's locale (``Text.render``; the command line: Chinese)."""
    return text(_imported, report)
