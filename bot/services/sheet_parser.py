"""Uploaded spreadsheets parsed in the memory-bounded worker process (issue 14, finding 1): the zip
directory is checked here (``guard.check_archive``, cheap), then a function of ``bot.services.sheet_jobs`` reads
the file in a worker of ``storage.untrusted_worker`` that has openpyxl and those jobs loaded, so the event
loop keeps answering and the bot process never holds what a bomb unpacks to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from storage.excel.guard import DEFAULT_LIMITS, SheetLimits, SpreadsheetRefused, check_archive, check_size
from storage.untrusted_worker import WorkerFailed, shared_workers

T = TypeVar("T")
PRELOAD = ("openpyxl", "bot.services.sheet_jobs")


class SheetParser:
    """The spreadsheet bounds (``limits``) and the workers that parse within ``memory_mb`` and
    ``timeout`` seconds: what a service needs to read an uploaded file."""

    def __init__(self, limits: SheetLimits = DEFAULT_LIMITS, memory_mb: int = 1024, timeout: float = 120.0,
                 workers: int = 1) -> None:
        self.limits = limits
        self.timeout = timeout
        self.workers = shared_workers(memory_mb, workers, PRELOAD)

    def check_size(self, size: int | None) -> None:
        """Refuse a file announced larger than the limit (before downloading it)."""
        check_size(size, self.limits)

    async def parse(self, job: Callable[..., T], path: Path, *args: Any, archive: bool = True) -> T:
        """``job(path, limits, *args)`` in a worker, after ``check_archive`` here (``archive`` false: the
        file is no zip, e.g. CSV). Raises ``SpreadsheetRefused`` (``too_heavy`` when the worker ran out of
        memory or time, ``damaged`` when the reader raised on the file)."""
        if archive:
            await asyncio.to_thread(check_archive, path, self.limits)
        try:
            return await self.workers.run(job, (path, self.limits, *args), self.timeout)
        except WorkerFailed as exc:
            raise SpreadsheetRefused(exc.kind, cause=exc.cause) from None
