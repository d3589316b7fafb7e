"""Receiving a photo: check it really is an image we can use, keep the original bytes by hash.

Sources: 方案 五(一) "…相关记录及照片及时录入信息系统". The checks are ``storage.images``:
Telegram bots download at most 20 MB (checked before downloading, from the declared size),
images above 60 megapixels, in any frame, are refused from their headers, before any decoding;
a damaged file is found when its unmarked evidence copy is made — before anything is stored.
"""

from __future__ import annotations

from bot.forms.actions import StoredImage
from bot.services.evidence import keep_unmarked
from storage.db import UowFactory
from storage.photo_store import PhotoStore


class PhotoService:
    """Keeps originals in the photo store; records are created by the service that owns the stage."""

    def __init__(self, uow: UowFactory, store: PhotoStore) -> None:
        self._uow = uow
        self._store = store

    async def keep_original(self, data: bytes) -> StoredImage:
        """Check ``data`` and make its unmarked evidence copy (off the event loop), then store both.

        Raises ``FileTooBig``, ``NotAnImage``, ``ImageFormatUnsupported``, ``ImageTooLargePixels``,
        ``ImageTooManyFrames``, ``ImageTruncated`` (``storage.images``), with nothing stored.
        """
        copy = await keep_unmarked(self._store, data)
        sha256, key = await self._store.put(data)
        facts = copy.facts
        return StoredImage(sha256, key, len(data), facts.mime, facts.width, facts.height, copy)

    async def original(self, storage_key: str) -> bytes:
        """The stored bytes under ``storage_key``; raises ``FileNotFoundError`` when the store has none."""
        return await self._store.get(storage_key)
