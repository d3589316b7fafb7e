"""A child process of the kill -9 tests: started with ``python -m MODULE ARGS``, its stdout read line by
line, killed with SIGKILL (and every line it printed before dying collected), or waited for."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180  # a safety net for a hung child, never a measure of speed


class Child:
    """One process; ``lines`` are its stdout lines read so far. Its stderr goes to a file (a pipe nobody
    reads could fill up and stall it), shown when it ends unexpectedly."""

    def __init__(self, proc: asyncio.subprocess.Process, stderr: Path) -> None:
        self.proc = proc
        self.stderr = stderr
        self.lines: list[str] = []

    @classmethod
    async def start(cls, module: str, *args: str, stderr: Path, env: dict[str, str] | None = None) -> Child:
        """Run ``python -m module args`` from the repository root with unbuffered output."""
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
        stderr.parent.mkdir(parents=True, exist_ok=True)
        with stderr.open("ab") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", module, *args, cwd=ROOT, env=full_env,
                stdout=asyncio.subprocess.PIPE, stderr=err,
            )
        return cls(proc, stderr)

    def tail(self) -> str:
        """The last lines printed and the end of stderr, for an assertion message."""
        err = self.stderr.read_text(errors="replace")[-3000:] if self.stderr.exists() else ""
        return f"last lines {self.lines[-8:]}\nstderr: {err}"

    async def read_until(self, predicate: Callable[[list[str]], bool], timeout: float = TIMEOUT) -> None:
        """Read lines until ``predicate(lines)`` holds (raises when the process ends first)."""
        assert self.proc.stdout is not None
        while not predicate(self.lines):
            raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout=timeout)
            if not raw:
                await self.proc.wait()
                raise AssertionError(f"child ended early (exit {self.proc.returncode}): {self.tail()}")
            self.lines.append(raw.decode().strip())

    async def kill(self) -> None:
        """SIGKILL, then collect what it printed before it died."""
        self.proc.send_signal(signal.SIGKILL)
        assert await self.proc.wait() == -signal.SIGKILL
        assert self.proc.stdout is not None
        rest = await self.proc.stdout.read()
        self.lines += [line.strip() for line in rest.decode().splitlines() if line.strip()]

    async def finish(self, last: str = "finished") -> None:
        """Wait for the line ``last`` and a clean exit."""
        await self.read_until(lambda lines: last in lines)
        code = await asyncio.wait_for(self.proc.wait(), timeout=TIMEOUT)
        assert code == 0, self.tail()


async def sessions_ended(url: str) -> None:
    """After a kill: wait until PostgreSQL has ended every other client session on the database. A COMMIT
    the dead process sent just before dying is applied (or not) by then: what is read next is final."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with asyncio.timeout(TIMEOUT):
            while True:
                async with engine.connect() as conn:
                    others = (await conn.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    ))).scalar_one()
                if not others:
                    return
                await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
