"""Where original photo bytes live. Keys are derived from the content hash only: no user input
ever reaches a path. ``PhotoStore`` is the interface an S3-compatible store could implement."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredFile:
    """One object in the store: its key, size in bytes and when it was last written (aware UTC)."""

    key: str
    size: int
    modified: datetime


class PhotoStore(Protocol):
    """Where photos' and files' bytes are kept, content-addressed by SHA-256."""

    async def put(self, data: bytes) -> tuple[str, str]:
        """Store ``data``; returns ``(sha256 hex, storage key)``. Idempotent for equal bytes."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``. Raises ``FileNotFoundError``."""
        ...

    async def entries(self) -> list[StoredFile]:
        """Every object in the store."""
        ...

    async def delete(self, key: str, *, unless_written_after: datetime) -> bool:
        """Remove ``key`` unless it was (re)written after ``unless_written_after``; whether it was removed."""
        ...


class FileSystemPhotoStore:
    """Content-addressed files: ``<root>/ab/abcdef…`` (sha256), written atomically. Putting bytes that
    are already there touches the file, so that its age counts from its latest use (``delete``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 67 or key[2] != "/" or not all(c in "0123456789abcdef/" for c in key):
            raise ValueError(f"not a photo key: {key!r}")
        return self.root / key

    async def put(self, data: bytes) -> tuple[str, str]:
        """``PhotoStore.put``: write the file atomically unless it exists (then touch it)."""
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest}"
        await asyncio.to_thread(self._write, self._path(key), data)
        return digest, key

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            os.utime(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes:
        """``PhotoStore.get``: read the file. Raises ``FileNotFoundError``, ``ValueError`` for a malformed
        key."""
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def entries(self) -> list[StoredFile]:
        """``PhotoStore.entries``: every stored file under the root (not partial writes), with its size and
        modification time."""
        return await asyncio.to_thread(self._entries)

    def _entries(self) -> list[StoredFile]:
        if not self.root.is_dir():
            return []
        found = []
        for shard in self.root.iterdir():
            if not (shard.is_dir() and len(shard.name) == 2):
                continue
            for path in shard.iterdir():
                key = f"{shard.name}/{path.name}"
                if len(key) != 67 or not path.is_file():
                    continue  # a write cut short (".tmp-…") or anything not ours
                stat = path.stat()
                found.append(StoredFile(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
        return sorted(found, key=lambda f: f.key)

    async def delete(self, key: str, *, unless_written_after: datetime) -> bool:
        """``PhotoStore.delete``: remove the file unless modified after ``unless_written_after``."""
        return await asyncio.to_thread(self._delete, self._path(key), unless_written_after)

    @staticmethod
    def _delete(path: Path, unless_written_after: datetime) -> bool:
        try:
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) > unless_written_after:
                return False  # put again meanwhile: in use
            path.unlink()
        except FileNotFoundError:
            return False
        return True
