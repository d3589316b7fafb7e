"""A 100 000-hazard 附件2 export against a raw XlsxWriter write of the same cells: time and peak memory.

    PYTHONPATH=. python benchmarks/bench_export.py [--hazards 100000]

Each measurement runs in its own process (peak RSS = that process's ``ru_maxrss``, imports included):
- ``ours``: ``bot.services.ledger_export.export_hazards`` (query streamed in batches, constant-memory
  XlsxWriter, headers, merges, validations) from a SQLite file;
- ``raw``: the same cells, fetched with plain ``sqlite3`` into a list first, then written with
  ``xlsxwriter`` ``write_row`` (constant memory, no formats, no headers, no validation);
- ``raw-write``: only the write of the prebuilt cells (the fetch is not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(mode: str, db: str, out: str) -> None:
    if mode == "ours":
        from bot.services.ledger_export import ExportFilter, export_hazards
        from storage.db import create_engine, make_uow_factory

        async def run() -> float:
            engine = create_engine(f"sqlite+aiosqlite:///{db}")
            t = time.perf_counter()
            async with make_uow_factory(engine)() as u:
                await export_hazards(u.session, ExportFilter(), Path(out))
            dt = time.perf_counter() - t
            await engine.dispose()
            return dt

        dt = asyncio.run(run())
    else:
        import sqlite3

        import xlsxwriter

        from bot.clock import default_zone
        from bot.services.ledger_export import hazard_row
        from storage.excel.layouts import HAZARDS

        t0 = time.perf_counter()
        con = sqlite3.connect(db)
        con.row_factory = sqlite3.Row
        keys = [c.key for c in HAZARDS.columns]
        cells = []
        # the same cell values as the export: build them with the same row mapping from plain rows
        from datetime import UTC, date, datetime
        from decimal import Decimal
        from types import SimpleNamespace

        for r in con.execute("SELECT * FROM hazard WHERE ledger_number IS NOT NULL ORDER BY ledger_number"):
            d = dict(r)
            d["registered_at"] = datetime.fromisoformat(d["registered_at"]).replace(tzinfo=UTC)
            for k in ("deadline", "reinspected_on"):
                d[k] = date.fromisoformat(d[k]) if d[k] else None
            for k in ("illegal_area", "demolished_area"):
                d[k] = Decimal(d[k]).scaleb(-2) if d[k] is not None else None
            row = hazard_row(SimpleNamespace(**d), default_zone())
            cells.append([row[k] for k in keys])
        t1 = time.perf_counter()
        wb = xlsxwriter.Workbook(out, {"constant_memory": True})
        ws = wb.add_worksheet()
        for i, values in enumerate(cells):
            ws.write_row(i, 0, [float(v) if isinstance(v, Decimal) else v for v in values])
        wb.close()
        t2 = time.perf_counter()
        dt = (t2 - t1) if mode == "raw-write" else (t2 - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": dt, "size": os.path.getsize(out), "peak_rss_mb": peak}))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--hazards", type=int, default=100_000)
    p.add_argument("--child", nargs=3)
    a = p.parse_args()
    if a.child:
        child(*a.child)
        return
    from benchmarks.bench_status import _prepare
    from benchmarks.seed_big_ledger import load_sqlite

    tmp = tempfile.mkdtemp(prefix="bench-export-")
    db = os.path.join(tmp, "x.db")
    units, uid = asyncio.run(_prepare(f"sqlite+aiosqlite:///{db}"))
    load_sqlite(db, a.hazards, 0, units, uid)
    results = {}
    for mode in ("ours", "raw", "raw-write"):
        out = subprocess.run([sys.executable, __file__, "--child", mode, db, os.path.join(tmp, f"{mode}.xlsx")],
                             check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": "."})
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results[mode] = r
        print(f"{mode:10s} {r['seconds']:.2f} s  peak RSS {r['peak_rss_mb']:.0f} MB  file {r['size'] / 1e6:.1f} MB")
    print(f"ratio ours/raw {results['ours']['seconds'] / results['raw']['seconds']:.2f}, "
          f"ours/raw-write {results['ours']['seconds'] / results['raw-write']['seconds']:.2f}")


if __name__ == "__main__":
    main()
