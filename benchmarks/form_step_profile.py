"""Where a form step's time goes: the SQL statements of one text answer and one "« back", and a cProfile of many.

    PYTHONPATH=. python benchmarks/form_step_profile.py [--db sqlite|postgresql] [--steps N] [--top K] [--cpu]

The step is ``form_step.py``'s (a text answer to "site name", then "« back"), through the whole dispatcher.
Prints each statement one text step and one back step send to the driver (an engine event listener counts
them, transaction control included; those ``storage.driver_sql`` sends past SQLAlchemy are marked), then the
functions taking most of the time of ``--steps`` steps (cumulative, one chat after another so the profile is not a mix of interleaved coroutines). Prints only:
the numbers are for finding the big parts, not for the record.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import io
import logging
import pstats
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks import dispatch_throughput as dt


def _listen(engine: Any, log: list[str]) -> Any:
    """Log ``engine``'s statements into ``log``; returns what stops logging those sent on the driver."""
    sync = engine.sync_engine

    @event.listens_for(sync, "before_cursor_execute")
    def _statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        log.append(" ".join(statement.split())[:150])

    for name in ("begin", "commit", "rollback"):
        event.listen(sync, name, lambda *_a, _n=name: log.append(_n.upper()))
    # statements sent past SQLAlchemy, on the driver's connection (``storage.driver_sql``): no event sees them
    from storage.driver_sql import DriverStatement

    prepared = DriverStatement.prepared

    def _logged(self: DriverStatement, dialect: Any, params: Any) -> tuple[str, list[Any]]:
        sql, values = prepared(self, dialect, params)
        log.append("(on the driver) " + " ".join(sql.split())[:134])
        return sql, values

    DriverStatement.prepared = _logged  # type: ignore[method-assign]

    def stop() -> None:
        DriverStatement.prepared = prepared  # type: ignore[method-assign]

    return stop


def _count_trips() -> list[str]:
    """Every call queued to aiosqlite's worker thread from now on, by the function it runs."""
    import aiosqlite.core

    trips: list[str] = []
    queued = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await queued(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
    return trips


def _by_package(profile: cProfile.Profile) -> collections.Counter[str]:
    """Own (not cumulative: coroutines resumed many times make that unreliable) time summed per package."""
    own: collections.Counter[str] = collections.Counter()
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename == "~":
            package = f"builtin {name}" if tottime > 0.05 else "builtins (other)"
        elif "/lib/python3" in filename:
            package = "stdlib " + filename.rsplit("/", 1)[1]
        else:
            package = "project " + "/".join(Path(filename).parts[-2:])
        own[package] += tottime
    return own


async def main(args: argparse.Namespace) -> None:
    from bot.app import build_bot, build_dispatcher
    from bot.core import open_core
    from bot.local_session import LocalSession
    from bot.settings import Settings
    from bot.shared_state import open_shared_state
    from bot.updates import UpdateFactory

    logging.getLogger().setLevel(logging.WARNING)
    drop = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.db == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'profile.db'}"
        else:
            url, drop = await dt._pg_database()
        try:
            settings = Settings(database_url=url, data_dir=Path(tmp) / "data", throttle_rate=1e6, throttle_burst=10**6)
            async with open_core(settings) as core, \
                    open_shared_state(core, namespace=f"fp-{uuid.uuid4().hex[:8]}") as shared:
                session = LocalSession()
                bot = build_bot(settings, session)
                dp = build_dispatcher(core, shared.storage, shared.guards)
                factory = UpdateFactory(int(time.time() * 1000))
                prepared = await dt._prepare(core, dp, bot, factory, 2)
                for update in dt._updates(factory, prepared[:1], 4)[0]:  # warm: caches, the actor cache
                    await dp.feed_update(bot, update)
                log: list[str] = []
                stop_listening = _listen(core.engine, log)
                trips = _count_trips() if args.db == "sqlite" else None
                for kind, update in zip(("text", "back"), dt._updates(factory, prepared[:1], 2)[0], strict=True):
                    log.clear()
                    if trips is not None:
                        trips.clear()
                    await dp.feed_update(bot, update)
                    statements = [s for s in log if s not in ("BEGIN", "COMMIT", "ROLLBACK")]
                    print(f"--- {args.db} {kind} step: {len(statements)} statements, "
                          f"{log.count('COMMIT')} commits, {log.count('ROLLBACK')} rollbacks"
                          + (f", {len(trips)} trips to aiosqlite's thread" if trips is not None else ""))
                    for line in log:
                        print("   ", line)
                stop_listening()
                per_chat = dt._updates(factory, prepared, args.steps // 2)
                from bot.app import freeze_start_up_heap

                freeze_start_up_heap()  # as ``hazardbot run`` does once it serves
                # process CPU, not the wall clock: a busy machine's waits are not the step's cost
                profile = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
                cpu = time.process_time()
                profile.enable()
                for updates in per_chat:
                    for update in updates:
                        await dp.feed_update(bot, update)
                profile.disable()
                cpu = time.process_time() - cpu
                total = sum(map(len, per_chat))
                print(f"--- {args.db}: {total} steps, CPU {cpu * 1000 / total:.2f} ms/step under the profiler")
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
                print(out.getvalue())
                print(f"--- {args.db}: own time by package, ms/step")
                for package, seconds in _by_package(profile).most_common():
                    print(f"    {seconds * 1000 / total:7.3f}  {package}")
        finally:
            if drop is not None:
                await drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--cpu", action="store_true", help="time functions by process CPU (for a busy machine)")
    parser.add_argument("--sort", default="cumulative", help="a pstats key: cumulative, tottime…")
    asyncio.run(main(parser.parse_args()))
