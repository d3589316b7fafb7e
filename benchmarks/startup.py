"""Start-up: the ``hazardbot`` commands that do not talk to Telegram, and ``hazardbot run``'s first answer,
each against an anchor in the same run, interleaved.

    PYTHONPATH=. python benchmarks/startup.py [--small] [--rounds R] [--no-record]

1. Commands (``--help``, ``invite``, ``export``, ``reminders preview``, ``backup``, ``tipoffs export``,
   ``db upgrade``), each a fresh process on a migrated SQLite database, against a Python process printing an
   ``argparse`` ``--help`` (the anchor). Wall seconds (median and range of the rounds) and whether the
   process loaded aiogram (it must not).
2. ``hazardbot run --webhook`` against ``benchmarks/bare_webhook_bot.py`` (aiogram, one echo handler, the same
   webhook server): seconds from the process's spawn until its answer to a first ``/start`` POSTed to the
   webhook came back (polling the port every 20 ms), both talking to an in-process Bot API stand-in.
   Goal: ≤ 1.2 × the bare bot. Also the CPU seconds each process had used by its answer (``/proc``): on a
   machine other work keeps busy the wall times spread widely, the CPU much less.

``--small``: 2 rounds, the commands ``--help``, ``invite`` and ``export`` only (about a minute on a quiet
machine). Appends a record to ``benchmarks/RESULTS-perf.md`` with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.results_log import record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).with_name("RESULTS-perf.md")
TOKEN, SECRET = "4242:" + "B" * 35, "bench-secret"
ANCHOR = "import argparse; p = argparse.ArgumentParser(prog='x'); p.add_argument('--db'); p.print_help()"
#: runs the command as ``hazardbot`` does and says on stderr whether aiogram was loaded
PROBE = ("import sys, atexit; atexit.register(lambda: print('AIOGRAM' if 'aiogram' in sys.modules else '', "
         "file=sys.stderr)); sys.argv = ['hazardbot', *sys.argv[1:]]; from bot.cli import main; sys.exit(main())")


def commands(tmp: Path, small: bool) -> dict[str, list[str]]:
    all_ = {
        "--help": ["--help"],
        "invite": ["invite", "--role", "inspector", "--unit", "110105001"],
        "export": ["export", "hazards", "-o", str(tmp / "hazards.xlsx")],
        "reminders preview": ["reminders", "preview", "--on", "2019-03-25"],
        "backup": ["backup", "--to", str(tmp / "backup.db")],
        "tipoffs export": ["tipoffs", "export", "--out", str(tmp / "tipoffs.csv")],
        "db upgrade": ["db", "upgrade"],
    }
    return {k: v for k, v in all_.items() if not small or k in ("--help", "invite", "export")}


def timed(args: list[str], env: dict[str, str]) -> tuple[float, bool]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0,):
        raise RuntimeError(f"{args}: exit {done.returncode}: {done.stderr[-800:]}")
    return wall, "AIOGRAM" in done.stderr


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process ``pid`` has used so far (Linux ``/proc``): what a busy machine
    changes far less than wall time, which also counts the time other processes held the two cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def first_answer(args: list[str], env: dict[str, str], port: int, http: aiohttp.ClientSession,
                       body: str) -> tuple[float, float]:
    """Wall seconds from spawning ``args`` until a POST of ``body`` to its webhook was answered 200, and the CPU
    seconds the process had used by then."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{args} ended with {proc.returncode}")
            try:
                async with http.post(f"http://127.0.0.1:{port}/webhook", data=body, headers={
                        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                    await response.read()
                    if response.status == 200:
                        return time.perf_counter() - start, cpu_seconds(proc.pid)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def run_first_update(tmp: Path, db_url: str, rounds: int) -> dict[str, list[float]]:
    from bot.updates import UpdateFactory
    from tests.botapi_standin import fake_api, free_port

    out: dict[str, list[float]] = {"project": [], "bare": [], "project cpu": [], "bare cpu": []}
    async with fake_api() as (_telegram, api_url):
        http = aiohttp.ClientSession()
        base = {**os.environ, "PYTHONPATH": str(ROOT)}
        env = {**base, "HAZARDBOT_TOKEN": TOKEN, "HAZARDBOT_API_URL": api_url, "HAZARDBOT_DATABASE_URL": db_url,
               "HAZARDBOT_DATA_DIR": str(tmp / "data"), "HAZARDBOT_WEBHOOK_SECRET": SECRET}
        try:
            for r in range(rounds):
                for kind in (("bare", "project") if r % 2 == 0 else ("project", "bare")):
                    port = free_port()
                    body = UpdateFactory(int(time.time() * 1000) + r * 10 + (kind == "bare")).text(
                        UpdateFactory.user(4242 + r), "/start").model_dump_json(exclude_none=True, by_alias=True)
                    if kind == "bare":
                        args = [sys.executable, str(ROOT / "benchmarks/bare_webhook_bot.py"), api_url, TOKEN, SECRET,
                                str(port)]
                    else:
                        args = [sys.executable, "-m", "bot", "run", "--webhook", "https://bench.example/webhook",
                                "--listen", f"127.0.0.1:{port}"]
                    seconds, cpu = await first_answer(args, env, port, http, body)
                    out[kind].append(seconds)
                    out[f"{kind} cpu"].append(cpu)
                    print(f"first answer round {r} {kind:7} {seconds:.2f} s, CPU {cpu:.2f} s", flush=True)
        finally:
            await http.close()
    return out


def main(args: argparse.Namespace) -> None:
    lines = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db_url = f"sqlite+aiosqlite:///{tmp / 'hazardbot.db'}"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HAZARDBOT_DATABASE_URL": db_url,
               "HAZARDBOT_DATA_DIR": str(tmp / "data")}
        timed([sys.executable, "-c", PROBE, "db", "upgrade"], env)  # the database, and warm file caches
        walls: dict[str, list[float]] = {"anchor": []}
        aiogram: dict[str, bool] = {}
        for r in range(args.rounds):
            walls["anchor"].append(timed([sys.executable, "-c", ANCHOR], env)[0])
            for label, argv in commands(tmp, args.small).items():
                wall, loaded = timed([sys.executable, "-c", PROBE, *argv], env)
                walls.setdefault(label, []).append(wall)
                aiogram[label] = aiogram.get(label, False) or loaded
            print(f"round {r}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in walls.items()), flush=True)
        first = asyncio.run(run_first_update(tmp, db_url, args.rounds))
    load = os.getloadavg()
    anchor = statistics.median(walls["anchor"])
    lines.append("| command | wall, median (range) | × argparse anchor | aiogram loaded |")
    lines.append("| --- | --- | --- | --- |")
    for label, values in walls.items():
        lines.append(f"| `{label}` | {spread(values)} | {statistics.median(values) / anchor:.1f} | "
                     f"{'—' if label == 'anchor' else ('**yes**' if aiogram[label] else 'no')} |")
    ratios = [p / b for p, b in zip(first["project"], first["bare"], strict=True)]
    cpu_ratios = [p / b for p, b in zip(first["project cpu"], first["bare cpu"], strict=True)]
    lines.append("")
    lines.append(f"First answer after spawn: `hazardbot run --webhook` {spread(first['project'])}, bare aiogram "
                 f"{spread(first['bare'])}; ratio {statistics.median(ratios):.2f} × "
                 f"({min(ratios):.2f}–{max(ratios):.2f}), goal ≤ 1.2 ×. CPU used by then: "
                 f"{spread(first['project cpu'])} against {spread(first['bare cpu'])}; ratio "
                 f"{statistics.median(cpu_ratios):.2f} × ({min(cpu_ratios):.2f}–{max(cpu_ratios):.2f}).")
    lines.append(f"Load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (2 cores).")
    record(RESULTS, "start-up", f", {args.rounds} rounds{' (small)' if args.small else ''}", "\n".join(lines),
           write=not args.no_record)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="2 rounds, three commands")
    parser.add_argument("--no-record", action="store_true")
    parsed = parser.parse_args()
    if parsed.small:
        parsed.rounds = 2
    main(parsed)
