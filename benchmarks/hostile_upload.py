"""How long another user waits for /help while a hostile spreadsheet is imported (issue 14, finding 1).

    PYTHONPATH=. python benchmarks/hostile_upload.py [--db sqlite|postgresql] [--interval 0.1] [--record FILE]

The office sends a file through the real dispatcher while a second user sends /help every ``interval``
seconds; each /help's latency runs from the moment it was due until the dispatcher has answered it, on
the same event loop as the import (the upload runs as a task, as aiogram's polling runs updates). A /help
due while the loop is blocked is answered late, and that lateness is its latency; the /help due next
after a blocked stretch is the first one sent when the loop is back, so a freeze of N s shows as one
latency of about N s.
Files, each about 5 MB:

* ``ledger`` — a 附件2 hazard ledger of 49 997 rows (the most the bounds let in) in which every row is
  wrong (an unknown township): all of it must be read and checked before "nothing was imported" can be
  said (the 44-s freeze);
* ``plan`` — a 附件3 plan of 49 995 arrangement rows (far beyond a plan);
* ``zip_bomb`` and ``dimension_bomb`` from ``tests.hostile_sheets`` (1 MB and 1.7 KB).

Reported per file: the import's wall time and answer, /help latencies (count, median, p95, max), the bot
process's peak resident growth (VmHWM reset via /proc/self/clear_refs) and the parse worker's peak RSS.
The script only uses the dispatcher and the Bot API stand-in, so it also runs on older commits.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

LAST_ROW = 50_000  # the default bound: both files end on it, so the worker reads them whole
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
TEXT_KEYS = ("site_name", "address", "person_in_charge", "description", "measures", "remarks")


def _kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(CJK) for _ in range(n))


def ledger_file(path: Path) -> None:
    """Data rows up to ``LAST_ROW`` in the 附件2 layout, plausible except for a township that does not exist."""
    from storage.excel.layouts import HAZARDS
    from storage.excel.writer import write_ledger

    rng = random.Random(14)
    words = [_text(rng, 4) for _ in range(400)]

    def rows() -> Any:
        for i in range(LAST_ROW - 3):  # after the title and two header rows
            yield {k: rng.choice(words) + rng.choice(words) + rng.choice(words) for k in TEXT_KEYS} | {
                "ledger_number": f"110105001201810{i:06d}", "registered_on": date(2018, 10, 15),
                "township": "不存在街道", "phone": f"139{rng.randrange(10**8):08d}", "deadline": date(2018, 12, 31)}

    write_ledger(path, HAZARDS, rows())


def plan_file(path: Path) -> None:
    """A 附件3 plan for 朝外街道 with arrangement rows of random text down to row ``LAST_ROW``."""
    import xlsxwriter

    rng = random.Random(3)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("朝外街道2019")
    sheet.write_row(0, 0, ["2019年度监督检查计划表"])
    sheet.write_row(1, 0, ["单位名称", "朝外街道"])
    sheet.write_row(2, 0, ["", "年度监督检查目标（家次）", "", "挂账隐患核查比例（%）"])
    sheet.write_row(3, 0, ["", 20, "", 10])
    sheet.write_row(4, 0, ["", "检查时间安排", "参加检查部门及人员", "检查地区或单位名称", "检查重点内容"])
    for i in range(5, LAST_ROW):
        sheet.write_row(i, 0, ["", _text(rng, 10), _text(rng, 10), _text(rng, 10), _text(rng, 10)])
    book.close()


async def measure(kind: str, data: bytes, database_url: str, workdir: Path, interval: float) -> dict[str, Any]:
    from aiogram.methods import SendMessage

    from bot.app import build_bot, build_dispatcher
    from bot.clock import fixed_clock
    from bot.core import open_core
    from bot.domain import Role
    from bot.local_chat import LocalChat, plain
    from bot.local_session import LocalSession
    from bot.settings import Settings
    from bot.updates import UpdateFactory

    settings = Settings(database_url=database_url, data_dir=workdir / "data", admin_ids=[])
    now = fixed_clock(datetime(2019, 3, 1, 10, tzinfo=settings.tz))
    async with open_core(settings, clock=now) as core:
        session, factory = LocalSession(), UpdateFactory()
        bot = build_bot(settings, session)
        dp = build_dispatcher(core)
        issued = await core.services.invites.issue(Role.OFFICE, "区安委会办公室", issuer=None)
        office = LocalChat(dp, bot, session, factory, UpdateFactory.user(91001, "办公室"))
        await office.say(f"/bind {issued.code}")
        other = UpdateFactory.user(91002, "路人")
        await dp.feed_update(bot, factory.text(other, "/help"))  # warm: the first /help loads its texts
        file_id, unique_id, size = session.register_file(data)
        upload = factory.document(office.user, file_id, unique_id, size, f"{kind}.xlsx", XLSX)

        sheets = getattr(core.services.reports, "_sheets", None)
        jobs = sheets.workers.jobs if sheets is not None else 0
        Path("/proc/self/clear_refs").write_text("5")
        rss0 = _kb("VmRSS")
        started = time.perf_counter()
        task = asyncio.create_task(dp.feed_update(bot, upload))
        latencies: list[float] = []
        k = 0
        while not task.done():
            # the user sends at start + k·interval whatever the bot is doing; a blocked loop wakes this
            # late, and the lateness counts: latency runs from when /help was due, not when it got in
            due = started + k * interval
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await dp.feed_update(bot, factory.text(other, "/help"))
            latencies.append(time.perf_counter() - due)
            k = max(k + 1, int((time.perf_counter() - started) / interval))
        await task
        wall = time.perf_counter() - started
        growth = (_kb("VmHWM") - rss0) / 1024
        worker_kb = sheets.workers.last_peak_kb if sheets is not None and sheets.workers.jobs > jobs else 0
        answer = next(plain(m.text) for m in reversed(session.requests)
                      if isinstance(m, SendMessage) and m.chat_id == office.user.id).splitlines()[0][:70]
    return {"kind": kind, "size_mb": len(data) / 2**20, "wall": wall, "answer": answer, "helps": len(latencies),
            "median": statistics.median(latencies) if latencies else 0.0,
            "p95": sorted(latencies)[math.ceil(0.95 * len(latencies)) - 1] if latencies else 0.0,  # nearest rank
            "max": max(latencies, default=0.0), "growth_mb": growth, "worker_mb": worker_kb / 1024}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between two /help")
    parser.add_argument("--only", nargs="*", default=["ledger", "plan", "zip_bomb", "dimension_bomb"])
    parser.add_argument("--record", type=Path, help="append the table to this Markdown file")
    args = parser.parse_args()
    from tests import hostile_sheets as hs

    with tempfile.TemporaryDirectory(prefix="hazardbot-bench-") as folder:
        work = Path(folder)
        files: dict[str, bytes] = {}
        for kind in args.only:
            if kind in ("ledger", "plan"):
                path = work / f"{kind}.xlsx"
                (ledger_file if kind == "ledger" else plan_file)(path)
                files[kind] = path.read_bytes()
            else:
                files[kind] = getattr(hs, kind)()
        results = []
        for kind, data in files.items():
            if args.db == "sqlite":
                url = f"sqlite+aiosqlite:///{work / (kind + '.db')}"
                drop = None
            else:
                from benchmarks.dispatch_throughput import _pg_database

                url, drop = await _pg_database()
            load_before = os.getloadavg()[0]
            try:
                result = await measure(kind, data, url, work / kind, args.interval)
            finally:
                if drop is not None:
                    await drop()
            result["load"] = f"{load_before:.2f} → {os.getloadavg()[0]:.2f}"
            results.append(result)
            print(result, flush=True)  # noqa: T201
    head = ("| file | MB | import s | answer | /help n | median ms | p95 ms | max ms | bot peak growth MB "
            "| worker peak MB | load avg (1 min) |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    def row(r: dict[str, Any]) -> str:
        worker = f"{r['worker_mb']:.0f}" if r["worker_mb"] else "—"
        return (f"| {r['kind']} | {r['size_mb']:.2f} | {r['wall']:.1f} | {r['answer']} | {r['helps']} "
                f"| {r['median'] * 1000:.0f} | {r['p95'] * 1000:.0f} | {r['max'] * 1000:.0f} | {r['growth_mb']:.0f} "
                f"| {worker} | {r['load']} |")

    lines = [head] + [row(r) for r in results]
    table = "\n".join(lines)
    print(table)  # noqa: T201
    if args.record:
        with args.record.open("a", encoding="utf-8") as fh:
            fh.write(f"\n`hostile_upload.py {' '.join(sys.argv[1:])}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:\n\n")
            fh.write(table + "\n")


if __name__ == "__main__":
    asyncio.run(main())
