"""``/status`` numbers on a big ledger vs a raw SQL GROUP BY of the same tables, SQLite and PostgreSQL
(issue 19 item 1: district and unit status ≤ 1.5 × the raw GROUP BY and under 150 ms at 1 M / 3 M).

    PYTHONPATH=. python benchmarks/bench_status.py --small            # 20 000 / 60 000 rows, under a minute
    PYTHONPATH=. python benchmarks/bench_status.py                    # 1 M hazards / 3 M inspections
        [--hazards N] [--inspections M] [--only sqlite|postgresql] [--rounds R] [--parts] [--no-record]

The anchor is the least any status needs: ``SELECT state, count(*) FROM hazard GROUP BY state`` plus
``SELECT count(*) FROM inspection WHERE inspected_on in this year``. After one warm-up, ``--rounds`` rounds
run the district status, one unit's status and the anchor interleaved (the order rotating each round); the
script prints medians, the ratio of medians and the spread of the per-round ratios (min … max), the load
average before and after, whether the goal is met, whether the status read from the tallies (``storage.tally``)
equals the ledger scan (``compute_status(..., scan=True)``, timed once), and appends a row to
``benchmarks/RESULTS-summaries.md``. ``--parts`` also
times each query of the status once. The seeded ledger is cached: SQLite as a file and PostgreSQL as the
database ``bench_status_<N>`` under the data directory's ``bench/`` (``HAZARDBOT_DATA_DIR`` or
``~/.local/share/hazardbot``); a cached ledger is migrated to head before use (migration 0150 backfills
``closed_at``, 0170 counts the tallies); a fresh load is counted into the tallies (``storage.tally.rebuild``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from benchmarks.seed_big_ledger import load_postgres, load_sqlite
from bot.services import status_tally
from bot.services import summary as sm
from bot.services.summary import compute_status
from storage.db import create_engine, make_uow_factory
from storage.migrate import upgrade_async
from storage.models import Unit, User
from storage.registry import sync_units
from storage.tally import rebuild
from tests.summary_ledger import RULES

NOW = datetime(2019, 6, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
PG_ADMIN = os.environ.get("HAZARDBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
RESULTS = Path(__file__).with_name("RESULTS-summaries.md")
Timed = Callable[[], Awaitable[None]]


def _cache_dir() -> Path:
    base = os.environ.get("HAZARDBOT_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share"), "hazardbot")
    path = Path(base) / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


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


async def _interleaved(runs: dict[str, Timed], rounds: int) -> dict[str, list[float]]:
    """Times (s) of each of ``runs`` over ``rounds`` rounds after one warm-up, the order rotating per round."""
    names = list(runs)
    for name in names:
        await runs[name]()
    out: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            t = time.perf_counter()
            await runs[name]()
            out[name].append(time.perf_counter() - t)
    return out


async def _parts(session: AsyncSession, w: sm.Window) -> dict[str, float]:
    """Each query of a district status once (s), to see where the time goes."""
    async def one(fn: Callable[[], Awaitable[object]]) -> float:
        t = time.perf_counter()
        await fn()
        return time.perf_counter() - t

    s = session
    monday = w.as_of - timedelta(days=w.as_of.weekday())
    return {
        "district numbers and units' lines (tallies)": await one(lambda: status_tally.district(s, w.as_of, monday)),
        "inspections of the year by unit (tallies)": await one(lambda: status_tally.inspections(s, w.as_of, None)),
        "top categories (tallies)": await one(lambda: status_tally.top(s, 0, "a", 5)),
        "top townships (tallies)": await one(lambda: status_tally.top(s, 0, "b", 5)),
        "units and last update": await one(lambda: sm._units(s, None)),
        "supervised (supervisions × tallied state)": await one(lambda: status_tally.supervised(s, None)),
        "plans": await one(lambda: sm._plans(s, w.as_of.year, None)),
    }


async def measure(url: str, rounds: int, parts: bool) -> dict[str, object]:
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

    times = await _interleaved({"district": district, "unit": one_unit, "raw": raw}, rounds)
    async with uow() as u:
        st = await compute_status(u.session, NOW, rules=RULES)
        t = time.perf_counter()
        scanned = await compute_status(u.session, NOW, rules=RULES, scan=True)
        scan_s = time.perf_counter() - t
        same_unit = await compute_status(u.session, NOW, 1, rules=RULES) == await compute_status(
            u.session, NOW, 1, rules=RULES, scan=True)
        breakdown = await _parts(u.session, sm.Window.at(NOW, RULES.tz)) if parts else {}
    equal = "equal" if st == scanned and same_unit else "NOT EQUAL"
    print(f"  total={st.total} open={st.open} overdue={st.overdue} rect={st.rectification.percent()} "
          f"coverage={st.coverage.numerator} verification={st.verification.percent()}")
    print(f"  tallies vs ledger scan (district and unit 1): {equal}; the scan took {_ms(scan_s)} ms", flush=True)
    await engine.dispose()
    return {"times": times, "parts": breakdown, "equal": equal, "scan": scan_s}


async def _reusable(url: str, hazards: int, inspections: int) -> bool:
    """True when ``url`` already holds the loaded ledger; then it is migrated to head and analysed."""
    engine = create_engine(url)
    try:
        async with engine.begin() as c:
            n = (await c.execute(text("SELECT count(*) FROM hazard"))).scalar_one()
            m = (await c.execute(text("SELECT count(*) FROM inspection"))).scalar_one()
            e = (await c.execute(text("SELECT count(*) FROM hazard_event"))).scalar_one()
            ok = n == hazards and m == inspections and e > 0
    except Exception:  # noqa: BLE001  (no such database or table: load it)
        return False
    finally:
        await engine.dispose()
    if ok:
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            async with engine.connect() as c:
                await c.execute(text("ANALYZE"))
                await c.commit()
        finally:
            await engine.dispose()
    return ok


async def ready(kind: str, n: int, m: int) -> str:
    """The URL of a database holding the seeded ledger of ``n`` hazards / ``m`` inspections (cached)."""
    if kind == "sqlite":
        path = _cache_dir() / f"status-{n}-{m}.db"
        url = f"sqlite+aiosqlite:///{path}"
        if not (path.exists() and await _reusable(url, n, m)):
            path.unlink(missing_ok=True)
            units, uid = await _prepare(url)
            await asyncio.to_thread(load_sqlite, str(path), n, m, units, uid)
            await _tally(url)
        return url
    name = f"bench_status_{n}_{m}"
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    if not await _reusable(url, n, m):
        admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        async with admin.connect() as c:
            await c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await c.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        units, uid = await _prepare(url)
        await load_postgres(url.replace("postgresql+asyncpg", "postgresql"), n, m, units, uid)
        await _tally(url)
    return url


async def _tally(url: str) -> None:
    """Count the bulk-loaded ledger into the status's tallies (the loaders bypass the ORM's hooks)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as c:
            await c.run_sync(rebuild)
            await c.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


