"""CPU per request of the reminder sender against a bare aiogram sender at the same pacing, interleaved.

    PYTHONPATH=. python benchmarks/sender_cpu.py [--small] [--db URL] [--rounds R] [--messages N]

Both send ``N`` messages per round (``N/5`` chats × 5, 5 % of the chats blocked the bot) through aiogram to the
Bot API stand-in (``tests.botapi_standin``, its own process, Telegram's limits: ≤ 30 messages in any 1 s,
≤ 1 per chat per second, 429 beyond). The anchor (``bare``) is the pacing alone: the same ``Pacer``, per-chat
spacing and in-flight limit, ``bot.send_message`` for each message held in memory, no database. The project
(``sender``) drains the same number of queued outbox rows through ``reminders.sender.Sender`` (claims, leases,
outcomes written to the database). Rounds alternate which goes first. CPU is this process's (all its
threads: the SQLite driver's too); the stand-in's is not counted. ``--small``: 2 rounds of 250, under a minute.
Appends a record to ``benchmarks/RESULTS-perf.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.reminder_fanout import ticking
from benchmarks.results_log import record as log_result

TZ = ZoneInfo("Asia/Shanghai")
PER_CHAT, BLOCKED_EVERY = 5, 20
RESULTS = Path(__file__).with_name("RESULTS-perf.md")


def _chats(round_no: int, kind: str, n: int) -> list[int]:
    base = 30_000_000 + round_no * 1_000_000 + (0 if kind == "bare" else 500_000)
    return [base + i for i in range(max(1, n // PER_CHAT))]


async def bare_send(bot: Any, chats: list[int], cfg: Any) -> int:
    """The anchor: every message to ``chats`` paced like the sender (overall rate, window, per chat after the
    answer, in-flight limit), nothing written anywhere. Returns the requests made."""
    from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter

    from reminders.sender import Pacer

    pacer = Pacer(cfg.global_rate, cfg.window_limit, cfg.window_seconds)
    left = dict.fromkeys(chats, PER_CHAT)
    ready = [(0.0, chat) for chat in chats]
    limit = asyncio.Semaphore(cfg.max_in_flight)
    tasks: set[asyncio.Task[None]] = set()
    requests = 0

    async def one(chat: int) -> None:
        nonlocal requests
        try:
            await pacer.admit()
            requests += 1
            await bot.send_message(chat, f"【整改期限提醒】第{left[chat]}号隐患的整改期限3天后到期，请督促整改。")
            left[chat] -= 1
        except TelegramForbiddenError:
            left[chat] = 0
        except TelegramRetryAfter as exc:
            pacer.pause(exc.retry_after)
        finally:
            limit.release()
            if left[chat]:
                heapq.heappush(ready, (time.monotonic() + cfg.per_chat_interval, chat))

    while ready or tasks:
        if not ready:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            continue
        at, chat = heapq.heappop(ready)
        if at > time.monotonic():
            heapq.heappush(ready, (at, chat))
            await asyncio.sleep(at - time.monotonic())
            continue
        await limit.acquire()
        await pacer.wait()
        task = asyncio.create_task(one(chat))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    return requests


async def queue_rows(uow: Any, chats: list[int], start: datetime) -> None:
    from bot.channels import telegram_address
    from reminders.actions import ReminderAction
    from reminders.facts import Person
    from reminders.outbox import enqueue
    from reminders.rules import Reminder
    from reminders.texts import literal
    from storage.models import User

    async with uow() as u:
        people = []
        for chat in chats:
            user = User(channel="telegram", address=str(chat), full_name=f"联系人{chat}")
            u.session.add(user)
            await u.session.flush()
            people.append(Person(f"联系人{chat}", user.id, telegram_address(chat)))
        reminders = [
            Reminder("bench", f"hazard:{k}", f"{chats[0]}", tuple(people),
                     literal(f"【整改期限提醒】第{k}号隐患的整改期限3天后到期，请督促整改。"), literal("上报整改情况"),
                     ReminderAction("hazard", k))
            for k in range(PER_CHAT)
        ]
        await enqueue(u.session, reminders, now=start)
        await u.commit()


async def record(bot: Any, url_api: str) -> dict[str, Any]:
    async with bot.session._session.get(f"{url_api}/_record") as resp:
        return await resp.json()


async def main(args: argparse.Namespace) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.core import open_database
    from reminders.sender import Sender
    from reminders.settings import ReminderSettings

    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite+aiosqlite:///{tmp.name}/bench.db"
    engine, uow = await open_database(url)
    start = datetime(2019, 3, 25, 10, 0, tzinfo=TZ)
    blocked = [chat for r in range(args.rounds) for kind in ("bare", "sender")
               for chat in _chats(r, kind, args.messages)[::BLOCKED_EVERY]]
    blocked_file, port_file = Path(tmp.name) / "blocked.txt", Path(tmp.name) / "url.txt"
    blocked_file.write_text("\n".join(map(str, blocked)), encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.botapi_standin", str(port_file),
                                                str(blocked_file))
    rows: list[dict[str, Any]] = []
    try:
        while not port_file.exists() or not port_file.read_text(encoding="utf-8"):
            await asyncio.sleep(0.05)
        url_api = port_file.read_text(encoding="utf-8")
        bot = Bot("123456:BENCH", session=AiohttpSession(api=TelegramAPIServer.from_base(url_api)))
        cfg = ReminderSettings()
        await bot.send_message(1, "warm")  # connection, Response types
        for r in range(args.rounds):
            await queue_rows(uow, _chats(r, "sender", args.messages), start)
            order = ("bare", "sender") if r % 2 == 0 else ("sender", "bare")
            for kind in order:
                before = await record(bot, url_api)
                cpu, wall = time.process_time(), time.monotonic()
                if kind == "bare":
                    await bare_send(bot, _chats(r, kind, args.messages), cfg)
                else:
                    sender = Sender(bot, uow, cfg, TZ, ticking(start))
                    await sender.run_until_done()
                cpu, wall = time.process_time() - cpu, time.monotonic() - wall
                after = await record(bot, url_api)
                requests = sum(after["status_counts"].values()) - sum(before["status_counts"].values())
                too_many = after["status_counts"].get("429", 0) - before["status_counts"].get("429", 0)
                rows.append({"round": r, "kind": kind, "cpu_ms": cpu * 1000 / requests,
                             "rps": requests / wall, "requests": requests, "429": too_many})
                print(f"round {r} {kind:6} {requests:5} requests {requests / wall:6.2f}/s  "
                      f"CPU {cpu * 1000 / requests:6.2f} ms/request  429: {too_many}", flush=True)
        await bot.session.close()
    finally:
        proc.terminate()
        await proc.wait()
        await engine.dispose()
    ratios = [s["cpu_ms"] / b["cpu_ms"] for s, b in zip(
        [x for x in rows if x["kind"] == "sender"], [x for x in rows if x["kind"] == "bare"], strict=True)]
    load = os.getloadavg()
    med = {k: statistics.median(x["cpu_ms"] for x in rows if x["kind"] == k) for k in ("sender", "bare")}
    rps = {k: statistics.median(x["rps"] for x in rows if x["kind"] == k) for k in ("sender", "bare")}
    summary = (f"CPU ratio sender/bare {statistics.median(ratios):.2f} × (rounds {min(ratios):.2f}–{max(ratios):.2f}); "
               f"sender {med['sender']:.2f} ms/request at {rps['sender']:.2f} req/s, bare {med['bare']:.2f} ms at "
               f"{rps['bare']:.2f} req/s; 429s {sum(x['429'] for x in rows)}; "
               f"load {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}")
    log_result(RESULTS, "sender CPU", f", `{url.split(':')[0]}`, {args.rounds} rounds × {args.messages} messages each",
           summary, write=not args.no_record)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=3000, help="messages per round and side")
    parser.add_argument("--small", action="store_true", help="2 rounds of 250: under a minute")
    parser.add_argument("--no-record", action="store_true", help="print only")
    parsed = parser.parse_args()
    if parsed.small:
        parsed.rounds, parsed.messages = 2, 250
    asyncio.run(main(parsed))
