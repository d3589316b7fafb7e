"""Tip-off photos are re-encoded without any metadata before they are stored, so that the GPS
position, camera serial and time a phone wrote into a file sent uncompressed never reach anyone.

The image is first turned upright (EXIF orientation, ``storage.image_decode.decode_fitted``) because the
orientation tag is lost with the rest of the EXIF block, and scaled to a long edge of at most
``LONG_EDGE`` px: enough to see a hazard; a HEIC or a large picture from anyone is decoded in the
memory-bounded image worker, never in the bot process.
"""

from __future__ import annotations

import io

from PIL import Image

from storage.image_decode import decode_fitted
from storage.images import inspect_image

JPEG_QUALITY = 90
LONG_EDGE = 2560


def strip_metadata(data: bytes) -> bytes:
    """A JPEG of the image in ``data``, upright, sRGB, long edge at most ``LONG_EDGE`` px, with no EXIF,
    XMP, IPTC, ICC or comment.

    Raises the checks of ``storage.images.inspect_image`` (``FileTooBig``, ``NotAnImage``,
    ``ImageFormatUnsupported``, ``ImageTooLargePixels``, ``ImageTruncated``) — from the header,
    so that a decompression bomb is never decoded. Blocking: call it from a thread.
    """
    upright = decode_fitted(data, inspect_image(data), LONG_EDGE)
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
