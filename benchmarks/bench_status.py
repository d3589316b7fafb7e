"""``/status`` numbers on a big ledger vs a raw SQL GROUP BY of the same tables, SQLite and PostgreSQL.

    PYTHONPATH=. python benchmarks/bench_status.py [--hazards N] [--inspections M] [--only sqlite|postgresql]
        [--sqlite-file PATH] [--keep]

The baseline is the least any status needs: ``SELECT state, count(*) FROM hazard GROUP BY state`` plus
``SELECT count(*) FROM inspection WHERE inspected_on in this year``. Each timing is the best of 3 runs
after one warm-up. Results go to ``benchmarks/RESULTS-summaries.md`` by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.seed_big_ledger import load_postgres, load_sqlite
from bot.services.summary import compute_status
from storage.db import create_engine, make_uow_factory
from storage.migrate import upgrade_async
from storage.models import Unit, User
from storage.registry import sync_units
from tests.summary_ledger import RULES

NOW = datetime(2019, 6, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
PG_ADMIN = os.environ.get("HAZARDBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def _prepare(url: str) -> tuple[list[int], int]:
    await upgrade_async(url)
    engine = create_engine(url)
    uow = make_uow_factory(engine)
    async with uow() as u:
        await sync_units(u.session)
        me = User(channel="telegram", address=str(1), full_name="bench")
        u.session.add(me)
        await u.commit()
        ids = list((await u.session.exec(Unit.__table__.select().with_only_columns(Unit.id))).scalars())  # type: ignore[attr-defined]
        uid = me.id
    await engine.dispose()
    return ids, int(uid)  # type: ignore[arg-type]


async def _best(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    await fn()
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        best = min(best, time.perf_counter() - t)
    return best


async def measure(url: str) -> dict[str, float]:
    engine = create_engine(url)
    uow = make_uow_factory(engine)

    async def district() -> None:
        async with uow() as u:
            await compute_status(u.session, NOW, rules=RULES)

    async def one_unit() -> None:
        async with uow() as u:
            await compute_status(u.session, NOW, 1, rules=RULES)

    async def raw() -> None:
        async with engine.connect() as c:
            (await c.execute(text("SELECT state, count(*) FROM hazard GROUP BY state"))).all()
            (await c.execute(text("SELECT count(*) FROM inspection WHERE inspected_on >= :a AND inspected_on <= :b"),
                             {"a": date(2019, 1, 1), "b": date(2019, 6, 12)})).all()

    out = {"district": await _best(district), "unit": await _best(one_unit), "raw": await _best(raw)}
    async with uow() as u:
        st = await compute_status(u.session, NOW, rules=RULES)
    print(f"  total={st.total} open={st.open} overdue={st.overdue} rect={st.rectification.percent()} "
          f"coverage={st.coverage.numerator} verification={st.verification.percent()}")
    await engine.dispose()
    return out


async def _reusable(url: str, hazards: int, inspections: int) -> bool:
    """True when ``url`` already holds a loaded ledger; then any index added since is created."""
    from sqlmodel import SQLModel

    import storage.all_models  # noqa: F401

    engine = create_engine(url)
    try:
        async with engine.begin() as c:
            n = (await c.execute(text("SELECT count(*) FROM hazard"))).scalar_one()
            m = (await c.execute(text("SELECT count(*) FROM inspection"))).scalar_one()
            e = (await c.execute(text("SELECT count(*) FROM hazard_event"))).scalar_one()
            ok = n == hazards and m == inspections and e > 0
            if ok:
                for table in SQLModel.metadata.tables.values():
                    for index in table.indexes:
                        await c.run_sync(lambda conn, i=index: i.create(conn, checkfirst=True))
                await c.execute(text("ANALYZE"))
            return ok
    except Exception:  # noqa: BLE001  (no such database or table: load it)
        return False
    finally:
        await engine.dispose()


async def run(kind: str, n: int, m: int, sqlite_path: str | None, keep: bool) -> None:
    t0 = time.perf_counter()
    if kind == "sqlite":
        path = sqlite_path or os.path.join(tempfile.mkdtemp(prefix="bench-status-"), "big.db")
        url = f"sqlite+aiosqlite:///{path}"
        if not (os.path.exists(path) and await _reusable(url, n, m)):
            units, uid = await _prepare(url)
            await asyncio.to_thread(load_sqlite, path, n, m, units, uid)
    else:
        name = "bench_summaries"
        admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        if not (keep and await _reusable(url, n, m)):
            async with admin.connect() as c:
                await c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await c.execute(text(f'CREATE DATABASE "{name}"'))
            units, uid = await _prepare(url)
            await load_postgres(url.replace("postgresql+asyncpg", "postgresql"), n, m, units, uid)
    print(f"{kind}: ready ({n} hazards, {m} inspections) in {time.perf_counter() - t0:.1f}s ({url})", flush=True)
    r = await measure(url)
    print(f"{kind}: status(district) {r['district'] * 1000:.0f} ms, status(unit) {r['unit'] * 1000:.0f} ms, "
          f"raw GROUP BY {r['raw'] * 1000:.0f} ms, ratio district/raw {r['district'] / r['raw']:.2f}, "
          f"unit/raw {r['unit'] / r['raw']:.2f}", flush=True)
    if kind == "postgresql" and not keep:
        async with admin.connect() as c:
            await c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--hazards", type=int, default=1_000_000)
    p.add_argument("--inspections", type=int, default=3_000_000)
    p.add_argument("--only", choices=["sqlite", "postgresql"])
    p.add_argument("--sqlite-file", help="reuse (or create) this SQLite file")
    p.add_argument("--keep", action="store_true", help="keep (and reuse) the PostgreSQL database bench_summaries")
    a = p.parse_args()
    for kind in ("sqlite", "postgresql"):
        if a.only in (None, kind):
            asyncio.run(run(kind, a.hazards, a.inspections, a.sqlite_file, a.keep))


if __name__ == "__main__":
    main()
