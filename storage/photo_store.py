"""Where original photo bytes live. Keys are derived from the content hash only: no user input
ever reaches a path. ``PhotoStore`` is the interface an S3-compatible store could implement."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class PhotoStore(Protocol):
    async def put(self, data: bytes) -> tuple[str, str]:
        """Store ``data``; returns ``(sha256 hex, storage key)``. Idempotent for equal bytes."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``. Raises ``FileNotFoundError``."""
        ...


class FileSystemPhotoStore:
    """Content-addressed files: ``<root>/ab/abcdef…`` (sha256), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 67 or key[2] != "/" or not all(c in "0123456789abcdef/" for c in key):
            raise ValueError(f"not a photo key: {key!r}")
        return self.root / key

    async def put(self, data: bytes) -> tuple[str, str]:
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest}"
        await asyncio.to_thread(self._write, self._path(key), data)
        return digest, key

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
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
        return await asyncio.to_thread(self._path(key).read_bytes)
