"""A form step through ``hazardbot``'s whole dispatcher against its floor, interleaved, on SQLite or PostgreSQL.

    PYTHONPATH=. python benchmarks/form_step.py [--db sqlite|postgresql|both] [--small] [--rounds R]
        [--variants] [--max-concurrent N] [--no-record] [--no-freeze]

The step is ``dispatch_throughput.py``'s: a text answer to "site name", then "« back", chats alternating them.
The floor (``form_step_floor.py``) is the same step written with aiogram and the raw driver in one transaction.
Closed loop (each of ``--chats`` chats sends when answered): updates/s and CPU per update of the project and
of the floor, round by round (the order alternating), and their ratio (goal ≥ 0.5). Then paced: 30 steps/s
spread over 200 chats, latency p50/p99 of the project (goal p99 < 50 ms) and the failed updates (goal 0).

``--variants``: also the project with one of its patches of library internals taken out (issue 18), each
interleaved with the project as it is: ``inline-filters`` (``bot/inline_filters.py``), ``route-skip``
(``bot/route_skip.py``), on SQLite ``one-trip`` (``storage/sqlite_one_trip.py``, taken out while that side runs:
it acts on every engine of the process); on SQLite ``writer-turn``
(``storage/sqlite_writers.py``) is judged by the paced p99 it exists for. (``router-gates`` and ``response-pins``,
measured so on 2026-12-07, showed no steady gain and were removed; ``benchmarks/RESULTS-perf.md``.)
``--small``: 2 rounds of 50 chats × 10 steps and a paced run of 200 chats × 2 steps (about a minute on a quiet
machine, per database). Appends to ``benchmarks/RESULTS-perf.md`` with the load average.
``--no-freeze``: the heap built before measuring stays in the cyclic collector's reach (``hazardbot run`` freezes
its start-up heap once it serves, ``bot.app.freeze_start_up_heap``; without it full collections put the paced p99
at 65–110 ms on PostgreSQL, 2026-12-07). ``--max-concurrent N``: the project with ``max_concurrent_updates`` N. Where a step's time goes (statements, trips
to aiosqlite's thread, a profile): ``benchmarks/form_step_profile.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import dispatch_throughput as dt
from benchmarks.load import closed_loop, paced
from benchmarks.results_log import record

RESULTS = Path(__file__).with_name("RESULTS-perf.md")
PATCHES = ("inline-filters", "route-skip")
#: patches taken out while a side runs rather than when it is built (they act on every engine of the process)
RUN_PATCHES = {"sqlite": ("one-trip",), "postgresql": ("idle-ping",)}


@contextlib.contextmanager
def without(patch: str | None) -> Iterator[None]:
    """Build-time switch: the application built inside leaves ``patch`` out."""
    import bot.inline_filters
    import storage.db

    saved: list[tuple[Any, str, Any]] = []

    def swap(module: Any, name: str, value: Any) -> None:
        saved.append((module, name, getattr(module, name)))
        setattr(module, name, value)

    if patch == "inline-filters":
        swap(bot.inline_filters, "inline_plain_filters", lambda router: 0)
    elif patch == "route-skip":
        import bot.route_skip

        swap(bot.route_skip, "install_route_skips", lambda router, update_types: 0)
    elif patch == "one-trip":  # the adapter's own cursor for the statements run meanwhile
        from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite

        swap(sa_aiosqlite.AsyncAdapt_aiosqlite_connection, "_cursor_cls", sa_aiosqlite.AsyncAdapt_aiosqlite_cursor)
    elif patch == "idle-ping":  # SQLAlchemy's pre-ping: a ping at every checkout
        swap(storage.db, "IDLE_PING_SECONDS", -1.0)
    elif patch == "writer-turn":
        swap(storage.db, "serialise_writers", lambda engine, timeout: None)
    try:
        yield
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


def cpu_run(feed: Any, patch: str | None = None) -> Any:
    """A closed-loop run of ``feed``: wall and CPU seconds, latencies; ``patch`` taken out meanwhile."""
    async def run(per_chat: list[list[Any]]) -> tuple[float, float, list[float]]:
        with without(patch):
            cpu = time.process_time()
            wall, latencies = await closed_loop(feed, per_chat)
            return wall, time.process_time() - cpu, latencies

    return run


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def run_db(db: str, args: argparse.Namespace, workdir: Path) -> list[str]:
    from benchmarks.form_step_floor import Floor, floor_dispatcher
    from bot.app import build_bot, build_dispatcher
    from bot.core import open_core
    from bot.local_session import LocalSession
    from bot.settings import Settings
    from bot.shared_state import open_shared_state
    from bot.updates import UpdateFactory

    drop = None
    if db == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'form-step.db'}"
    else:
        url, drop = await dt._pg_database()
    lines: list[str] = []
    try:
        tuned = {"max_concurrent_updates": args.max_concurrent} if args.max_concurrent is not None else {}
        settings = Settings(database_url=url, data_dir=workdir / f"data-{db}", throttle_rate=1e6,
                            throttle_burst=10**6, **tuned)
        async with open_core(settings) as core, open_shared_state(core, namespace=f"fs-{uuid.uuid4().hex[:8]}") as shared:
            session = LocalSession()
            bot = build_bot(settings, session)
            dp = build_dispatcher(core, shared.storage, shared.guards)
            factory = UpdateFactory(int(time.time() * 1000))
            prepared = await dt._prepare(core, dp, bot, factory, max(args.chats, args.paced_chats))
            floor = Floor(url)
            await floor.open()
            try:
                floor_dp = floor_dispatcher(floor)
                sides: dict[str, Any] = {"project": cpu_run(dt.feeder(dp, bot)), "floor": cpu_run(dt.feeder(floor_dp, bot))}
                # with variants, the project as it is is built afresh like them (the first dispatcher also served
                # the set-up, and its Bot API stand-in holds every request made since)
                variants = [None, *PATCHES] if args.variants else []
                for patch in variants:
                    with without(patch):
                        other_bot = build_bot(settings, LocalSession())
                        other = build_dispatcher(core, shared.storage, shared.guards)
                    sides[f"without {patch}" if patch else "project, built afresh"] = cpu_run(dt.feeder(other, other_bot))
                for patch in RUN_PATCHES[db] if args.variants else ():
                    other_bot = build_bot(settings, LocalSession())
                    other = build_dispatcher(core, shared.storage, shared.guards)
                    sides[f"without {patch}"] = cpu_run(dt.feeder(other, other_bot), patch)
                chats = prepared[:args.chats]
                results: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
                failures = dt.FailureCount()
                try:
                    # warm every side once (statement caches, Response types) before measuring
                    for run in sides.values():
                        await run(dt._updates(factory, chats[:2], 2))
                    if not args.no_freeze:  # what ``hazardbot run`` does once it serves (bot.app.finish_start)
                        from bot.app import freeze_start_up_heap

                        freeze_start_up_heap()
                    for r in range(args.rounds):
                        order = list(sides) if r % 2 == 0 else list(reversed(sides))
                        for kind in order:
                            session.clear()
                            per_chat = dt._updates(factory, chats, args.steps)
                            total = sum(map(len, per_chat))
                            wall, cpu, _lat = await sides[kind](per_chat)
                            results[kind].append((total / wall, cpu * 1000 / total))
                            print(f"{db} round {r} {kind:26} {total / wall:7.1f} updates/s  CPU {cpu * 1000 / total:6.2f} ms/update",
                                  flush=True)
                    paced_runs = {"project": dt.feeder(dp, bot)}
                    if db == "sqlite" and args.variants:
                        with without("writer-turn"):
                            async with open_core(settings, migrate=False) as core2:
                                paced_runs["without writer-turn"] = None  # filled below, inside the core's life
                                other_bot = build_bot(settings, LocalSession())
                                other = build_dispatcher(core2, shared.storage, shared.guards)
                                paced_lat = await paced(dt.feeder(other, other_bot),
                                                        dt._updates(factory, prepared[:args.paced_chats], args.paced_steps),
                                                        args.paced_rate)
                                paced_runs["without writer-turn"] = paced_lat
                    project_paced = await paced(paced_runs["project"], dt._updates(factory, prepared[:args.paced_chats],
                                                                                   args.paced_steps), args.paced_rate)
                finally:
                    failures.close()
            finally:
                await floor.close()
            base_ups = [u for u, _ in results["project"]]
            floor_ups = [u for u, _ in results["floor"]]
            ratios = [p / f for p, f in zip(base_ups, floor_ups, strict=True)]
            load = os.getloadavg()
            lines.append(f"**{db}**, {args.rounds} rounds × {args.chats} chats × {args.steps} steps, closed loop; "
                         f"load {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}")
            lines.append("")
            lines.append("| side | updates/s, median (range) | CPU ms/update | vs the project |")
            lines.append("| --- | --- | --- | --- |")
            for kind, values in results.items():
                ups = [u for u, _ in values]
                cpu = statistics.median(c for _, c in values)
                rel = [u / b for u, b in zip(ups, base_ups, strict=True)]
                lines.append(f"| {kind} | {statistics.median(ups):.0f} ({min(ups):.0f}–{max(ups):.0f}) | {cpu:.2f} | "
                             f"{statistics.median(rel):.2f} × |")
            lines.append("")
            lines.append(f"Project / floor throughput: **{statistics.median(ratios):.2f} ×** "
                         f"({min(ratios):.2f}–{max(ratios):.2f}), goal ≥ 0.5.")
            lines.append(f"Paced {args.paced_rate:.0f} steps/s over {args.paced_chats} chats ({len(project_paced)} steps): "
                         f"project p50 {pct(project_paced, 0.5):.1f} ms, **p99 {pct(project_paced, 0.99):.1f} ms** "
                         f"(goal < 50 ms); failed updates in the whole run: **{failures.total}** {dict(failures.by_type) or ''}")
            if paced_runs.get("without writer-turn"):
                other_lat = paced_runs["without writer-turn"]
                lines.append(f"Paced without the SQLite writer turn (run before the project's): p50 "
                             f"{pct(other_lat, 0.5):.1f} ms, p99 {pct(other_lat, 0.99):.1f} ms.")
    finally:
        if drop is not None:
            await drop()
    return lines


async def main(args: argparse.Namespace) -> None:
    import aiogram
    import sqlalchemy

    logging.getLogger().setLevel(logging.WARNING)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    out = [f"aiogram {aiogram.__version__}, SQLAlchemy {sqlalchemy.__version__}"
           + (f", max_concurrent_updates {args.max_concurrent}" if args.max_concurrent is not None else ""), ""]
    with tempfile.TemporaryDirectory() as tmp:
        for db in dbs:
            out += await run_db(db, args, Path(tmp))
            out.append("")
    record(RESULTS, "form step", f"{' (small)' if args.small else ''}{' with variants' if args.variants else ''}",
           "\n".join(out), write=not args.no_record)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--steps", type=int, default=20, help="steps per chat and round (even: back at 'site name')")
    parser.add_argument("--paced-rate", type=float, default=30.0)
    parser.add_argument("--paced-chats", type=int, default=200)
    parser.add_argument("--paced-steps", type=int, default=6)
    parser.add_argument("--max-concurrent", type=int, default=None,
                        help="the project's max_concurrent_updates (default: the setting's default)")
    parser.add_argument("--variants", action="store_true", help="also the project without each patch of internals")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the heap built before the measurement in the cyclic collector's reach")
    parsed = parser.parse_args()
    if parsed.small:
        parsed.rounds, parsed.steps, parsed.paced_steps = 2, 10, 2
    asyncio.run(main(parsed))
