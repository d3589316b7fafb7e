"""Untrusted files parsed in a separate, memory-bounded process (issue 14, findings 1 and 2).

A 5 MB workbook can take a minute and gigabytes to read, a 48 MP HEIC costs libheif's planes and Pillow's
copy together (~330 MB); done in the bot process, either could take it down, and done on the event loop a
slow one froze every other user. ``BoundedWorkers.run(fn, args, timeout)`` (or ``call`` from a thread) sends
``fn`` — a module-level function, pickled by reference — and its arguments to a worker process and
returns what ``fn`` returned, pickled back: only the small result (rows, a shrunk picture) ever reaches the
bot process.

The worker is ``python -c`` (not ``multiprocessing``, whose children re-import the parent's ``__main__``:
aiogram, seconds), sets ``RLIMIT_AS`` before it imports anything, and preloads only the modules its pool
names. It stays for the next job (requests travel as length-prefixed pickles on its stdin and stdout) until
it has been idle for ``IDLE_SECONDS``, or has grown past half its bound, or failed. A ``DomainError`` that
``fn`` raises crosses back as itself; a job that runs out of memory or time, or a worker that dies, ends as
``WorkerFailed``, and the next job gets a fresh worker. Workers are shared by every user of the process with
the same bound, count and preloaded modules (``shared_workers``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib
import logging
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from storage.errors import DomainError

log = logging.getLogger("hazardbot.worker")
MIB = 2**20
T = TypeVar("T")
_FRAME = struct.Struct(">Q")
IDLE_SECONDS = 300.0
START_SECONDS = 60.0  # python and openpyxl or Pillow start in about a second; a loaded machine may take longer
MAX_RESULT = 96 * MIB  # a pickled result; unpickled in the bot process, it must stay well under 300 MB
_ROOT = str(Path(__file__).resolve().parents[1])  # the directory holding the storage package


class WorkerFailed(Exception):
    """A job that could not finish. ``kind``: ``too_heavy`` (out of memory or time, the worker died or could
    not start, the result too large) or ``damaged`` (``fn`` raised something other than a ``DomainError``:
    the parser choked on the file); ``cause`` names where, for the log (never the file's content)."""

    def __init__(self, kind: str, cause: str) -> None:
        super().__init__(f"{kind}: {cause}")
        self.kind = kind
        self.cause = cause


class _Gone(Exception):
    """The worker exited between jobs (idle): start another and send the job again."""


class _Failed(Exception):
    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class _Worker:
    def __init__(self, memory_mb: int, preload: tuple[str, ...]) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from storage.untrusted_worker import serve; serve()", str(memory_mb),
             str(IDLE_SECONDS), *preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=_ROOT,
        )
        self.used = time.monotonic()
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for the worker's imports (not counted in a job's time); ``_Failed`` if it never gets there."""
        assert self.proc.stdout is not None
        if self._read(self.proc.stdout.fileno(), 1, time.monotonic() + START_SECONDS) != b"R":
            raise _Failed("start")
        self.ready = True

    @property
    def fresh(self) -> bool:
        """Alive and not about to leave for idleness (with a minute's margin for the race)."""
        return self.proc.poll() is None and time.monotonic() - self.used < IDLE_SECONDS - 60

    def run(self, job: bytes, timeout: float) -> tuple[tuple[str, Any], int]:
        """Send ``job``, wait at most ``timeout`` seconds for ``((status, value), peak_kb)``."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(_FRAME.pack(len(job)) + job)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _Gone() from exc
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        (size,) = _FRAME.unpack(self._read(fd, _FRAME.size, deadline))
        if size > MAX_RESULT + 4096:
            raise _Failed("result")
        reply = pickle.loads(self._read(fd, size, deadline))
        self.used = time.monotonic()
        return reply  # type: ignore[no-any-return]

    @staticmethod
    def _read(fd: int, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise _Failed("timeout")
            chunk = os.read(fd, min(n - len(buf), MIB))
            if not chunk:
                raise _Failed("died")  # killed by the kernel, a crash in C, or ran out of memory at start
            buf += chunk
        return bytes(buf)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a pipe whose other end died cannot flush
                    pipe.close()


class BoundedWorkers:
    """``count`` workers, each bounded to ``memory_mb`` of address space, with the modules ``preload``
    imported before the first job; jobs beyond ``count`` wait in line (in this pool's threads, never in
    the event loop's default executor)."""

    def __init__(self, memory_mb: int, count: int = 1, preload: tuple[str, ...] = ()) -> None:
        self.memory_mb = memory_mb
        self.preload = preload
        self._threads = ThreadPoolExecutor(count, thread_name_prefix="bounded-worker")
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self.jobs = 0  # finished or failed, for tests and benchmarks
        self.pids: set[int] = set()
        self.last_peak_kb = 0  # the worker's peak RSS after its last job

    async def run(self, fn: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
        """``fn(*args)`` in a worker, within ``timeout`` seconds; raises what ``fn`` raised if it is a
        ``DomainError``, else ``WorkerFailed`` when the job ran out of memory or time, or could not finish."""
        return await asyncio.wrap_future(self._threads.submit(self._run, fn, args, timeout))

    def call(self, fn: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
        """``run`` for blocking code (a thread of ``asyncio.to_thread``): waits in line like ``run``."""
        return self._threads.submit(self._run, fn, args, timeout).result()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.fresh:
                    return worker
                worker.stop()
        worker = _Worker(self.memory_mb, self.preload)
        self.pids.add(worker.proc.pid)
        try:
            worker.wait_ready()
        except _Failed:
            worker.stop()
            raise
        return worker

    def _run(self, fn: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
        job = pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL)
        try:
            worker = self._take()
        except _Failed as exc:
            log.warning("event=worker_failed cause=%s", exc.cause)
            raise WorkerFailed("too_heavy", exc.cause) from None
        try:
            try:
                (status, value), peak = worker.run(job, timeout)
            except _Gone:
                worker.stop()
                worker = self._take()
                (status, value), peak = worker.run(job, timeout)
        except _Failed as exc:
            worker.stop()
            self.jobs += 1
            log.warning("event=worker_failed cause=%s pid=%s", exc.cause, worker.proc.pid)
            raise WorkerFailed("too_heavy", exc.cause) from None
        self.jobs += 1
        self.last_peak_kb = peak
        if worker.proc.poll() is None and status in ("ok", "refused") and peak * 1024 < self.memory_mb * MIB // 2:
            with self._lock:
                self._idle.append(worker)
        else:
            worker.stop()
        if status == "ok":
            return value  # type: ignore[no-any-return]
        if status == "refused":
            raise value
        log.warning("event=worker_failed cause=%s pid=%s", value, worker.proc.pid)
        # "failed": the parser raised on something it did not expect in the file
        raise WorkerFailed("damaged" if status == "failed" else "too_heavy", value)

    def close(self) -> None:
        """Stop the idle workers and the pool's threads (a job running finishes on its own)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
        self._threads.shutdown(wait=False)


_pools: dict[tuple[int, int, tuple[str, ...]], BoundedWorkers] = {}
_pools_lock = threading.Lock()


def shared_workers(memory_mb: int, count: int = 1, preload: tuple[str, ...] = ()) -> BoundedWorkers:
    """The process's workers for this memory bound (MB of address space), count and preloaded modules
    (started on first use, stopped at exit)."""
    key = (memory_mb, count, preload)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = BoundedWorkers(memory_mb, count, preload)
        return pool


@atexit.register
def _close_all() -> None:
    for pool in list(_pools.values()):
        pool.close()


def serve() -> None:
    """The worker's main loop (``python -c``): argv is the memory bound in MB, the idle time in s and the
    modules to import before the first job."""
    limit = int(sys.argv[1]) * MIB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the replies
    for module in sys.argv[3:]:  # loaded once, before the first job
        importlib.import_module(module)

    out.write(b"R")  # ready: the parent starts the job's clock from here
    out.flush()
    while select.select([0], [], [], float(sys.argv[2]))[0]:
        head = _read_exactly(0, _FRAME.size)
        if head is None:
            return
        body = _read_exactly(0, _FRAME.unpack(head)[0])
        if body is None:
            return
        reply = _answer(body)
        del body
        status = reply[0]
        peak = _peak_kb()
        try:
            data = pickle.dumps((reply, peak), pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            status = "memory"
            data = pickle.dumps(((status, status), peak))
        del reply
        if len(data) > MAX_RESULT:
            status = "memory"
            data = pickle.dumps(((status, "result"), peak))
        out.write(_FRAME.pack(len(data)))
        out.write(data)
        out.flush()
        if status == "memory" or peak * 1024 > limit // 2:
            return  # a fresh process for the next job


def _answer(body: bytes) -> tuple[str, Any]:
    try:
        fn, args = pickle.loads(body)
        return "ok", fn(*args)
    except DomainError as exc:
        return "refused", exc
    except MemoryError:
        return "memory", "memory"
    except Exception as exc:  # noqa: BLE001  (a parser raises anything on a strange file; logged, then refused)
        where = traceback.extract_tb(exc.__traceback__)[-1]  # the place, not the message: it may quote a cell
        return "failed", f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"


def _peak_kb() -> int:
    """This process's peak resident memory, kB. Not ``ru_maxrss``: that keeps the parent's size from
    before ``exec``, so the worker of a 600 MB bot would always look 600 MB big."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _read_exactly(fd: int, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, min(n - len(buf), MIB))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)
