"""``hazardbot export …`` and ``hazardbot import …``: ledgers to and from the annex Excel layouts.

    hazardbot export hazards|inspections|plans|contacts|geojson [--unit U] [--from D] [--to D]
                     [--state S] [--year Y] [--gcj02] -o FILE
    hazardbot export casefile LEDGER_NO -o FILE.pdf
    hazardbot import hazards|inspections|plans FILE [--unit U] [--good-rows]

Large exports print progress on stderr. An import is bounded and read in the parse worker as a file sent
to the bot is (``storage.excel.guard``, ``bot.services.sheet_parser``), with a progress bar on stderr; it prints
what it normalised and every bad row, and imports nothing unless all rows are good (exit status 1) — or, with
``--good-rows`` (附件2), the good rows, listing the rest (exit status 0); importing the same file again adds
nothing. An option that does not apply
to the kind, an empty date range, a missing input file or an output file that cannot be written is
refused with one line on stderr (exit status 2, or 1 when the file turns out unwritable or unreadable).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.channels import LEDGER_IMPORT
from bot.cli.args import input_file, iso_date, output_file
from bot.settings import Settings

if TYPE_CHECKING:  # loaded by the commands that run: ``hazardbot --help`` stays fast (issue 19 item 5)
    from sqlmodel.ext.asyncio.session import AsyncSession

    from storage.excel.guard import SpreadsheetRefused

class _StateChoices(Sequence[str]):
    """``ledger_export.STATE_FILTERS``, loaded when argparse first looks (a ``--state`` given, or ``export --help``):
    the ledger services import the models and the query rules, seconds on a busy machine."""

    def _all(self) -> tuple[str, ...]:
        from bot.services.ledger_export import STATE_FILTERS

        return STATE_FILTERS

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()


STATE_CHOICES = _StateChoices()
# export option (its dest) → its flag and the kinds it filters: given for another kind it would be ignored
EXPORT_OPTIONS = {
    "date_from": ("--from", ("hazards", "inspections", "geojson")),
    "date_to": ("--to", ("hazards", "inspections", "geojson")),
    "state": ("--state", ("hazards", "geojson")),
    "year": ("--year", ("plans",)),
    "gcj02": ("--gcj02", ("geojson",)),
}


# the result line of an export: what was written, counted in the ledger's own words
EXPORT_NOUNS = {
    "hazards": "隐患 {n} 条", "inspections": "检查记录 {n} 条", "plans": "计划 {n} 份", "contacts": "联系人 {n} 名",
    "geojson": "隐患位置 {n} 个", "casefile": "案卷 {n} 份",
}
KIND_NAMES = {"hazards": "隐患台账（附件2）", "inspections": "检查台账（附件1）", "plans": "计划表（附件3）"}


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot export`` and the ledger import commands to the subcommands."""
    exp = sub.add_parser("export", help="export a ledger to .xlsx in the annex layout (or hazards to GeoJSON)")
    exp.add_argument("kind", choices=["hazards", "inspections", "plans", "contacts", "geojson", "casefile"])
    exp.add_argument("number", nargs="?", help="casefile: the hazard's ledger (or draft) number")
    exp.add_argument("--unit", help="unit code (110105001, dept-03) or name: full, short or former "
                                    "(建外街道, 建外, 区安监局)")
    exp.add_argument("--from", dest="date_from", type=iso_date, metavar="DATE",
                     help="hazards, inspections, geojson: first date, YYYY-MM-DD (Asia/Shanghai)")
    exp.add_argument("--to", dest="date_to", type=iso_date, metavar="DATE",
                     help="hazards, inspections, geojson: last date, YYYY-MM-DD (included)")
    exp.add_argument("--state", choices=STATE_CHOICES, metavar="STATE",
                     help="hazards, geojson: %(choices)s (open: registered, rectified or "
                          "closure_requested; overdue: registered past the deadline). The ledger only holds "
                          "hazards with a ledger number, so those still in review or rejected are never exported")
    exp.add_argument("--year", type=int, help="plans: the plan year")
    exp.add_argument("--gcj02", action="store_const", const=True, default=None,
                     help="geojson: coordinates in GCJ-02 (what Chinese map services use) instead of WGS-84")
    exp.add_argument("-o", "--output", required=True, type=output_file, metavar="FILE", help="file to write")
    exp.set_defaults(func=_export)

    imp = sub.add_parser("import", help="import a hazard (附件2) or inspection (附件1) ledger .xlsx")
    imp.add_argument("kind", choices=["hazards", "inspections", "plans"])
    imp.add_argument("file", type=input_file)
    imp.add_argument("--unit", help="hazards, inspections: owner unit of every row (default: 所属街乡 / 检查单位 of each row)")
    imp.add_argument("--good-rows", action="store_true",
                     help="hazards: import the good rows and list the bad ones (default: all rows or nothing)")
    imp.set_defaults(func=_import)


