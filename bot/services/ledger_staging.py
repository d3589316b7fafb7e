"""Checked 附件2 rows waiting on disk between the check and the save (issue 19 item 2, issue 16 item 7).

The parse worker streams the good rows of an uploaded ledger into ``rows.pickle`` of a staging folder, a few
hundred at a time (``StageWriter``), and its progress into ``progress``; the bot process reads them back the
same way (``staged_batches``), so neither process ever holds the whole ledger. A folder also keeps what the
office must decide on when some rows are bad (``PendingImport``: who sent it, the report) until the office
chooses "import the good rows" or "import nothing", or until ``STAGED_TTL`` passes.

The files are written by our own worker into a folder only this process's user can read (``mkdtemp``), from
values it has already checked: reading them back with ``pickle`` trusts nothing that came from the file.
This module imports neither SQLAlchemy nor aiogram (the worker loads it).
"""

from __future__ import annotations

import os
import pickle
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.services.ledger_rows import ImportReport

ROWS = "rows.pickle"
PROGRESS = "progress"
PENDING = "pending.pickle"
STAGE_BATCH = 1000  # rows per pickled frame, and per INSERT … executemany
STAGED_TTL = 3600.0  # seconds a ledger waits for the office's choice
_PREFIX = "hazardbot-staged-"
_TOKEN_BYTES = 9  # 12 URL-safe characters: fits a button's 64 bytes, cannot be guessed


@dataclass
class PendingImport:
    """A checked ledger waiting for the office's choice: the ``user_id`` who sent it (only they may answer),
    the ``unit_id`` owning its rows (None: each row's 所属街乡), the file's name and the check's report."""

    user_id: int
    kind: str
    unit_id: int | None
    file_name: str
    report: ImportReport
    created: float


def _root() -> Path:
    return Path(tempfile.gettempdir())


def new_stage() -> tuple[str, Path]:
    """A fresh private staging folder and its token; staged folders older than ``STAGED_TTL`` are removed."""
    sweep()
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    folder = _root() / f"{_PREFIX}{token}"
    folder.mkdir(mode=0o700)
    return token, folder


def stage_folder(token: str) -> Path | None:
    """The staging folder of ``token`` (a button's text: anything), None when there is none or it expired."""
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 32:
        return None
    folder = _root() / f"{_PREFIX}{token}"
    if not folder.is_dir() or time.time() - folder.stat().st_mtime > STAGED_TTL:
        return None
    return folder


def drop(folder: Path) -> None:
    """Remove the staging folder and what it holds (missing: nothing to do)."""
    shutil.rmtree(folder, ignore_errors=True)


def sweep(now: float | None = None) -> None:
    """Remove staging folders older than ``STAGED_TTL`` (a question nobody answered, a crash)."""
    now = time.time() if now is None else now
    for folder in _root().glob(f"{_PREFIX}*"):
        try:
            if now - folder.stat().st_mtime > STAGED_TTL:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


class StageWriter:
    """Good rows appended in frames of ``STAGE_BATCH`` (worker side)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fh: IO[bytes] = (folder / ROWS).open("wb")
        self._batch: list[tuple[int, dict[str, Any]]] = []
        self.count = 0

    def add(self, n: int, values: dict[str, Any]) -> None:
        """Stage the good row number ``n`` (its sheet row) with its checked ``values``."""
        self._batch.append((n, values))
        self.count += 1
        if len(self._batch) >= STAGE_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            pickle.dump(self._batch, self._fh, pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def close(self) -> None:
        """Write the last frame and close the file."""
        self._flush()
        self._fh.close()


def write_progress(folder: Path, rows: int) -> None:
    """The worker's count of rows checked so far (read by ``read_progress``)."""
    tmp = folder / f"{PROGRESS}.tmp"
    tmp.write_text(str(rows))
    os.replace(tmp, folder / PROGRESS)


def read_progress(folder: Path) -> int:
    """The number of rows the worker has checked so far, 0 before its first report or when unreadable."""
    try:
        return int((folder / PROGRESS).read_text() or 0)
    except (OSError, ValueError):
        return 0


def staged_batches(folder: Path) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The staged rows, ``STAGE_BATCH`` at a time (bot side)."""
    path = folder / ROWS
    if not path.exists():
        return
    with path.open("rb") as fh:
        while True:
            try:
                yield pickle.load(fh)  # noqa: S301  (our worker's own checked values, see the module doc)
            except EOFError:
                return


def save_pending(folder: Path, pending: PendingImport) -> None:
    """Keep ``pending`` in the folder until the office decides."""
    (folder / PENDING).write_bytes(pickle.dumps(pending, pickle.HIGHEST_PROTOCOL))


def load_pending(folder: Path) -> PendingImport | None:
    """The ledger waiting in the folder, None when there is none or the file cannot be read."""
    try:
        value = pickle.loads((folder / PENDING).read_bytes())  # noqa: S301  (written by save_pending)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    return value if isinstance(value, PendingImport) else None
