"""One page of a work queue (issue 16: /office, /rectify) on a big ledger, SQLite and PostgreSQL: the first and the
last page of ``FindService.queue`` (COUNT + ORDER BY urgency + LIMIT/OFFSET) against a bare ``count(*)`` of the
same rows, which is the least a list that says its total must do.

    PYTHONPATH=. python benchmarks/bench_queues.py [--hazards N] [--only sqlite|postgresql]

Data: ``benchmarks/seed_big_ledger.py`` (seeded). Each timing is the best of 3 after one warm-up. Results go to
``benchmarks/RESULTS-queues.md`` by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.bench_status import PG_ADMIN, _prepare
from benchmarks.seed_big_ledger import load_postgres, load_sqlite
from bot.clock import fixed_clock
from bot.domain import HazardState, Role
from bot.services.find import FindService
from storage.db import create_engine, make_uow_factory
from tests.lifecycle_factories import person

NOW = datetime(2019, 6, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
LISTS = {
    "/office": (HazardState.PENDING_CONFIRMATION, HazardState.CLOSURE_REQUESTED),
    "/rectify": (HazardState.REGISTERED, HazardState.RECTIFIED),
}


async def _best(fn: Callable[[], Awaitable[object]], runs: int = 3) -> float:
    await fn()
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        best = min(best, time.perf_counter() - t)
    return best


async def measure(url: str) -> None:
    engine = create_engine(url)
    uow = make_uow_factory(engine)
    find = FindService(uow, fixed_clock(NOW))
    office = await person(uow, "bench office", (Role.OFFICE, "dept-01"))
    for name, states in LISTS.items():
        values = ", ".join(f"'{s.value}'" for s in states)

        async def count(values: str = values) -> None:
            async with engine.connect() as c:
                (await c.execute(text(f"SELECT count(*) FROM hazard WHERE state IN ({values})"))).scalar_one()

        async def first(states: tuple[HazardState, ...] = states) -> None:
            await find.queue(office, states, 0)

        async def last(states: tuple[HazardState, ...] = states) -> None:
            await find.queue(office, states, 10**9)

        total = (await find.queue(office, states, 0)).total
        c, f, la = await _best(count), await _best(first), await _best(last)
        print(f"  {name}: {total} items · count(*) {c * 1000:.1f} ms · first page {f * 1000:.1f} ms · "
              f"last page {la * 1000:.1f} ms", flush=True)
    await engine.dispose()


async def run(kind: str, n: int) -> None:
    t0 = time.perf_counter()
    admin = None
    name = "bench_queues"
    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="bench-queues-"), "big.db")
        url = f"sqlite+aiosqlite:///{path}"
        units, uid = await _prepare(url)
        await asyncio.to_thread(load_sqlite, path, n, 1, units, uid)
    else:
        admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        async with admin.connect() as c:
            await c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await c.execute(text(f'CREATE DATABASE "{name}"'))
        units, uid = await _prepare(url)
        await load_postgres(url.replace("postgresql+asyncpg", "postgresql"), n, 1, units, uid)
    print(f"{kind}: {n} hazards ready in {time.perf_counter() - t0:.1f}s", flush=True)
    await measure(url)
    if admin is not None:
        async with admin.connect() as c:
            await c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hazards", type=int, default=200_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for kind in ([args.only] if args.only else ["sqlite", "postgresql"]):
        asyncio.run(run(kind, args.hazards))


if __name__ == "__main__":
    main()
