"""``hazardbot tipoffs export``: the tip-offs as CSV (UTF-8 with BOM, opens in Excel), without any
reporter identity or contact (issue 6: those stay with the district office, never in exports), and with
no cell a spreadsheet would run as a formula (``storage.excel.cells``)."""

from __future__ import annotations

import argparse
import csv
import io
import sys

from bot.cli.args import output_file
from bot.settings import Settings

HEADERS_ZH = {
    "number": "受理编号", "reported_on": "举报日期", "township": "街乡", "address": "地址", "status": "状态",
    "reason": "不属实原因", "hazard": "隐患编号", "description": "举报内容",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot tipoffs export`` (``--out FILE``) to the subcommands."""
    tipoffs = sub.add_parser("tipoffs", help="tip-offs from the public")
    tip_sub = tipoffs.add_subparsers(dest="tipoffs_command", required=True)
    export = tip_sub.add_parser("export", help="write every tip-off as CSV (no reporter identity)")
    export.add_argument("--out", type=output_file, metavar="FILE", help="file to write (default: standard output)")
    export.set_defaults(func=export_csv)


async def export_csv(args: argparse.Namespace, settings: Settings) -> int:
    """``hazardbot tipoffs export``: every tip-off as CSV with Chinese headers (UTF-8 with BOM, no reporter
    identity, cells made safe from formulas) to ``--out`` or standard output. Returns 1 when the file
    cannot be written."""
    from bot.core import open_core
    from bot.services.tipoffs import EXPORT_COLUMNS
    from storage.excel.cells import csv_cell

    async with open_core(settings) as core:
        rows = await core.services.tipoffs.export_rows(None)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writerow(HEADERS_ZH)
    # the public typed the descriptions and addresses: nothing in them may run as a formula in Excel
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
    if args.out:
        try:
            args.out.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"无法写入 {args.out}：{exc.strerror or exc}\n")
            return 1
        sys.stderr.write(f"已将 {len(rows)} 条群众举报写入 {args.out}\n")
    else:
        sys.stdout.write(buffer.getvalue())
    return 0
