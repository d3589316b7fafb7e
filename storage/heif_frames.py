"""The coded images of a HEIF/HEIC file and their sizes, from its boxes (ISO/IEC 23008-12) and its
HEVC parameter sets (ITU-T H.265 7.3.2.2), without decoding.

A HEIC holds several images: the primary (often a grid of tiles), thumbnails, depth and auxiliary
maps. For each, the ``ispe`` property declares a size, a grid item names its output size, and the
sequence parameter set (SPS) in the ``hvcC`` property names the size the HEVC decoder really
allocates, whatever ``ispe`` says. ``heif_layout`` reads all three for every property and item.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from storage.image_frames import Frame, FrameLayout, FrameStructureBroken, TooManyFrames

_NOT_IMAGES = {b"Exif", b"mime", b"uri "}


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, body start, body end) of each box between ``start`` and ``end``."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        header = 8
        if size == 1:
            if i + 16 > end:
                raise FrameStructureBroken()
            size, header = struct.unpack(">Q", data[i + 8 : i + 16])[0], 16
        elif size == 0:
            size = end - i
        if size < header or i + size > end:
            raise FrameStructureBroken()
        yield kind, i + header, i + size
        i += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(data, start, end) if k == kind), None)


class _Reader:
    def __init__(self, data: bytes, at: int, end: int) -> None:
        self.data, self.at, self.end = data, at, end

    def uint(self, size: int) -> int:
        if size == 0:
            return 0
        if self.at + size > self.end:
            raise FrameStructureBroken()
        value = int.from_bytes(self.data[self.at : self.at + size], "big")
        self.at += size
        return value


class _Bits:
    """An RBSP (emulation prevention bytes removed) read bit by bit, with Exp-Golomb codes."""

    def __init__(self, nal: bytes) -> None:
        self.data = nal.replace(b"\x00\x00\x03", b"\x00\x00")
        self.pos = 0

    def bits(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.pos >> 3
            if byte >= len(self.data):
                raise FrameStructureBroken()
            value = (value << 1) | ((self.data[byte] >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bits(1) == 0:
            zeros += 1
            if zeros > 31:
                raise FrameStructureBroken()
        return (1 << zeros) - 1 + self.bits(zeros)


def sps_size(nal: bytes) -> tuple[int, int]:
    """``(pic_width_in_luma_samples, pic_height_in_luma_samples)`` of an HEVC SPS NAL unit (with its
    two-byte header). Raises ``FrameStructureBroken``."""
    r = _Bits(nal)
    r.bits(16)  # NAL unit header
    r.bits(4)  # sps_video_parameter_set_id
    sub_layers = r.bits(3)
    r.bits(1)
    r.bits(96)  # general profile (88 bits) and level (8 bits)
    present = [(r.bits(1), r.bits(1)) for _ in range(sub_layers)]
    if sub_layers:
        r.bits(2 * (8 - sub_layers))
    for profile, level in present:
        r.bits(88 * profile + 8 * level)
    r.ue()  # sps_seq_parameter_set_id
    if r.ue() == 3:  # chroma_format_idc 4:4:4
        r.bits(1)
    return r.ue(), r.ue()


def _hvcc_sizes(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    r = _Reader(data, start + 22, end)
    for _ in range(r.uint(1)):
        nal_type = r.uint(1) & 0x3F
        for _ in range(r.uint(2)):
            length = r.uint(2)
            nal = data[r.at : r.at + length]
            r.at += length
            if r.at > end:
                raise FrameStructureBroken()
            if nal_type == 33:
                yield sps_size(nal)


def _items(data: bytes, start: int, end: int) -> dict[int, bytes]:
    """item id → item type, from ``iinf``."""
    r = _Reader(data, start, end)
    version = r.uint(1)
    r.uint(3)
    r.uint(2 if version == 0 else 4)
    items: dict[int, bytes] = {}
    for kind, s, e in _boxes(data, r.at, end):
        if kind != b"infe":
            continue
        entry = _Reader(data, s, e)
        infe_version = entry.uint(1)
        entry.uint(3)
        if infe_version < 2:
            continue
        item_id = entry.uint(2 if infe_version == 2 else 4)
        entry.uint(2)
        items[item_id] = data[entry.at : entry.at + 4]
    return items


def _locations(data: bytes, start: int, end: int) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """item id → (construction method, [(offset, length)]), from ``iloc``."""
    r = _Reader(data, start, end)
    version = r.uint(1)
    r.uint(3)
    sizes = r.uint(2)
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 15
    base_size, index_size = (sizes >> 4) & 15, sizes & 15 if version in (1, 2) else 0
    found: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for _ in range(r.uint(2 if version < 2 else 4)):
        item_id = r.uint(2 if version < 2 else 4)
        method = r.uint(2) & 15 if version in (1, 2) else 0
        r.uint(2)
        base = r.uint(base_size)
        extents = []
        for _ in range(r.uint(2)):
            r.uint(index_size)
            extents.append((base + r.uint(offset_size), r.uint(length_size)))
        found[item_id] = (method, extents)
    return found


def _item_bytes(data: bytes, location: tuple[int, list[tuple[int, int]]], idat: tuple[int, int] | None) -> bytes:
    method, extents = location
    origin, limit = (0, len(data)) if method == 0 else (idat or (0, 0))
    parts = []
    for offset, length in extents:
        if method not in (0, 1) or origin + offset + length > limit:
            raise FrameStructureBroken()
        parts.append(data[origin + offset : origin + offset + length])
    return b"".join(parts)


def _grid_size(payload: bytes) -> tuple[int, int]:
    if len(payload) < 8:
        raise FrameStructureBroken()
    if payload[1] & 1:
        if len(payload) < 12:
            raise FrameStructureBroken()
        return struct.unpack(">II", payload[4:12])  # type: ignore[return-value]
    return struct.unpack(">HH", payload[4:8])  # type: ignore[return-value]


def heif_layout(data: bytes, max_frames: int) -> FrameLayout:
    """Every coded image of a HEIF file: ``shown`` is the primary item's ``ispe``; ``frames`` hold every
    ``ispe``, every SPS size in every ``hvcC`` and every grid's output size. More image items than
    ``max_frames`` raise ``TooManyFrames``; a broken box structure ``FrameStructureBroken``."""
    meta = _child(data, 0, len(data), b"meta")
    if meta is None:
        raise FrameStructureBroken()
    start, end = meta[0] + 4, meta[1]  # meta is a full box
    iprp = _child(data, start, end, b"iprp")
    pitm = _child(data, start, end, b"pitm")
    iinf = _child(data, start, end, b"iinf")
    if iprp is None or pitm is None or iinf is None:
        raise FrameStructureBroken()
    items = _items(data, *iinf)
    if sum(kind not in _NOT_IMAGES for kind in items.values()) > max_frames:
        raise TooManyFrames()
    ipco = _child(data, *iprp, b"ipco")
    ipma = _child(data, *iprp, b"ipma")
    if ipco is None or ipma is None:
        raise FrameStructureBroken()
    properties = list(_boxes(data, *ipco))
    frames: list[Frame] = []
    ispe: dict[int, tuple[int, int]] = {}
    for index, (kind, s, e) in enumerate(properties, start=1):
        if kind == b"ispe":
            if e - s < 12:
                raise FrameStructureBroken()
            ispe[index] = struct.unpack(">II", data[s + 4 : s + 12])
            frames.append(Frame(*ispe[index]))
        elif kind == b"hvcC":
            frames.extend(Frame(*size) for size in _hvcc_sizes(data, s, e))
    r = _Reader(data, pitm[0], pitm[1])
    pitm_version = r.uint(1)
    r.uint(3)
    primary = r.uint(2 if pitm_version == 0 else 4)
    shown = _associated_ispe(data, ipma, ispe, primary)
    iloc = _child(data, start, end, b"iloc")
    grids = [item for item, kind in items.items() if kind == b"grid"]
    if grids:
        if iloc is None:
            raise FrameStructureBroken()
        locations = _locations(data, *iloc)
        idat = _child(data, start, end, b"idat")
        for item in grids:
            if item not in locations:
                raise FrameStructureBroken()
            frames.append(Frame(*_grid_size(_item_bytes(data, locations[item], idat))))
    if shown is None:
        raise FrameStructureBroken()
    return FrameLayout(shown, shown, frames)


def _associated_ispe(
    data: bytes, ipma: tuple[int, int], ispe: dict[int, tuple[int, int]], item: int
) -> tuple[int, int] | None:
    r = _Reader(data, *ipma)
    version = r.uint(1)
    flags = r.uint(3)
    for _ in range(r.uint(4)):
        item_id = r.uint(2 if version < 1 else 4)
        associations = [r.uint(2 if flags & 1 else 1) for _ in range(r.uint(1))]
        if item_id == item:
            mask = 0x7FFF if flags & 1 else 0x7F
            return next((ispe[a & mask] for a in associations if (a & mask) in ispe), None)
    return None
