"""What an uploaded file really is, read from its bytes before any pixel is decoded.

The file name and the MIME type a client declares are never trusted: phones send HEIC named
``.jpg`` and PNG screenshots named ``.jpeg``. ``inspect_image`` sniffs the format from the magic
bytes, reads the declared size from the header and the real size of every frame from the container
(``storage.image_frames``, ``storage.heif_frames``), and refuses decompression bombs at that point —
one bound, ``MAX_PIXELS``, for every frame and canvas, and ``MAX_FRAMES`` frames — then reads the
EXIF facts the evidence record keeps (orientation, capture time, GPS). Nothing here decodes pixels;
``open_upright`` does, and reports truncated or corrupt files.

Pillow's own bomb check is set to the same bound and its warning made an error, as a second net:
anything over ``MAX_PIXELS`` that reached Pillow is refused as too large, never decoded.

Source: 方案 五(一) ("相关记录及照片及时录入信息系统"); design.md "Records" (photos per stage + location).
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pillow_heif
from PIL import Image, ImageOps

from storage.errors import DomainError
from storage.heif_frames import heif_layout
from storage.image_frames import (
    FrameLayout,
    FrameStructureBroken,
    TooManyFrames,
    png_chunk,
    scan_frames,
    vp8_size,
)

# thumbnails, depth and auxiliary images are never decoded: only the primary image is used
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

#: EXIF capture times without an offset are read in it: a phone in Chaoyang keeps Beijing time (a fact about
#: the cameras, not the deployment's ``HAZARDBOT_TIMEZONE``, which decides how times are shown)
CAMERA_ZONE = ZoneInfo("Asia/Shanghai")

#: Telegram's Bot API serves files up to 20 MB through getFile.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: 60 megapixels: above every phone's default mode (48 MP = 8000×6000), below Pillow's own
#: bomb threshold (89 MP), and about 180 MB of RGB pixels at full size.
MAX_PIXELS = 60_000_000
#: Frames of an animation, or coded images of a HEIC (an iPhone's 48 MP photo is a grid of 192 tiles).
MAX_FRAMES = 1000

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
_BOMBS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}


class NotAnImage(DomainError, code="not_an_image"):
    """The bytes are no image at all (a PDF, a text file, a video...)."""


class ImageFormatUnsupported(DomainError, code="image_format_unsupported"):
    """An image, but not one of JPEG, PNG, WebP, HEIC/HEIF, GIF. ``params``: ``format``."""


class ImageTooLargePixels(DomainError, code="image_too_large_pixels"):
    """More pixels than ``MAX_PIXELS`` (a decompression bomb or a panorama); refused from the
    header, before decoding. ``params``: ``width``, ``height``, ``max_megapixels``."""


class ImageTruncated(DomainError, code="image_truncated"):
    """The header or the pixel data is cut off or corrupt (also: a header claiming more pixels than
    the file's compressed data could ever hold)."""


class ImageTooManyFrames(DomainError, code="image_too_many_frames"):
    """More frames (or coded images) than ``MAX_FRAMES``. ``params``: ``max_frames``."""


class FileTooBig(DomainError, code="file_too_big"):
    """Larger than Telegram's 20 MB download limit. ``params``: ``size_mb``, ``max_mb``."""

    @classmethod
    def check(cls, size: int | None) -> None:
        """Raise ``cls`` when ``size`` bytes (declared by the update, or counted) exceed ``MAX_FILE_BYTES``
        (20 MB, what getFile serves); ``None`` (not declared) passes."""
        if size is not None and size > MAX_FILE_BYTES:
            raise cls(size_mb=round(size / 2**20, 1), max_mb=MAX_FILE_BYTES // 2**20)


@dataclass(frozen=True)
class ImageFacts:
    """Facts about an original photo, read without decoding it.

    ``width``/``height`` are as the photo is meant to be seen (after the EXIF orientation);
    ``stored_width``/``stored_height`` as the pixels are stored. ``captured_at`` is aware
    (EXIF has no zone unless OffsetTimeOriginal is set: a bare time is taken as Asia/Shanghai).
    ``latitude``/``longitude`` are decimal degrees (south and west negative), WGS-84 as phones write.
    """

    format: str  # "jpeg" | "png" | "webp" | "heif" | "gif" (first frame)
    mime: str
    stored_width: int
    stored_height: int
    orientation: int = 1
    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    progressive: bool = False  # a progressive JPEG: libjpeg keeps every DCT coefficient, whatever the scale

    @property
    def width(self) -> int:
        """The width in pixels as the photo is seen (after the EXIF orientation)."""
        return self.stored_height if self.orientation >= 5 else self.stored_width

    @property
    def height(self) -> int:
        """The height in pixels as the photo is seen (after the EXIF orientation)."""
        return self.stored_width if self.orientation >= 5 else self.stored_height

    @property
    def pixels(self) -> int:
        """The number of pixels stored (the decoding cost)."""
        return self.stored_width * self.stored_height


_MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heif": "image/heic", "gif": "image/gif"}


def sniff_format(data: bytes) -> str | None:
    """The image format from the magic bytes: ``jpeg``, ``png``, ``webp``, ``heif``, ``gif``; the
    name of a recognised but unsupported image format (``bmp``, ``tiff``, ``avif``); or ``None``."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        box_size = int.from_bytes(data[:4], "big")
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(box_size, 64), 4)}
        if brands & _HEIF_BRANDS:
            return "heif"
        if brands & {b"avif", b"avis"}:
            return "avif"
        return None
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise ImageTruncated()
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > n:
                break
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    raise ImageTruncated()


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ImageTruncated()
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    try:
        return vp8_size(chunk, data[20:])
    except FrameStructureBroken as exc:
        raise ImageTruncated() from exc


def _gif_size(data: bytes) -> tuple[int, int]:
    if len(data) < 10:
        raise ImageTruncated()
    width, height = struct.unpack("<HH", data[6:10])
    return width, height


# a HEIF's size is its primary item's, found by storage.heif_frames with the rest of its boxes
_SIZE_READERS = {"jpeg": _jpeg_size, "png": _png_size, "webp": _webp_size, "gif": _gif_size}


def check_pixels(width: int, height: int, max_pixels: int = MAX_PIXELS, capacity: int | None = None) -> None:
    """Raises ``ImageTooLargePixels`` when ``width × height`` exceeds ``max_pixels`` — or
    ``ImageTruncated`` when it also exceeds ``capacity``, the most pixels the frame's compressed data
    could hold: such a header is corrupt, not a picture too large."""
    if width <= 0 or height <= 0:
        raise ImageTruncated()
    if width * height > max_pixels:
        if capacity is not None and width * height > capacity:
            raise ImageTruncated()
        raise ImageTooLargePixels(width=width, height=height, max_megapixels=max_pixels // 1_000_000)


def frame_layout(fmt: str, data: bytes, max_frames: int = MAX_FRAMES) -> FrameLayout:
    """Every frame of ``data`` (``storage.image_frames``, ``storage.heif_frames``), for a supported
    ``fmt``. Raises ``ImageTruncated``, ``ImageTooManyFrames``."""
    try:
        if fmt == "heif":
            return heif_layout(data, max_frames)
        return scan_frames(fmt, data, _SIZE_READERS[fmt](data), max_frames)
    except FrameStructureBroken as exc:
        raise ImageTruncated() from exc
    except TooManyFrames as exc:
        raise ImageTooManyFrames(max_frames=max_frames) from exc


def check_frames(layout: FrameLayout, max_pixels: int = MAX_PIXELS) -> None:
    """Every frame, then the canvas, within ``max_pixels`` (``check_pixels``)."""
    for frame in layout.frames:
        check_pixels(frame.width, frame.height, max_pixels, frame.capacity)
    check_pixels(*layout.canvas, max_pixels)


def inspect_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ImageFacts:
    """Sniff, size-check and read the EXIF of ``data`` without decoding pixels.

    Raises ``FileTooBig`` (over 20 MB), ``NotAnImage``, ``ImageFormatUnsupported`` (TIFF, multi-page
    or not, BMP, AVIF), ``ImageTooLargePixels`` and ``ImageTooManyFrames`` (checked from the headers of
    every frame, before Pillow sees the file) and ``ImageTruncated`` (no readable header, or one that
    claims more than the file holds). Blocking (parses EXIF): call it from a thread.
    """
    FileTooBig.check(len(data))
    fmt = sniff_format(data)
    if fmt is None:
        raise NotAnImage()
    if fmt not in _MIME:
        raise ImageFormatUnsupported(format=fmt)
    layout = frame_layout(fmt, data)
    check_frames(layout, max_pixels)
    width, height = layout.shown
    try:
        with Image.open(io.BytesIO(data)) as im:
            if fmt == "png" and "exif" not in im.info:
                # Pillow decodes every pixel to look for an eXIf chunk after them: found here instead
                found = png_chunk(data, b"eXIf")
                if found is not None:
                    im.info["exif"] = b"Exif\x00\x00" + found
                exif = Image.Image.getexif(im)
            else:
                exif = im.getexif()
            progressive = fmt == "jpeg" and bool(im.info.get("progressive") or im.info.get("progression"))
    except _BOMBS as exc:
        raise ImageTooLargePixels(width=width, height=height, max_megapixels=max_pixels // 1_000_000) from exc
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
        raise ImageTruncated() from exc
    orientation = exif.get(0x0112, 1)
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1
    latitude, longitude = gps_from_exif(exif)
    return ImageFacts(
        format=fmt,
        mime=_MIME[fmt],
        stored_width=width,
        stored_height=height,
        orientation=orientation,
        captured_at=capture_time_from_exif(exif),
        latitude=latitude,
        longitude=longitude,
        progressive=progressive,
    )


def capture_time_from_exif(exif: Image.Exif, default_tz: ZoneInfo = CAMERA_ZONE) -> datetime | None:
    """DateTimeOriginal (else DateTimeDigitized, else DateTime) as an aware datetime.

    The zone is OffsetTimeOriginal when the camera wrote one, else ``default_tz`` (a phone in
    Chaoyang keeps Beijing time). Unreadable or zeroed values give ``None``.
    """
    sub = exif.get_ifd(0x8769)
    for tag, offset_tag in ((0x9003, 0x9011), (0x9004, 0x9012), (0x0132, 0x9010)):
        raw = sub.get(tag) if tag != 0x0132 else exif.get(tag)
        if not isinstance(raw, str):
            continue
        try:
            naive = datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
        except ValueError:
            continue
        offset = sub.get(offset_tag)
        if isinstance(offset, str):
            try:
                return datetime.strptime(f"{raw.strip()[:19]}{offset.strip()}", "%Y:%m:%d %H:%M:%S%z")
            except ValueError:
                pass
        return naive.replace(tzinfo=default_tz)
    return None


def _degrees(value: object) -> float | None:
    try:
        d, m, s = (float(part) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    return result if math.isfinite(result) else None


def gps_from_exif(exif: Image.Exif) -> tuple[float | None, float | None]:
    """(latitude, longitude) in decimal degrees from the GPS IFD, rounded to 6 places (≈ 0.1 m);
    ``(None, None)`` when absent, incomplete or out of range."""
    gps = exif.get_ifd(0x8825)
    lat, lon = _degrees(gps.get(2)), _degrees(gps.get(4))
    if lat is None or lon is None:
        return None, None
    if str(gps.get(1, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return round(lat, 6), round(lon, 6)


#: modes ``Image.reduce`` averages correctly (a palette index or a bit cannot be averaged)
_REDUCIBLE = {"L", "LA", "RGB", "RGBA", "I", "F", "CMYK"}


def _shrink(im: Image.Image, long_edge: int) -> Image.Image:
    """``im`` scaled down by a whole factor to no less than ``long_edge`` (the final resize is finer),
    the full-size pixels released at once: every later step (turning, colour conversion) then works on
    the small picture, so a 60 MP image costs its decoded size once, not three times."""
    factor = max(im.size) // long_edge
    if factor < 2:
        return im
    if im.mode in _REDUCIBLE:
        # strip by strip: Pillow premultiplies alpha into a full-size copy before reducing RGBA
        small = Image.new(im.mode, (-(-im.width // factor), -(-im.height // factor)))
        rows = factor * 32
        for top in range(0, im.height, rows):
            strip = im.crop((0, top, im.width, min(im.height, top + rows)))
            small.paste(strip.reduce(factor), (0, top // factor))
        small.info = dict(im.info)
    else:
        small = im.resize((max(1, im.width // factor), max(1, im.height // factor)), Image.Resampling.NEAREST)
        small.info = dict(im.info)
    im.close()
    return small


def open_upright(data: bytes, facts: ImageFacts, *, long_edge: int | None = None) -> Image.Image:
    """Decode ``data`` (already passed through ``inspect_image``) turned upright per its EXIF
    orientation. With ``long_edge``, JPEGs are decoded at a reduced DCT scale no smaller than
    needed, and other formats are reduced right after decoding, which saves most of the time and
    memory for large photos. Raises ``ImageTruncated``."""
    try:
        im = Image.open(io.BytesIO(data))
        if long_edge and facts.format == "jpeg" and max(im.size) > long_edge:
            ratio = long_edge / max(im.size)
            im.draft(im.mode, (max(1, int(im.size[0] * ratio)), max(1, int(im.size[1] * ratio))))
        im.load()
        if long_edge:
            im = _shrink(im, long_edge)
        upright = ImageOps.exif_transpose(im)
    except _BOMBS as exc:
        raise ImageTooLargePixels(
            width=facts.stored_width, height=facts.stored_height, max_megapixels=MAX_PIXELS // 1_000_000
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
        raise ImageTruncated() from exc
    return upright