async def _unit_id(session: AsyncSession, text: str | None) -> int | None:
    from sqlmodel import select

    from storage.models import Unit

    if not text:
        return None
    from storage.registry import find_township, match_unit

    # as /status and `invite --unit` read a unit: short and former names too (建外, 区安监局 → 区应急局)
    township, named = find_township(text), match_unit(text)
    codes = {text} | {u.code for u in (township, named) if u is not None}
    unit = (await session.exec(select(Unit).where((Unit.code.in_(codes)) | (Unit.name == text)))).first()  # type: ignore[attr-defined]
    if unit is None:
        raise SystemExit(f"没有这个单位：{text!r}。请给出单位代码（如 110105001、dept-03）或单位名称"
                         "（全称、简称或旧称均可，如 建外街道、建外、区安监局）。")
    return unit.id


def _progress(total: int) -> object:
    def show(n: int) -> None:
        sys.stderr.write(f"\r{n}/{total} 行 ({n * 100 // max(total, 1)}%)")
        if n >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


class ProgressBar:
    """``已检查 N 行`` while the file is checked, then a bar of the rows saved, on stderr, redrawn at most every
    ``every`` seconds (and at the end)."""

    WIDTH = 30

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.shown = 0.0
        self.drawn = False

    async def __call__(self, phase: str, done: int, total: int) -> None:
        """Show ``done`` of ``total`` rows of ``phase`` (``check``: a count; ``save``: a bar with the
        percentage)."""
        now = time.monotonic()
        last = phase == "save" and done >= total
        if now - self.shown < self.every and not last:
            return
        self.shown = now
        if phase == "check":
            line = f"已检查 {done} 行"
        else:
            filled = self.WIDTH * done // max(total, 1)
            line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} 行 ({done * 100 // max(total, 1)}%)"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()
        self.drawn = True

    def end(self) -> None:
        """End the progress line (a newline) if one was drawn."""
        if self.drawn:
            sys.stderr.write("\n")
            self.drawn = False


def _export_problem(args: argparse.Namespace) -> str | None:
    """Why the export options make no sense together, or ``None``."""
    if (args.kind == "casefile") != bool(args.number):
        return ("导出案卷需要隐患的台账编号：hazardbot export casefile 台账编号 -o 文件.pdf"
                if args.kind == "casefile" else f"导出 {args.kind} 不接受编号（只有 casefile 需要）")
    if args.kind == "casefile" and args.unit:
        return "--unit 不适用于 casefile（编号已指明隐患）"
    for dest, (flag, kinds) in EXPORT_OPTIONS.items():
        if getattr(args, dest) is not None and args.kind not in kinds:
            return f"{flag} 不适用于 {args.kind}（只适用于 {'、'.join(kinds)}）"
    if args.date_from and args.date_to and args.date_from > args.date_to:
        return f"--from {args.date_from} 晚于 --to {args.date_to}：这个日期范围是空的"
    return None


def _cannot_write(path: Path, exc: OSError) -> int:
    _err(f"无法写入 {path}：{exc.strerror or exc}")
    return 1


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    problem = _export_problem(args)
    if problem:
        _err(problem)
        return 2
    from xlsxwriter.exceptions import FileCreateError

    try:
        n = await _write_export(args, settings)
        if n < 0:  # already said why on stderr
            return 1
    except FileCreateError as exc:  # plans, contacts: XlsxWriter creates the file when closing the workbook
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
        return _cannot_write(args.output, cause)
    except OSError as exc:  # hazards, inspections (opened first), GeoJSON; any other OSError goes on
        if exc.filename is None or Path(exc.filename) != args.output:
            raise
        return _cannot_write(args.output, exc)
    _out(f"已导出{EXPORT_NOUNS[args.kind].format(n=n)} → {args.output}")
    return 0


async def _write_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import open_core
    from bot.services import ledger_export as ex

    if args.kind == "casefile":
        async with open_core(settings) as core:
            return await _write_case_file(core, args.number, args.output)
    async with open_core(settings) as core, core.uow() as u:  # open_core migrates a fresh database first
        today = core.clock.today()
        f = ex.ExportFilter(await _unit_id(u.session, args.unit), args.date_from, args.date_to, args.state, today,
                             core.clock.tz)
        if args.kind == "plans":
            n = await ex.export_plans(u.session, args.output, args.year, f.unit_id)
        elif args.kind == "contacts":
            from storage.excel.contacts_export import export_contacts

            n = await export_contacts(u.session, args.output, f.unit_id)
        elif args.kind == "geojson":
            n = await ex.export_geojson(u.session, f, args.output, today, gcj02=bool(args.gcj02))
        else:
            query = ex.hazard_query(f) if args.kind == "hazards" else ex.inspection_query(f)
            total = await ex.count(u.session, query)
            run = ex.export_hazards if args.kind == "hazards" else ex.export_inspections
            n = await run(u.session, f, args.output, _progress(total) if total >= 5000 else None)  # type: ignore[arg-type]
    return n


async def _write_case_file(core: object, number: str, output: Path) -> int:
    """The case file of hazard ``number`` as PDF (read as the system account, which sees the district)."""
    from bot.services.actors import Actor
    from bot.services.errors import NotFound

    async with core.uow() as u:  # type: ignore[attr-defined]
        system = await _import_user(u.session)
        await u.commit()
    admin = Actor(system, LEDGER_IMPORT, "台账导入", (), True)
    try:
        made = await core.services.documents.case_file_by_number(admin, number)  # type: ignore[attr-defined]
    except NotFound:
        _err(f"没有台账编号或草稿编号为 {number} 的隐患")
        return -1
    output.write_bytes(made.data)
    return 1


async def _import_user(session: AsyncSession) -> int:
    from sqlmodel import select

    from storage.models import User

    user = (await session.exec(select(User).where(User.channel == LEDGER_IMPORT.channel, User.address == LEDGER_IMPORT.address))).first()
    if user is None:
        user = User(channel=LEDGER_IMPORT.channel, address=LEDGER_IMPORT.address, full_name="台账导入")
        session.add(user)
        await session.flush()
    assert user.id is not None
    return user.id


def _refusal(path: Path, exc: SpreadsheetRefused) -> str:
    if exc.reason == "not_xlsx":
        return f"{path} 不是 Excel 工作簿：请在 Excel 中打开并另存为 .xlsx"
    if exc.reason == "damaged":
        return f"{path} 已损坏或不完整：请在 Excel 中打开并重新保存为 .xlsx"
    from bot.sheet_refusals import sheet_refusal_zh

    return f"{path}：{sheet_refusal_zh(exc.params)}未导入任何数据。"


async def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import open_core
    from bot.i18n import DEFAULT_LOCALE
    from bot.services.actors import Actor
    from bot.services.import_summary import imported_summary
    from bot.services.reports import LedgerKindMismatch, UnknownLedgerFile
    from storage.excel.guard import SpreadsheetRefused, check_archive

    if args.unit and args.kind == "plans":
        _err("--unit 不适用于 plans：每张工作表都写明了单位（单位名称）")
        return 2
    if args.good_rows and args.kind != "hazards":
        _err(f"--good-rows 只适用于 hazards：{args.kind} 要么全部导入，要么都不导入")
        return 2
    sheets = settings.sheet_parser()
    try:
        check_archive(args.file, sheets.limits)  # before the database is opened: a PDF costs nothing
    except SpreadsheetRefused as exc:
        _err(_refusal(args.file, exc))
        return 1
    async with open_core(settings) as core:  # open_core migrates a fresh database first
        async with core.uow() as u:
            actor = await _import_user(u.session)
            unit_id = await _unit_id(u.session, args.unit)
            await u.commit()  # the import user must exist for the rows' own transaction
        system = Actor(actor, LEDGER_IMPORT, "台账导入", (), True)
        bar = ProgressBar()
        try:  # bounded and read in the parse worker, exactly as a file sent to the bot
            kind, report = await core.services.reports.import_file(
                system, args.file, expect=args.kind, unit_id=unit_id, good_rows=args.good_rows, progress=bar)
        except SpreadsheetRefused as exc:
            bar.end()
            _err(_refusal(args.file, exc))
            return 1
        except LedgerKindMismatch as exc:
            bar.end()
            found = exc.params["found"]
            _err(f"{args.file} 是{KIND_NAMES.get(found, found)}，不是{KIND_NAMES.get(args.kind, args.kind)}：请用 `hazardbot import {found} {args.file}`")
            return 1
        except UnknownLedgerFile:
            bar.end()
            _err(f"{args.file} 不是计划表（附件3：每张工作表的 A2 单元格为单位名称）")
            return 1
        bar.end()
    if report.notes:
        _err(f"按附件2规范整理 {len(report.notes) + report.notes_omitted} 处：")
    for note in report.notes:
        _err(f"  {note}")
    if report.notes_omitted:
        _err(f"  …… 另有 {report.notes_omitted} 处")
    for error in report.errors:
        _err(str(error))
    if report.omitted:
        _err(f"…… 另有 {report.omitted} 处")
    if report.skipped:
        _err(f"{report.error_count} 处错误，{report.skipped} 行未导入（见上）")
    elif not report.ok:
        _err(f"{report.error_count} 处错误，未导入任何行")
        return 1
    if kind == "plans":
        _out(f"{report.rows} 行：新增 {report.added}")
    else:  # the bot's own words: a row already in the ledger is skipped, not updated
        _out(imported_summary(report).render(DEFAULT_LOCALE))
    return 0
