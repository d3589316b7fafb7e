"""Tip-off photos are re-encoded without any metadata before they are stored, so that the GPS
position, camera serial and time a phone wrote into a file sent uncompressed never reach anyone.

The image is first turned upright (``ImageOps.exif_transpose``) because the orientation tag is lost
with the rest of the EXIF block.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from bot.services.photos import inspect_image

JPEG_QUALITY = 90


def strip_metadata(data: bytes) -> bytes:
    """A JPEG of the image in ``data``, upright, with no EXIF, XMP, IPTC or comment.

    Raises ``bot.services.photos.ImageRejected`` for what is not a usable image (checked first,
    from the header, so that a decompression bomb is never decoded).
    """
    inspect_image(data)
    with Image.open(io.BytesIO(data)) as img:
        upright = ImageOps.exif_transpose(img)
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        clean = Image.new(upright.mode, upright.size)
        clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
