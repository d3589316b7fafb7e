"""What the parse worker runs (``bot.services.sheet_parser``): each job bounds its file with
``storage.excel.guard`` and then parses it. Importing this module loads openpyxl, the form checks and the
unit registry — never SQLAlchemy or aiogram, which would cost the worker seconds and tens of MB.

Results cross the process boundary by pickle, so they are plain dataclasses; a refusal travels as
``SpreadsheetRefused``; row problems are data, not exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.contacts_import import (
    KEPT_PROBLEMS,
    ContactEntry,
    ContactsImportRejected,
    ImportProblem,
    parse_contacts,
    read_rows,
)
from bot.services.ledger_rows import ParsedLedger, RowError, check_rows, ledger_kind, parse_ledger
from bot.services.ledger_staging import StageWriter, write_progress
from bot.services.plan_sheets import ParsedPlan, read_plan_sheets
from storage.excel.guard import SheetLimits, open_workbook

LEDGER_KINDS = ("hazards", "inspections")


@dataclass
class LedgerUpload:
    """A ledger or plan file read: ``kind`` ``plans``, ``hazards``, ``inspections`` or None (none of
    them); ``plans`` and ``plan_errors`` for plans, ``ledger`` for the two ledgers."""

    kind: str | None
    plans: list[ParsedPlan] = field(default_factory=list)
    plan_errors: list[RowError] = field(default_factory=list)
    ledger: ParsedLedger | None = None


def read_ledger_upload(path: Path, limits: SheetLimits, today: date, district_code: str,
                       expect: str | None = None, tz: ZoneInfo | None = None, old_before: date | None = None,
                       stage: Path | None = None) -> LedgerUpload:
    """Read a 附件1/2 ledger or 附件3 plan workbook, recognised by its header rows. ``expect`` (the command
    line's kind) reads a file whose header is not recognised as that ledger, to list its header errors.
    ``today`` (in ``tz``, the configured zone) bounds the rows' dates; ``old_before`` (the campaign's start)
    see ``ledger_rows._hazard_values``. With a ``stage`` folder (``bot.services.ledger_staging``) the good
    rows of a 附件2 ledger are streamed there instead of returned, and the rows checked so far counted in its
    ``progress`` file. Raises ``SpreadsheetRefused``."""
    with open_workbook(path, limits) as book:
        kind = ledger_kind(book, limits)
        if kind == "plans":
            plans, errors = read_plan_sheets(book, limits)
            return LedgerUpload("plans", plans, errors)
        layout = kind or (expect if expect in LEDGER_KINDS else None)
        if layout is None:
            return LedgerUpload(None)
        if stage is None or layout != "hazards":
            return LedgerUpload(kind, ledger=parse_ledger(book, layout, today, district_code, limits, tz, old_before))
        ledger = ParsedLedger("hazards", staged=str(stage))
        writer = StageWriter(stage)
        try:
            for n, values in check_rows(book, "hazards", ledger.report, today, district_code, limits, tz, old_before,
                                        tick=lambda rows: write_progress(stage, rows)):
                writer.add(n, values)
        finally:
            writer.close()
        write_progress(stage, ledger.report.rows)
        return LedgerUpload(kind, ledger=ledger)


def read_contacts_upload(path: Path, limits: SheetLimits, filename: str, units: list[tuple[int, str, str]]
                         ) -> tuple[list[ContactEntry], list[ImportProblem], int]:
    """Read and check a 附件4 contacts file (``.xlsx`` or ``.csv`` by ``filename``) against ``units``
    (``(id, code, name)``): the good entries, the first ``KEPT_PROBLEMS`` problems and how many there are
    in all. Raises ``SpreadsheetRefused``."""
    try:
        table = read_rows(path, filename, limits)
    except ContactsImportRejected as exc:
        return [], exc.problems, exc.total
    entries, problems = parse_contacts(table, units)
    return entries, problems[:KEPT_PROBLEMS], len(problems)