def _ms(v: float) -> str:
    return f"{v * 1000:,.0f}".replace(",", " ")


def _spread(xs: list[float]) -> str:
    return f"{min(xs):.2f} … {max(xs):.2f}"


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


async def run(kind: str, n: int, m: int, rounds: int, parts: bool, record: bool) -> None:
    t0 = time.perf_counter()
    url = await ready(kind, n, m)
    print(f"{kind}: ready ({n} hazards, {m} inspections) in {time.perf_counter() - t0:.1f}s", flush=True)
    load_before = os.getloadavg()
    r = await measure(url, rounds, parts)
    load_after = os.getloadavg()
    times: dict[str, list[float]] = r["times"]  # type: ignore[assignment]
    med = {k: statistics.median(v) for k, v in times.items()}
    d_ratio = [d / a for d, a in zip(times["district"], times["raw"], strict=True)]
    u_ratio = [u / a for u, a in zip(times["unit"], times["raw"], strict=True)]
    load = f"{load_before[0]:.2f} → {load_after[0]:.2f}"
    print(f"{kind}: medians of {rounds} interleaved rounds: district {_ms(med['district'])} ms, unit "
          f"{_ms(med['unit'])} ms, raw GROUP BY {_ms(med['raw'])} ms; district/raw {med['district'] / med['raw']:.2f} "
          f"(per round {_spread(d_ratio)}), unit/raw {med['unit'] / med['raw']:.2f} (per round {_spread(u_ratio)}); "
          f"load average (1 min) {load}", flush=True)
    print(f"{kind}: goal (≤ 1.5 × raw and < 150 ms): district "
          f"{'met' if med['district'] <= 1.5 * med['raw'] and med['district'] < 0.15 else 'NOT met'}, unit "
          f"{'met' if med['unit'] <= 1.5 * med['raw'] and med['unit'] < 0.15 else 'NOT met'}", flush=True)
    breakdown: dict[str, float] = r["parts"]  # type: ignore[assignment]
    scan_s: float = r["scan"]  # type: ignore[assignment]
    for part, secs in breakdown.items():
        print(f"  part: {part}: {_ms(secs)} ms")
    if record:
        line = (f"| {datetime.now(UTC):%Y-%m-%d %H:%M} UTC | {_commit()} | {kind} | {n:,} / {m:,} | {rounds} | "
                f"{_ms(med['district'])} ms | {_ms(med['unit'])} ms | {_ms(med['raw'])} ms | "
                f"{med['district'] / med['raw']:.2f} ({_spread(d_ratio)}) | {med['unit'] / med['raw']:.2f} "
                f"({_spread(u_ratio)}) | {load} | tallies {r['equal']} to the scan ({_ms(scan_s)} ms) |")
        if breakdown:
            line += " parts: " + "; ".join(f"{k} {_ms(v)} ms" for k, v in breakdown.items()) + " |"
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--hazards", type=int, default=1_000_000)
    p.add_argument("--inspections", type=int, default=3_000_000)
    p.add_argument("--small", action="store_true", help="20 000 hazards / 60 000 inspections: under a minute")
    p.add_argument("--only", choices=["sqlite", "postgresql"])
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--parts", action="store_true", help="also time each query of the district status once")
    p.add_argument("--no-record", action="store_true", help="do not append to RESULTS-summaries.md")
    a = p.parse_args()
    n, m = (20_000, 60_000) if a.small else (a.hazards, a.inspections)
    for kind in ("sqlite", "postgresql"):
        if a.only in (None, kind):
            asyncio.run(run(kind, n, m, a.rounds, a.parts, not a.no_record))


if __name__ == "__main__":
    main()
