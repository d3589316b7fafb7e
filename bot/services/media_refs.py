"""A photo row's channel reference (``Photo.media_*``) as a ``MediaRef`` and back: the one place that maps
the columns, so services hand references along and never a channel's own file ids."""

from __future__ import annotations

from typing import Any, Protocol

from bot.channels import MediaRef
from storage.models import Photo


def media_columns(media: MediaRef | None) -> dict[str, Any]:
    """The ``Photo`` column values recording ``media`` (all ``None`` when there is none)."""
    if media is None:
        return {"media_channel": None, "media_ref": None, "media_unique": None}
    return {"media_channel": media.channel, "media_ref": media.ref, "media_unique": media.unique}


def media_ref_of(photo: Photo) -> MediaRef | None:
    """The channel's reference to ``photo`` as received, ``None`` when none was kept."""
    if photo.media_channel is None or photo.media_ref is None:
        return None
    return MediaRef(photo.media_channel, photo.media_ref, photo.media_unique)


class KeptImage(Protocol):
    """What the photo store knows of an image: ``bot.forms.actions.StoredImage`` or an existing ``Photo``."""

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the stored bytes."""
    @property
    def storage_key(self) -> str:
        """The key the photo store keeps the bytes under."""
    @property
    def size(self) -> int:
        """The stored size in bytes."""
    @property
    def mime(self) -> str | None:
        """The stored MIME type, None when unknown."""
    @property
    def width(self) -> int | None:
        """The width in pixels, None when unknown."""
    @property
    def height(self) -> int | None:
        """The height in pixels, None when unknown."""


def photo_row(image: KeptImage, media: MediaRef | None, **owner: Any) -> Photo:
    """A new ``Photo`` row of the stored ``image`` (bytes in bytes, pixels in pixels) received as ``media`` (None:
    a copy made by the bot), owned as ``owner`` says (``stage``, ``user_id``, ``draft_id``, ``received_at`` …)."""
    return Photo(sha256=image.sha256, storage_key=image.storage_key, size=image.size, mime=image.mime,
                 width=image.width, height=image.height, **media_columns(media), **owner)
