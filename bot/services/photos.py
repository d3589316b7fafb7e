"""Receiving a photo: check it really is an image we can use, keep the original bytes by hash.

Sources: 方案 五(一) "…相关记录及照片及时录入信息系统". Limits: Telegram bots download at most
20 MB (checked before downloading, from the size Telegram declares); images above
``MAX_PIXELS`` are refused from their header, before any decoding.
"""

from __future__ import annotations

import asyncio
import io
import warnings

from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from bot.forms.actions import StoredImage
from bot.services.errors import DomainError
from storage.db import UowFactory
from storage.photo_store import PhotoStore

register_heif_opener()

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 60_000_000

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heif", "GIF": "image/gif"}


class ImageRejected(DomainError):
    """``reason``: ``too_big`` (bytes), ``too_many_pixels``, ``not_an_image``, ``corrupt``."""

    code = "image_rejected"


def check_declared_size(size: int | None) -> None:
    """Refuse before downloading a file Telegram says is above the 20 MB bot download limit."""
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        raise ImageRejected(reason="too_big", size_mb=round(size / 1024 / 1024, 1), limit_mb=20)


def inspect_image(data: bytes) -> tuple[str, int, int]:
    """``(mime, width, height)`` of ``data`` judged by content, not by file name.

    Raises ``ImageRejected`` for non-images, decompression bombs (from the header) and truncated files.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        with img:
            fmt = img.format or ""
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(reason="too_many_pixels", width=width, height=height)
            img.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(reason="too_many_pixels") from None
    except UnidentifiedImageError:
        raise ImageRejected(reason="not_an_image") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected(reason="corrupt") from None
    if fmt not in _MIME:
        raise ImageRejected(reason="not_an_image")
    return _MIME[fmt], width, height


class PhotoService:
    """Keeps originals in the photo store; records are created by the service that owns the stage."""

    def __init__(self, uow: UowFactory, store: PhotoStore) -> None:
        self._uow = uow
        self._store = store

    async def keep_original(self, data: bytes) -> StoredImage:
        """Check ``data`` (off the event loop) and store it; raises ``ImageRejected``."""
        if len(data) > MAX_DOWNLOAD_BYTES:
            raise ImageRejected(reason="too_big", size_mb=round(len(data) / 1024 / 1024, 1), limit_mb=20)
        mime, width, height = await asyncio.to_thread(inspect_image, data)
        sha256, key = await self._store.put(data)
        return StoredImage(sha256, key, len(data), mime, width, height)

    async def original(self, storage_key: str) -> bytes:
        return await self._store.get(storage_key)
