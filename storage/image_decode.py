"""An accepted photo decoded into the picture every copy is made from: upright (EXIF orientation), plain
sRGB RGB, long edge at most what the copy needs — in the bot process when that is cheap, else in the
memory-bounded image worker (``storage.untrusted_worker``; issue 14: no accepted input makes the bot
process grow by more than 300 MB).

Cheap is a JPEG (decoded at a DCT scale of 1/2, 1/4 or 1/8, so even a 60 MP one costs a few MB) or any
picture of at most ``IN_PROCESS_PIXELS`` decoded pixels: every photo Telegram compresses (≤ 2560 px) stays
here, as fast as before. A HEIC always goes to the worker (libheif keeps its decoded planes next to
Pillow's copy: ~330 MB for an iPhone's 48 MP photo, and a crash in that C code ends only the worker), and
so does a large PNG, WebP or GIF. The worker receives the original bytes and sends back only the shrunk
pixels; a worker killed by its memory bound or its time is the user's "too large", a decoder that raised
is "damaged".
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms

from storage.images import MAX_PIXELS, ImageFacts, ImageTooLargePixels, ImageTruncated, open_upright
from storage.untrusted_worker import WorkerFailed, shared_workers

#: Decoded pixels above which a photo is decoded in the worker (a 16 MP RGBA picture is 64 MB in Pillow).
IN_PROCESS_PIXELS = 16_000_000
#: The image worker's address space: a 60 MP picture decoded (240 MB RGBA) with Python, Pillow and libheif.
WORKER_MEMORY_MB = 1024
#: One worker: an album of big files waits in line rather than multiplying the memory bound.
WORKERS = 1
WORKER_TIMEOUT_SECONDS = 60.0
PRELOAD = ("storage.image_decode",)


def _srgb() -> ImageCms.ImageCmsProfile:
    # made per call (microseconds): LittleCMS objects are not shared between worker threads
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def to_rgb(im: Image.Image) -> Image.Image:
    """Plain RGB in sRGB: transparency flattened on white; palette, grey and 16-bit expanded;
    CMYK (and RGB with an embedded profile) converted through its ICC profile when present."""
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode in ("P", "L", "RGB", "1") and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, _srgb(), outputMode="RGB")  # type: ignore[return-value]
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to the plain conversion
    return im if im.mode == "RGB" else im.convert("RGB")


def fit(im: Image.Image, long_edge: int) -> Image.Image:
    """``im`` scaled down (LANCZOS) to a long edge of at most ``long_edge`` px; unchanged when it fits."""
    if max(im.size) <= long_edge:
        return im
    ratio = long_edge / max(im.size)
    size = (max(1, round(im.width * ratio)), max(1, round(im.height * ratio)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def upright_fitted(data: bytes, facts: ImageFacts, long_edge: int) -> Image.Image:
    """Blocking, in this process: ``data`` upright, sRGB RGB, long edge ≤ ``long_edge``."""
    return fit(to_rgb(open_upright(data, facts, long_edge=long_edge)), long_edge)


def decoded_pixels(facts: ImageFacts, long_edge: int) -> int:
    """How many pixels decoding costs: a baseline JPEG's at the DCT scale ``open_upright`` picks (the
    largest of 1, 1/2, 1/4, 1/8 that keeps the long edge at least ``long_edge``), any other format's in
    full. A progressive JPEG counts twice its full size: libjpeg keeps all its DCT coefficients, 2 bytes
    per sample (up to 8 bytes a pixel for CMYK), however far it scales the output."""
    if facts.progressive:
        return facts.pixels * 2
    if facts.format != "jpeg":
        return facts.pixels
    scale = 1
    while scale < 8 and max(facts.stored_width, facts.stored_height) // (2 * scale) >= long_edge:
        scale *= 2
    return facts.pixels // (scale * scale)


def decoded_in_worker(facts: ImageFacts, long_edge: int) -> bool:
    """True for a HEIC, and for a picture that costs more than ``IN_PROCESS_PIXELS`` to decode."""
    return facts.format == "heif" or decoded_pixels(facts, long_edge) > IN_PROCESS_PIXELS


def _fitted_pixels(data: bytes, facts: ImageFacts, long_edge: int) -> tuple[tuple[int, int], bytes]:
    """The worker's job: ``upright_fitted`` as its size and raw RGB bytes (no second lossy encoding)."""
    im = upright_fitted(data, facts, long_edge)
    return im.size, im.tobytes()


def decode_fitted(data: bytes, facts: ImageFacts, long_edge: int) -> Image.Image:
    """``data`` (passed through ``inspect_image``, which gave ``facts``) upright, sRGB RGB, long edge at
    most ``long_edge`` px; decoded in the image worker when ``decoded_in_worker``. Blocking: call it from a
    thread. Raises ``ImageTruncated`` (a damaged file, or a decoder that raised on it) and
    ``ImageTooLargePixels`` (Pillow's bomb check, or the worker ran out of memory or time)."""
    if not decoded_in_worker(facts, long_edge):
        return upright_fitted(data, facts, long_edge)
    workers = shared_workers(WORKER_MEMORY_MB, WORKERS, PRELOAD)
    try:
        size, pixels = workers.call(_fitted_pixels, (data, facts, long_edge), WORKER_TIMEOUT_SECONDS)
    except WorkerFailed as exc:
        if exc.kind == "damaged":
            raise ImageTruncated() from None
        raise ImageTooLargePixels(width=facts.width, height=facts.height,
                                  max_megapixels=MAX_PIXELS // 1_000_000) from None
    return Image.frombytes("RGB", size, pixels)
