"""Receiving a photo: check it really is an image we can use, keep the original bytes by hash.

Sources: 方案 五(一) "…相关记录及照片及时录入信息系统". The checks are ``storage.images``:
Telegram bots download at most 20 MB (checked before downloading, from the declared size),
images above 60 megapixels are refused from their header, before any decoding.
"""

from __future__ import annotations

import asyncio

from bot.forms.actions import StoredImage
from storage.db import UowFactory
from storage.images import inspect_image
from storage.photo_store import PhotoStore


class PhotoService:
    """Keeps originals in the photo store; records are created by the service that owns the stage."""

    def __init__(self, uow: UowFactory, store: PhotoStore) -> None:
        self._uow = uow
        self._store = store

    async def keep_original(self, data: bytes) -> StoredImage:
        """Check ``data`` (off the event loop) and store it.

        Raises ``FileTooBig``, ``NotAnImage``, ``ImageFormatUnsupported``, ``ImageTooLargePixels``,
        ``ImageTruncated`` (``storage.images``).
        """
        facts = await asyncio.to_thread(inspect_image, data)
        sha256, key = await self._store.put(data)
        return StoredImage(sha256, key, len(data), facts.mime, facts.width, facts.height)

    async def original(self, storage_key: str) -> bytes:
        return await self._store.get(storage_key)
