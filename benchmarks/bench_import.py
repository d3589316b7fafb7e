"""Import of a big 附件2 ledger (issue 19 item 2) against its anchor: CPU and peak memory, interleaved.

    PYTHONPATH=. python benchmarks/bench_import.py            # small: 5 000 rows, 2 pairs, about a minute
    PYTHONPATH=. python benchmarks/bench_import.py --rows 92000 --pairs 1

The file: a 附件2 workbook in the annex layout (title, two header rows) written with XlsxWriter, rows shaped like
an old unit ledger (43 townships, valid ledger numbers, a few old-ledger variants: category-only types, 长期,
群众举报, 400 numbers, dotted dates). Each measurement runs in its own process on a fresh copy of a migrated
SQLite database holding the unit registry:

- ``ours``: ``ReportService.import_file`` as ``hazardbot import hazards`` runs it (guard scan and check in the
  parse worker, rows staged, batched Core inserts, one transaction), timed from the call to the commit plus
  the worker's CPU (the pool is closed so its CPU is counted); peak = the larger of the bot process's and
  the worker's peak RSS (``ru_maxrss`` of the process and its waited children), imports included;
- ``anchor``: openpyxl ``read_only`` rows straight into ``sqlite3`` ``executemany`` (no checks, no events).

Ratios are ours ÷ anchor per pair; the median and the spread (min–max) are printed and appended, with the
load average, to ``benchmarks/RESULTS-import.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS-import.md")
TODAY = date(2026, 12, 7)


def make_ledger(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` good 附件2 rows (a few in the spellings of old ledgers) in the annex layout."""
    import xlsxwriter

    from storage.excel.layouts import HAZARDS
    from storage.registry import townships

    rng = random.Random(seed)
    towns = townships()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet(HAZARDS.sheet)
    ws.write_row(0, 0, [HAZARDS.title])
    ws.write_row(1, 0, [c.group or c.header for c in HAZARDS.columns])
    ws.write_row(2, 0, [c.header for c in HAZARDS.columns])
    start = date(2019, 1, 1)
    for i in range(rows):
        town = towns[i % len(towns)]
        day = start + timedelta(days=(i // len(towns)) // 100)
        seq = (i // len(towns)) % 100 + 1
        variant = i % 50
        ws.write_row(i + 3, 0, [
            f"110105{town.code[-3:]}{day:%Y%m%d}{seq:04d}",
            f"{day.year}.{day.month}.{day.day}" if variant == 1 else day.isoformat(),
            "朝阳区", town.name, f"场所{i}", f"朝阳区某路{i}号", "张三",
            "400-810-1234" if variant == 2 else f"139{rng.randrange(10**8):08d}", "个人", rng.randint(1, 300),
            "", "", "", "群众举报" if variant == 3 else "检查", "楼道堆放杂物，堵塞疏散通道",
            "重点消防" if variant == 4 else "重点消防：老旧小区", "一般隐患", "无", "", "", "清理杂物",
            "长期" if variant == 5 else (day + timedelta(days=90)).isoformat(), "", "", "否", "",
        ])
    wb.close()


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def child_ours(db: str, xlsx: str) -> dict[str, float]:
    from bot.channels import LEDGER_IMPORT
    from bot.clock import fixed_clock
    from bot.core import open_core
    from bot.services.actors import Actor
    from bot.settings import Settings
    from storage.untrusted_worker import _close_all

    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", data_dir=Path(db).parent / "data", admin_ids=[],
                        sheet_max_rows=200_000, sheet_max_cells=6_000_000, sheet_max_unpacked_mb=1000,
                        sheet_worker_timeout_seconds=3600)

    async def run() -> dict[str, float]:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        now = datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
        async with open_core(settings, clock=fixed_clock(now), migrate=False) as core:
            system = Actor(1, LEDGER_IMPORT, "bench", (), True)
            cpu, wall = _cpu(), time.perf_counter()
            _kind, report = await core.services.reports.import_file(system, Path(xlsx), expect="hazards")
            assert report.ok and report.added == report.rows, (report.errors[:3], report.rows, report.added)
            _close_all()  # the worker's CPU counts once it is waited for
            return {"cpu": _cpu() - cpu, "wall": time.perf_counter() - wall, "rows": report.added}

    out = asyncio.run(run())
    out["peak_mb"] = _peak_mb()
    return out


def child_anchor(db: str, xlsx: str) -> dict[str, float]:
    import sqlite3

    from openpyxl import load_workbook

    cpu, wall = _cpu(), time.perf_counter()
    con = sqlite3.connect(db)
    cols = ("ledger_number", "draft_number", "registered_at", "state", "version", "unit_id", "district", "township_code",
            "township", "site_name", "address", "person_in_charge", "phone", "entity_nature", "occupant_count",
            "source", "description", "category", "subtype", "level", "illegal_building_nature", "measures",
            "reinspection_result", "created_by", "created_at", "updated_at")
    sql = f"INSERT INTO hazard ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    wb = load_workbook(xlsx, read_only=True, data_only=True)
    batch: list[tuple[object, ...]] = []
    n = 0
    with con:
        for r in wb.worksheets[0].iter_rows(min_row=4, max_col=26, values_only=True):
            cat, _, sub = str(r[15]).partition("：")
            batch.append((r[0], f"I{r[0]}", r[1], "registered", 1, 1, r[2], "110105" + str(r[0])[6:9], r[3], r[4],
                          r[5], r[6], r[7], r[8], r[9], r[13], r[14], cat, sub or "其他", r[16], r[17], r[20],
                          "未复查", 1, r[1], r[1]))
            if len(batch) == 5000:
                con.executemany(sql, batch)
                n += len(batch)
                batch.clear()
        con.executemany(sql, batch)
        n += len(batch)
    wb.close()
    con.close()
    return {"cpu": _cpu() - cpu, "wall": time.perf_counter() - wall, "rows": n, "peak_mb": _peak_mb()}


def _template(folder: Path) -> Path:
    from benchmarks.bench_status import _prepare

    db = folder / "template.db"
    asyncio.run(_prepare(f"sqlite+aiosqlite:///{db}"))
    return db


def _run(mode: str, template: Path, xlsx: Path, folder: Path) -> dict[str, float]:
    db = folder / f"{mode}.db"
    shutil.copy(template, db)
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(db), str(xlsx)], check=True,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": "."})
    db.unlink()
    shutil.rmtree(folder / "data", ignore_errors=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} × ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--pairs", type=int, default=2)
    p.add_argument("--child", nargs=3)
    a = p.parse_args()
    if a.child:
        mode, db, xlsx = a.child
        print(json.dumps(child_ours(db, xlsx) if mode == "ours" else child_anchor(db, xlsx)))
        return
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        xlsx = folder / "ledger.xlsx"
        make_ledger(xlsx, a.rows)
        template = _template(folder)
        load_before = os.getloadavg()
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "anchor": []}
        for i in range(a.pairs):
            for mode in (("ours", "anchor") if i % 2 == 0 else ("anchor", "ours")):
                r = _run(mode, template, xlsx, folder)
                runs[mode].append(r)
                print(f"{mode:7s} {r['cpu']:7.2f} s CPU  {r['wall']:7.2f} s wall  peak {r['peak_mb']:6.0f} MB  "
                      f"rows {int(r['rows'])}", flush=True)
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cpu = [o["cpu"] / b["cpu"] for o, b in zip(runs["ours"], runs["anchor"], strict=True)]
    mem = [o["peak_mb"] / b["peak_mb"] for o, b in zip(runs["ours"], runs["anchor"], strict=True)]
    ours_cpu = statistics.median(r["cpu"] for r in runs["ours"])
    anchor_cpu = statistics.median(r["cpu"] for r in runs["anchor"])
    ours_mb = max(r["peak_mb"] for r in runs["ours"])
    anchor_mb = max(r["peak_mb"] for r in runs["anchor"])
    load = f"{load_before[0]:.2f} → {load_after[0]:.2f}"
    print(f"CPU ratio {_spread(cpu)}; peak memory ratio {_spread(mem)}; load average (1 min) {load}")
    line = (f"| {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC | {commit} | {a.rows} | {a.pairs} | "
            f"{ours_cpu:.1f} s / {ours_mb:.0f} MB | {anchor_cpu:.1f} s / {anchor_mb:.0f} MB | {_spread(cpu)} | "
            f"{_spread(mem)} | {load} |\n")
    if not RESULTS.exists():
        RESULTS.write_text(
            "# 附件2 import against openpyxl read-only + executemany (issue 19 item 2)\n\n"
            "Written by `benchmarks/bench_import.py` (see its docstring for what each side does). CPU includes the "
            "parse worker's; peak is the largest process's RSS. Goal: CPU ≤ 2 ×, peak < 150 MB at 92 k rows.\n\n"
            "| when | commit | rows | pairs | ours CPU / peak | anchor CPU / peak | CPU ratio (median, spread) | "
            "memory ratio | load (1 min) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
    with RESULTS.open("a") as fh:
        fh.write(line)


if __name__ == "__main__":
    main()
