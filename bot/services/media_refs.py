"""A photo row's channel reference (``Photo.media_*``) as a ``MediaRef`` and back: the one place that maps
the columns, so services hand references along and never a channel's own file ids."""

from __future__ import annotations

from typing import Any

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
