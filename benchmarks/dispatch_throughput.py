"""Form-step throughput and latency through the whole stack, against a bare aiogram echo bot.

    PYTHONPATH=. python benchmarks/dispatch_throughput.py [--db sqlite|postgresql|both] [--steps N]

A form step is one update through the production dispatcher (exactly-once claim, throttle, locale,
actor, the forms router), ``FormService`` (the form engine) and its database commit. Each chat
alternates two real steps of the hazard form: a text answer to "site name" (the form moves on to
"address") and the "« back" button (the form returns to "site name"). The bare bot is an aiogram
``Dispatcher`` with one echo handler per update type, fed the very same updates in the same run.
Chats run concurrently (1, 50, 200); each chat sends its next update when the previous one was
answered, like a person. Both bots talk to an in-process Bot API stand-in (no network).

``--idle-memory`` prints the resident memory of a process holding the whole application
(``project``) or a bare aiogram bot (``bare``) after start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.load import closed_loop, paced
from bot.channels import telegram_address

PG_ADMIN = os.environ.get("HAZARDBOT_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
CONCURRENCY = (1, 50, 200)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _pg_database() -> tuple[str, Any]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"hazardbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))

    async def drop() -> None:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def bare_dispatcher() -> Any:
    from benchmarks.bare_webhook_bot import bare_dispatcher as bare

    return bare()


async def _prepare(core: Any, dp: Any, bot: Any, factory: Any, chats: int) -> list[Any]:
    """``chats`` bound inspectors, each with a hazard form open at "site name"; their users and drafts."""
    from bot.domain import Role
    from handlers.callbacks import FormCb

    prepared = []
    for n in range(chats):
        user = factory.user(500_000 + n, f"用户{n}")
        issued = await core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
        await dp.feed_update(bot, factory.text(user, f"/bind {issued.code}"))
        await dp.feed_update(bot, factory.text(user, "/hazard"))
        actor = await core.services.users.touch(telegram_address(user.id), user.full_name, user.language_code)
        prompt = await core.services.forms.current(actor, "zh")
        await dp.feed_update(bot, factory.callback(user, _message(user), FormCb(d=prompt.draft_id, k="p", s=0, i=0).pack()))
        prompt = await core.services.forms.current(actor, "zh")
        assert prompt.field is not None and prompt.field.key == "site_name", prompt
        prepared.append((user, prompt.draft_id))
    return prepared


def _message(user: Any) -> Any:
    from datetime import UTC, datetime

    from aiogram.types import Chat, Message

    return Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=user.id, type="private"))


def _updates(factory: Any, prepared: list[Any], steps: int) -> list[list[Any]]:
    from bot.forms.actions import Nav
    from bot.forms.spec import load_form
    from handlers.callbacks import FormCb

    at_address = load_form("hazard").index("address")  # "« back" is pressed under the address question
    per_chat = []
    for user, draft_id in prepared:
        back = FormCb(d=draft_id, k="n", s=at_address, a=Nav.BACK.value).pack()
        updates = []
        for i in range(steps):
            if i % 2 == 0:
                updates.append(factory.text(user, f"某某出租房{i}"))
            else:
                updates.append(factory.callback(user, _message(user), back))
        per_chat.append(updates)
    return per_chat


class FailureCount:
    """Counts the updates whose handling failed (``handlers.errors`` logs each at ERROR), by error type, e.g.
    ``TimeoutError`` for "QueuePool limit … reached" (a form step that could not get a database connection)."""

    def __init__(self) -> None:
        import collections
        import logging

        self.by_type: collections.Counter[str] = collections.Counter()
        counter = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.levelno >= logging.ERROR:
                    exc = record.exc_info[1] if record.exc_info else None
                    counter.by_type[type(exc).__name__ if exc else record.getMessage()[:60]] += 1

        self.handler = _Handler()
        logging.getLogger("hazardbot.errors").addHandler(self.handler)

    def close(self) -> None:
        import logging

        logging.getLogger("hazardbot.errors").removeHandler(self.handler)

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def feeder(dp: Any, bot: Any) -> Any:
    """A feed for ``benchmarks.load``: one update through ``dp`` for ``bot``, returning its seconds."""

    async def feed(_n: int, update: Any) -> float:
        start = time.perf_counter()
        await dp.feed_update(bot, update)
        return time.perf_counter() - start

    return feed


async def _drive(dp: Any, bot: Any, per_chat: list[list[Any]]) -> tuple[float, list[float]]:
    """Feed every chat's updates, chats concurrently; wall seconds and per-update latencies.
    ``_drive.cpu`` keeps the process CPU seconds of the last run (less sensitive to other load)."""
    cpu = time.process_time()
    result = await closed_loop(feeder(dp, bot), per_chat)
    _drive.cpu = time.process_time() - cpu  # type: ignore[attr-defined]
    return result


async def _paced(dp: Any, bot: Any, per_chat: list[list[Any]], rate: float) -> list[float]:
    return await paced(feeder(dp, bot), per_chat, rate)


def _summary(total: int, wall: float, latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "ups": total / wall,
        "cpu_ms": _drive.cpu * 1000 / total,  # type: ignore[attr-defined]
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


async def run_one(
    db: str, chats: int, steps: int, workdir: Path, paced_rate: float = 0.0, paced_steps: int = 4,
    redis_url: str | None = None,
) -> dict[str, Any]:
    from bot.app import build_bot, build_dispatcher
    from bot.core import open_core
    from bot.local_session import LocalSession
    from bot.settings import Settings
    from bot.shared_state import open_shared_state
    from bot.updates import UpdateFactory

    drop = None
    if db == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / f'bench-{chats}.db'}"
    else:
        url, drop = await _pg_database()
    try:
        # throttle on (its cost is measured) but wide enough that no benchmark step is refused
        settings = Settings(database_url=url, data_dir=workdir / "data", throttle_rate=1e6, throttle_burst=10**6,
                            redis_url=redis_url)
        namespace = f"hazardbot-bench-{uuid.uuid4().hex[:8]}"
        async with open_core(settings) as core, open_shared_state(core, namespace=namespace) as shared:
            session = LocalSession()
            bot = build_bot(settings, session)
            dp = build_dispatcher(core, shared.storage, shared.guards)
            # update ids new to this run: claims of an earlier run stay in Redis (and PostgreSQL) a day
            factory = UpdateFactory(int(time.time() * 1000))
            prepared = await _prepare(core, dp, bot, factory, chats)
            per_chat = _updates(factory, prepared, steps)
            bare = bare_dispatcher()
            # warm both paths once (imports, statement caches), then measure the same updates
            await _drive(bare, bot, [u[:2] for u in per_chat[:1]])
            session.clear()
            bare_wall, bare_lat = await _drive(bare, bot, per_chat)
            echo = _summary(chats * steps, bare_wall, bare_lat)
            bare_answers = len(session.requests)
            session.clear()
            failures = FailureCount()
            try:
                wall, lat = await _drive(dp, bot, per_chat)
            finally:
                failures.close()
            answers = len(session.requests)
            total = chats * steps
            assert bare_answers == total, "the bare bot must answer every update"
            assert answers >= total, f"the project answered {answers} of {total} updates"
            if not failures.total:  # every chat pressed "back" last: its form is at "site name" again
                actor = await core.services.users.touch(telegram_address(prepared[0][0].id), "x", "zh-hans")
                prompt = await core.services.forms.current(actor, "zh")
                assert prompt.field is not None and prompt.field.key == "site_name"
            project = _summary(total, wall, lat)
            row = {"db": db, "chats": chats, "updates": total, "project": project, "bare": echo,
                   "ratio": project["ups"] / echo["ups"], "failed": failures.total,
                   "failed_by_type": dict(failures.by_type),
                   "pool": f"{settings.db_pool_size}+{settings.db_max_overflow}, "
                           f"{settings.max_concurrent_updates} updates at once"}
            if paced_rate:
                paced = sorted(await _paced(dp, bot, _updates(factory, prepared, paced_steps), paced_rate))
                row["paced"] = {"rate": paced_rate, "updates": len(paced), "p50": statistics.median(paced) * 1000,
                                "p99": paced[min(len(paced) - 1, int(len(paced) * 0.99))] * 1000}
            return row
    finally:
        if drop is not None:
            await drop()


async def idle(kind: str) -> None:
    from bot.local_session import LocalSession

    if kind == "bare":
        from aiogram import Bot

        bot = Bot("123456789:" + "A" * 35, session=LocalSession())
        dp = bare_dispatcher()
        await dp.feed_update(bot, _warm_update())
    else:
        from bot.app import build_bot, build_dispatcher
        from bot.core import open_core
        from bot.settings import Settings
        from bot.shared_state import open_shared_state

        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp))
            async with open_core(settings) as core, open_shared_state(core) as shared:
                bot = build_bot(settings, LocalSession())
                dp = build_dispatcher(core, shared.storage, shared.guards)
                await dp.feed_update(bot, _warm_update())
                gc.collect()
                print(f"{rss_mib():.1f}")
                return
    gc.collect()
    print(f"{rss_mib():.1f}")


def _warm_update() -> Any:
    from bot.updates import UpdateFactory

    return UpdateFactory(1).text(UpdateFactory.user(42), "/start")


def idle_memory() -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = {}
    for kind in ("bare", "project"):
        result = subprocess.run([sys.executable, __file__, "--idle-memory", kind], env=env, capture_output=True,
                                text=True, check=True)
        out[kind] = float(result.stdout.strip().splitlines()[-1])
    return out


async def main(args: argparse.Namespace) -> None:
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for db in dbs:
            for chats in args.chats:
                steps = max(args.min_steps, args.steps // chats)
                row = await run_one(db, chats, steps, Path(tmp), args.paced if chats == max(args.chats) else 0.0,
                                    redis_url=args.redis)
                label = f"{db}+redis" if args.redis else db
                rows.append(row)
                p, b = row["project"], row["bare"]
                print(f"{label:16} chats={chats:3} updates={row['updates']:5}  project {p['ups']:7.0f}/s "
                      f"p50 {p['p50']:6.1f} ms p99 {p['p99']:6.1f} ms | bare {b['ups']:7.0f}/s "
                      f"p50 {b['p50']:6.2f} ms p99 {b['p99']:6.2f} ms | ratio {row['ratio']:.3f} | CPU/update "
                      f"{p['cpu_ms']:.2f} vs {b['cpu_ms']:.3f} ms | failed {row['failed']} {row['failed_by_type'] or ''}"
                      f" | pool {row['pool']}", flush=True)
                if "paced" in row:
                    q = row["paced"]
                    print(f"{label:16} chats={chats:3} paced {q['rate']:.0f} updates/s ({q['updates']} updates): "
                          f"p50 {q['p50']:6.1f} ms p99 {q['p99']:6.1f} ms", flush=True)
    memory = idle_memory()
    print(f"idle RSS: project {memory['project']:.1f} MiB, bare aiogram {memory['bare']:.1f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--steps", type=int, default=2000, help="updates per run (split across chats)")
    parser.add_argument("--min-steps", type=int, default=10, help="at least this many updates per chat")
    parser.add_argument("--chats", type=int, nargs="+", default=list(CONCURRENCY))
    parser.add_argument("--paced", type=float, default=50.0,
                        help="also measure latency at this steady total rate (updates/s) with the most chats; 0: no")
    parser.add_argument("--redis", metavar="URL", help="FSM state, update claims and throttle in this Redis")
    parser.add_argument("--idle-memory", choices=["project", "bare"])
    parsed = parser.parse_args()
    if parsed.idle_memory:
        asyncio.run(idle(parsed.idle_memory))
    else:
        asyncio.run(main(parsed))
