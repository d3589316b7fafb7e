"""A user's file from Telegram: whether it might be an image, and fetching it — bounded and retried.

Whether a file is an image is decided by its bytes (``storage.images``), never by its name or declared
type; but a file whose type names something else (a PDF, a spreadsheet) is not downloaded to find out.
A file with no useful type (``application/octet-stream``, or none) and no extension might be anything:
a HEIC shared from a phone's file manager arrives so. It is fetched, then judged by its content.

Fetching is only done once the service has said an open question takes the photo (issue 14): a file
nobody asked for never reaches the disk.
"""

from __future__ import annotations

import asyncio
import io
import logging

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.types import Document, Message, PhotoSize

from bot.channels import TELEGRAM, MediaRef
from bot.services.errors import DomainError
from bot.services.evidence import check_declared_size
from storage.images import MAX_FILE_BYTES, FileTooBig

log = logging.getLogger("hazardbot.media")

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif")
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/binary")
#: attempts of one download, and the waits between them (seconds): a connection cut mid-way
#: (``ClientPayloadError``) is usually gone a moment later
ATTEMPTS = 3
BACKOFF = (0.5, 2.0)


class DownloadFailed(DomainError):
    """The file could not be fetched from Telegram after ``ATTEMPTS`` tries."""

    code = "photo_download_failed"


class FileDownloadFailed(DownloadFailed):
    """A file that is no photo (a spreadsheet) could not be fetched after ``ATTEMPTS`` tries."""

    code = "file_download_failed"


def telegram_media(file: PhotoSize | Document) -> MediaRef:
    """The channel-free reference to a Telegram photo or file (its ``file_id``; ``file_unique_id`` as ``unique``)."""
    return MediaRef(TELEGRAM, file.file_id, file.file_unique_id)


def might_be_image(document: Document) -> bool:
    """True for a file sent as an image type or named like one, and for a file whose type and name say
    nothing (generic type, no extension): its bytes decide. False for a file that names another type."""
    mime = (document.mime_type or "").lower()
    name = (document.file_name or "").lower()
    if mime.startswith("image/") or name.endswith(IMAGE_EXTENSIONS):
        return True
    return mime in GENERIC_TYPES and "." not in name


def is_image_message(message: Message) -> bool:
    """A photo, or a file that might be an image (``might_be_image``)."""
    return bool(message.photo) or (message.document is not None and might_be_image(message.document))


class _Bounded(io.BytesIO):
    """Refuses to hold more than Telegram's download limit (a self-hosted Bot API server has none)."""

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(chunk) > MAX_FILE_BYTES:
            raise FileTooBig(size_mb=round((self.tell() + len(chunk)) / 2**20, 1), max_mb=MAX_FILE_BYTES // 2**20)
        return super().write(chunk)


async def fetch(bot: Bot, file_id: str, declared_size: int | None,
                failure: type[DownloadFailed] = DownloadFailed) -> bytes:
    """The bytes of ``file_id``, at most 20 MB (from the declared size, before downloading, then while
    reading). A connection broken off is retried ``ATTEMPTS`` times with a growing wait.

    Raises ``FileTooBig`` and ``failure`` (``DownloadFailed`` or a kind of it; both ``DomainError``)."""
    check_declared_size(declared_size)
    attempt = 1
    while True:
        try:
            return await _fetch_once(bot, file_id, failure)
        except (aiohttp.ClientError, TelegramNetworkError, TimeoutError) as exc:
            log.warning("event=download_retry attempt=%d error=%s", attempt, type(exc).__name__)
            if attempt >= ATTEMPTS:
                raise failure() from exc
            await asyncio.sleep(BACKOFF[min(attempt - 1, len(BACKOFF) - 1)])
            attempt += 1


async def _fetch_once(bot: Bot, file_id: str, failure: type[DownloadFailed]) -> bytes:
    try:
        file = await bot.get_file(file_id)
    except TelegramBadRequest as exc:
        if "too big" in exc.message.lower():
            raise FileTooBig(size_mb="> 20", max_mb=MAX_FILE_BYTES // 2**20) from exc
        raise failure() from exc
    check_declared_size(file.file_size)
    if not file.file_path:  # Telegram gives no path for a file it will not serve
        raise failure()
    buffer = _Bounded()
    await bot.download_file(file.file_path, destination=buffer)
    return buffer.getvalue()
