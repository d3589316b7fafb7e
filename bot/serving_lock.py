"""The serving lock of a SQLite database: ``hazardbot run`` (polling or webhook) and ``hazardbot chat`` hold
it shared while they serve, ``hazardbot restore`` takes it exclusively. A restore therefore never replaces
the file under a running bot, which would keep writing to the replaced file (those writes would be lost).

An OS advisory lock (``flock``) on ``<database file>.lock`` beside the database (``DATA_DIR/hazardbot.db.lock``
by default): the kernel releases it when the process ends, however it ends, so a crash leaves no stale lock.
The lock file is never deleted (a re-created file would be a second, independent lock). PostgreSQL has no
such lock here: its restore is ``pg_restore`` by hand, with every instance stopped (docs/operations.md).
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


class DatabaseInUse(Exception):
    """The database is open in a serving process (``run``, ``chat``); ``args[0]`` is the lock file."""


def lock_file(db_file: Path) -> Path:
    """The lock file of the SQLite file ``db_file``: ``<db_file>.lock`` in the same directory."""
    return db_file.with_name(f"{db_file.name}.lock")


def _sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _lock(db_file: Path, operation: int) -> int:
    """Open the lock file of ``db_file`` and ``flock`` it; returns the descriptor (closing it releases the
    lock). A non-blocking ``operation`` that cannot be granted raises ``BlockingIOError``."""
    fd = os.open(lock_file(db_file), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, operation)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def serving(database_url: str) -> Iterator[None]:
    """Hold the shared serving lock of the SQLite database at ``database_url`` (nothing for PostgreSQL or an
    in-memory database). Several serving processes share it; while a restore holds it, this waits for the
    restore to end (so the bot then opens the restored file)."""
    db_file = _sqlite_file(database_url)
    if db_file is None:
        yield
        return
    db_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = _lock(db_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        log.warning("a restore of %s is running; waiting for it to finish", db_file)
        fd = _lock(db_file, fcntl.LOCK_SH)
    try:
        yield
    finally:
        os.close(fd)


@contextmanager
def exclusive(db_file: Path) -> Iterator[None]:
    """Hold the serving lock of ``db_file`` alone (for a restore); raises ``DatabaseInUse`` at once, without
    waiting, while any serving process holds it. The directory of ``db_file`` must exist."""
    try:
        fd = _lock(db_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        raise DatabaseInUse(lock_file(db_file)) from exc
    try:
        yield
    finally:
        os.close(fd)
