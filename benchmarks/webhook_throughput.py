"""Form steps over the production path — Telegram's webhook in, Bot API calls out — against a bare
aiogram echo bot served the same way and fed the same updates in the same run.

    PYTHONPATH=. python benchmarks/webhook_throughput.py [--db sqlite|postgresql] [--chats 1 50 200]
        [--steps N] [--paced RATE] [--instances N] [--redis URL]

Each bot is a separate process: ``hazardbot run --webhook`` (aiohttp, ``handle_in_background=False``:
an update is answered before its POST returns) or ``bare_webhook_bot.py`` (aiogram's same webhook
handler, one echo handler). This process is Telegram: it POSTs the updates (secret header set) and
serves the Bot API the bots call (``sendMessage``, ``answerCallbackQuery``…) on 127.0.0.1.
A form step is the same as in ``dispatch_throughput.py``: a text answer to "site name", then "« back".

Measured per run: updates/s, POST latency p50/p99, and the CPU seconds the bot process used per
update (``/proc/PID/stat``), which is what bounds a process's throughput whatever else runs on the
machine. ``--instances 2`` runs two project processes on one PostgreSQL (and Redis), the updates of
every chat alternating between them as a load balancer would send them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bot.channels import telegram_address

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.dispatch_throughput import _pg_database  # noqa: E402
from benchmarks.load import closed_loop, paced  # noqa: E402
from tests.botapi_standin import FakeBotApi, fake_api, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "4242:" + "B" * 35
SECRET = "bench-secret"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class BotProcess:
    """One bot process listening for webhook POSTs on ``port``."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int) -> None:
        self.proc, self.port = proc, port
        self.url = f"http://127.0.0.1:{port}/webhook"

    @classmethod
    async def start(
        cls, args: list[str], env: dict[str, str], port: int, http: aiohttp.ClientSession, log: Path
    ) -> BotProcess:
        """Start ``args`` (its log in the file ``log``) and wait until its ``/healthz`` answers."""
        with log.open("wb") as sink:  # a file, not a pipe: a full pipe would stall the bot mid-run
            proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                                    stdout=sink, stderr=subprocess.STDOUT)
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"bot process ended: {log.read_text()[-2000:]}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return cls(proc, port)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("bot process did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def post(http: aiohttp.ClientSession, url: str, update: Any) -> float:
    """POST one update like Telegram does; seconds until the bot's answer (200) came back."""
    body = update.model_dump_json(exclude_none=True, by_alias=True)
    start = time.perf_counter()
    async with http.post(url, data=body, headers={"Content-Type": "application/json",
                                                  "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"webhook answered {response.status}")
    return time.perf_counter() - start


def summary(total: int, wall: float, latencies: list[float], cpu: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"ups": total / wall, "p50": statistics.median(ordered) * 1000,
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, "cpu_ms": cpu * 1000 / total}


async def prepare(core: Any, http: aiohttp.ClientSession, url: str, factory: Any, chats: int) -> list[Any]:
    """``chats`` inspectors bound through /bind, each with a hazard form open at "site name"."""
    from benchmarks.dispatch_throughput import _message
    from bot.domain import Role
    from handlers.callbacks import FormCb

    prepared = []
    for n in range(chats):
        user = factory.user(700_000 + n, f"用户{n}")
        issued = await core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
        await post(http, url, factory.text(user, f"/bind {issued.code}"))
        await post(http, url, factory.text(user, "/hazard"))
        actor = await core.services.users.touch(telegram_address(user.id), user.full_name, user.language_code)
        prompt = await core.services.forms.current(actor, "zh")
        await post(http, url, factory.callback(user, _message(user), FormCb(d=prompt.draft_id, k="p", s=0, i=0).pack()))
        prompt = await core.services.forms.current(actor, "zh")
        assert prompt.field is not None and prompt.field.key == "site_name", prompt
        prepared.append((user, prompt.draft_id))
    return prepared


async def run(args: argparse.Namespace) -> None:
    async with fake_api() as (telegram, api_url):
        await measure(args, telegram, api_url)


async def measure(args: argparse.Namespace, telegram: FakeBotApi, api_url: str) -> None:
    """Start the bots against the Bot API at ``api_url`` and print one line per run."""
    from benchmarks.dispatch_throughput import _updates
    from bot.core import open_core
    from bot.settings import Settings
    from bot.updates import UpdateFactory

    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    with tempfile.TemporaryDirectory() as tmp:
        drop = None
        if args.db == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url, drop = await _pg_database()
        env = {"HAZARDBOT_TOKEN": TOKEN, "HAZARDBOT_API_URL": api_url, "HAZARDBOT_DATABASE_URL": url,
               "HAZARDBOT_DATA_DIR": str(Path(tmp) / "data"), "HAZARDBOT_WEBHOOK_SECRET": SECRET,
               "HAZARDBOT_THROTTLE_RATE": "1000000", "HAZARDBOT_THROTTLE_BURST": "1000000",
               "HAZARDBOT_LOG_FORMAT": "kv"}
        if args.redis:
            env["HAZARDBOT_REDIS_URL"] = args.redis
        settings = Settings(database_url=url, data_dir=Path(tmp) / "data")
        bots: list[BotProcess] = []
        try:
            async with open_core(settings) as core:
                bare_port = free_port()
                bare = await BotProcess.start(
                    [sys.executable, str(ROOT / "benchmarks/bare_webhook_bot.py"), api_url, TOKEN, SECRET,
                     str(bare_port)], {}, bare_port, http, Path(tmp) / "bare.log")
                bots.append(bare)
                for n in range(args.instances):
                    port = free_port()
                    bots.append(await BotProcess.start(
                        [sys.executable, "-m", "bot", "run", "--webhook", "https://bench.example/webhook",
                         "--listen", f"127.0.0.1:{port}"], env, port, http, Path(tmp) / f"project-{n}.log"))
                project = bots[1:]
                # update ids new to this run: claims of an earlier run stay in Redis (and PostgreSQL) a day
                factory = UpdateFactory(int(time.time() * 1000))
                for chats in args.chats:
                    steps = max(args.min_steps, args.steps // chats)
                    prepared = await prepare(core, http, project[0].url, factory, chats)
                    per_chat = _updates(factory, prepared, steps)
                    total = chats * steps

                    async def to_bare(n: int, update: Any) -> float:
                        return await post(http, bare.url, update)

                    async def to_project(n: int, update: Any) -> float:
                        return await post(http, project[n % len(project)].url, update)

                    await closed_loop(to_bare, [u[:2] for u in per_chat[:1]])  # warm-up
                    cpu = cpu_seconds(bare.proc.pid)
                    wall, lat = await closed_loop(to_bare, per_chat)
                    echo = summary(total, wall, lat, cpu_seconds(bare.proc.pid) - cpu)
                    cpu = sum(cpu_seconds(b.proc.pid) for b in project)
                    wall, lat = await closed_loop(to_project, per_chat)
                    mine = summary(total, wall, lat, sum(cpu_seconds(b.proc.pid) for b in project) - cpu)
                    actor = await core.services.users.touch(telegram_address(prepared[0][0].id), prepared[0][0].full_name, "zh-hans")
                    prompt = await core.services.forms.current(actor, "zh")
                    assert prompt.field is not None and prompt.field.key == "site_name", "the steps were not taken"
                    label = f"{args.db}{'+redis' if args.redis else ''} ×{args.instances}"
                    print(f"{label:20} chats={chats:3} updates={total:5} project {mine['ups']:6.0f}/s p50 "
                          f"{mine['p50']:6.1f} ms p99 {mine['p99']:7.1f} ms | bare {echo['ups']:6.0f}/s p50 "
                          f"{echo['p50']:5.1f} ms p99 {echo['p99']:6.1f} ms | ratio {mine['ups'] / echo['ups']:.2f} | "
                          f"CPU/update {mine['cpu_ms']:.2f} vs {echo['cpu_ms']:.2f} ms", flush=True)
                    if args.paced and chats == max(args.chats):
                        updates = _updates(factory, prepared, args.paced_steps)
                        bare_lat = sorted(await paced(to_bare, updates, args.paced))
                        updates = _updates(factory, prepared, args.paced_steps)
                        mine_lat = sorted(await paced(to_project, updates, args.paced))

                        def pct(values: list[float], q: float) -> float:
                            return values[min(len(values) - 1, int(len(values) * q))] * 1000

                        print(f"{label:20} chats={chats:3} paced {args.paced:.0f} updates/s ({len(mine_lat)} updates): "
                              f"project p50 {pct(mine_lat, 0.5):6.1f} ms p99 {pct(mine_lat, 0.99):6.1f} ms | "
                              f"bare p50 {pct(bare_lat, 0.5):5.1f} ms p99 {pct(bare_lat, 0.99):5.1f} ms", flush=True)
            print("Bot API calls received:", json.dumps(Counter(m for m, _ in telegram.calls), sort_keys=True))
            for log in sorted(Path(tmp).glob("*.log")):
                lines = log.read_text(errors="replace").splitlines()
                problems = [line for line in lines if "Traceback" in line or "ERROR" in line or "error" in line]
                print(f"{log.name}: {len(lines)} log lines, {len(problems)} errors", *problems[:5], sep="\n  ")
                if os.environ.get("BENCH_SHOW_LOG"):
                    print(*lines[-int(os.environ["BENCH_SHOW_LOG"]):], sep="\n")
        finally:
            for b in bots:
                b.stop()
            await http.close()
            if drop is not None:
                await drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--chats", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--steps", type=int, default=2000, help="updates per run (split across chats)")
    parser.add_argument("--min-steps", type=int, default=10)
    parser.add_argument("--paced", type=float, default=0.0, help="also measure at this total rate with the most chats")
    parser.add_argument("--paced-steps", type=int, default=6)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--redis", metavar="URL")
    asyncio.run(run(parser.parse_args()))
