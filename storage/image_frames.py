"""Every frame an image file holds, read from its container structure before any pixel is decoded.

A header can lie: a GIF whose logical screen says 100×100 may carry a 12 000×12 000 frame (Pillow
widens its canvas to the frame), an APNG's frames and an animated WebP's have their own sizes, a HEIC
holds several coded images (the primary, tiles, thumbnails, depth maps) whose HEVC parameter sets name
the size the decoder allocates, whatever the ``ispe`` box declares. ``scan_frames`` walks the whole
structure and returns the declared size and the real size of every frame, so that ``storage.images``
can bound each of them; it stops counting at ``max_frames``. Decoders are never called here.

Each frame also says how many pixels its compressed data could at most expand to, so that a header
claiming more pixels than that (a corrupt or cut file) is told apart from a real decompression bomb.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field


class FrameStructureBroken(ValueError):
    """The container structure is cut off or inconsistent (a damaged file)."""


class TooManyFrames(ValueError):
    """More frames (or coded images) than the bound."""


#: The most pixels one byte of compressed data can decode to, per format (with a margin): deflate
#: expands at most 1032:1 (PNG, per byte of scanlines); a 12-bit LZW code stands for at most 4096 pixels
#: (GIF); every 8×8 block of a JPEG costs at least one bit in its first scan. WebP and HEVC have no
#: such bound (a lossless WebP of one colour needs no bits per pixel).
DEFLATE_RATIO = 1100
LZW_PIXELS_PER_BYTE = 3000
JPEG_PIXELS_PER_BYTE = 1024


@dataclass(frozen=True)
class Frame:
    """One frame or coded image: its size, and the most pixels its compressed data could hold
    (``capacity``; ``None`` when the format gives no bound)."""

    width: int
    height: int
    capacity: int | None = None


@dataclass
class FrameLayout:
    """``shown``: the size of the picture decoded (a GIF's screen widened by its first frame, as
    Pillow does; an APNG's or WebP's canvas; a HEIC's primary image); ``canvas``: the largest size a
    decoder would allocate for any frame (a GIF's screen widened by every frame); ``frames``: every
    frame or coded image in the file, declared or real (HEVC parameter sets, grid outputs)."""

    shown: tuple[int, int]
    canvas: tuple[int, int]
    frames: list[Frame] = field(default_factory=list)


def _u16le(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise FrameStructureBroken()
    return int.from_bytes(data[at : at + 2], "little")


def _count(layout: FrameLayout, max_frames: int) -> None:
    if len(layout.frames) > max_frames:
        raise TooManyFrames()


def _gif(data: bytes, max_frames: int) -> FrameLayout:
    """Logical screen, then every image descriptor (position and size) and its LZW data bytes."""
    if len(data) < 13:
        raise FrameStructureBroken()
    screen_w, screen_h = _u16le(data, 6), _u16le(data, 8)
    flags = data[10]
    i = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    layout = FrameLayout((screen_w, screen_h), (screen_w, screen_h))
    canvas_w, canvas_h = screen_w, screen_h
    n = len(data)
    while i < n:
        block = data[i]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            i = _skip_sub_blocks(data, i + 2)
            continue
        if block != 0x2C:
            raise FrameStructureBroken()
        if i + 10 > n:
            break  # cut inside a descriptor: the frames before it stand
        left, top, width, height = struct.unpack("<HHHH", data[i + 1 : i + 9])
        local = data[i + 9]
        i += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
        start = i + 1  # after the LZW minimum code size
        i = _skip_sub_blocks(data, start)
        layout.frames.append(Frame(width, height, (i - start) * LZW_PIXELS_PER_BYTE))
        _count(layout, max_frames)
        canvas_w, canvas_h = max(canvas_w, left + width), max(canvas_h, top + height)
        if len(layout.frames) == 1:
            layout.shown = (canvas_w, canvas_h)
    if not layout.frames:
        raise FrameStructureBroken()
    layout.canvas = (canvas_w, canvas_h)
    return layout


def _skip_sub_blocks(data: bytes, i: int) -> int:
    n = len(data)
    while i < n:
        size = data[i]
        i += 1 + size
        if size == 0:
            return i
    return n  # cut: the data simply ends


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    i = 8
    n = len(data)
    while i + 8 <= n:
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        body = data[i + 8 : i + 8 + length]
        yield kind, body
        if kind == b"IEND":
            return
        i += 12 + length


def png_chunk(data: bytes, kind: bytes) -> bytes | None:
    """The body of the first ``kind`` chunk of the PNG ``data``, wherever it lies; ``None`` when absent."""
    return next((body for found, body in _png_chunks(data) if found == kind), None)


#: channels of each PNG colour type
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _png(data: bytes, max_frames: int) -> FrameLayout:
    """IHDR (the canvas and the default image, whose pixels are the IDAT chunks), then acTL and every
    fcTL of an APNG (each inside the canvas)."""
    chunks = _png_chunks(data)
    first = next(chunks, None)
    if first is None or first[0] != b"IHDR" or len(first[1]) < 13:
        raise FrameStructureBroken()
    width, height = struct.unpack(">II", first[1][:8])
    bits_per_pixel = max(1, first[1][8] * _PNG_CHANNELS.get(first[1][9], 4))
    layout = FrameLayout((width, height), (width, height))
    declared: int | None = None
    idat = 0
    for kind, body in chunks:
        if kind == b"IDAT":
            idat += len(body)
        elif kind == b"acTL":
            if declared is not None or len(body) < 8:
                raise FrameStructureBroken()
            declared = int.from_bytes(body[:4], "big")
            if declared == 0:
                raise FrameStructureBroken()
            if declared > max_frames:
                raise TooManyFrames()
        elif kind == b"fcTL":
            if len(body) < 26:
                raise FrameStructureBroken()
            fw, fh, fx, fy = struct.unpack(">IIII", body[4:20])
            if fx + fw > width or fy + fh > height:
                raise FrameStructureBroken()  # outside the canvas: invalid, whatever Pillow would make of it
            layout.frames.append(Frame(fw, fh))
            _count(layout, max_frames)
    # the default image, decoded whatever the frames: its pixels come from the IDAT chunks
    layout.frames.insert(0, Frame(width, height, idat * DEFLATE_RATIO * 8 // bits_per_pixel))
    return layout


def _webp(data: bytes, max_frames: int, still: tuple[int, int]) -> FrameLayout:
    """The VP8X canvas, the size in every frame (ANMF) and the still image's own bitstream size."""
    layout = FrameLayout(still, still, [Frame(*still)])
    if data[12:16] != b"VP8X":
        return layout
    i = 12
    n = len(data)
    while i + 8 <= n:
        kind = data[i : i + 4]
        length = int.from_bytes(data[i + 4 : i + 8], "little")
        body = data[i + 8 : i + 8 + length]
        if kind == b"ANMF":
            if len(body) < 16:
                raise FrameStructureBroken()
            fw = 1 + int.from_bytes(body[6:9], "little")
            fh = 1 + int.from_bytes(body[9:12], "little")
            layout.frames.append(Frame(fw, fh))
            _count(layout, max_frames)
        elif kind in (b"VP8 ", b"VP8L"):
            layout.frames.append(Frame(*vp8_size(kind, body)))
        i += 8 + length + (length & 1)
    return layout


def vp8_size(kind: bytes, body: bytes) -> tuple[int, int]:
    """The size in a WebP ``VP8 `` (lossy) or ``VP8L`` (lossless) bitstream chunk's body."""
    if kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", body[6:10])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    raise FrameStructureBroken()


def _jpeg(data: bytes, size: tuple[int, int]) -> FrameLayout:
    # one frame (SOF), read by storage.images; the rest of the file is entropy-coded data
    return FrameLayout(size, size, [Frame(*size, len(data) * JPEG_PIXELS_PER_BYTE)])


def scan_frames(fmt: str, data: bytes, size: tuple[int, int], max_frames: int) -> FrameLayout:
    """The frames of ``data`` (format ``fmt`` as sniffed; ``size`` as its first header says).

    Raises ``FrameStructureBroken`` (a cut or inconsistent structure) and ``TooManyFrames``. HEIF
    has its own walker (``storage.heif_frames``).
    """
    if fmt == "gif":
        return _gif(data, max_frames)
    if fmt == "png":
        return _png(data, max_frames)
    if fmt == "webp":
        return _webp(data, max_frames, size)
    return _jpeg(data, size)
