"""Hostile image files, made at test time in a few kilobytes each: frame bombs (a GIF whose screen is
small and whose frame is not, APNG frames, an animated WebP canvas, a HEIC whose HEVC parameter set
names a size its ``ispe`` box does not), frame floods, a multi-page TIFF, and mislabelled and cut
files. Nothing is read from disk; nothing here decodes pixels."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from tests.image_factory import encode, png_chunk, scene


def _lzw_constant(pixels: int, min_code: int = 2, cycle: int = 4000) -> bytes:
    """GIF LZW data for ``pixels`` pixels of colour 0: the greedy encoder's output on a constant input
    (codes for runs of length 1, 2, 3… with a clear code every ``cycle`` codes), about 1 500 pixels a byte."""
    clear, eoi, first = 1 << min_code, (1 << min_code) + 1, (1 << min_code) + 2
    out = bytearray()
    acc = nbits = 0

    def put(code: int, width: int) -> None:
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    def width(emitted: int) -> int:  # the decoder's code width once ``emitted`` codes followed a clear
        return max(min_code + 1, min(12, (first + emitted - 1).bit_length())) if emitted else min_code + 1

    put(clear, min_code + 1)
    emitted, remaining = 0, pixels
    while remaining > 0:
        if emitted == cycle:
            put(clear, width(emitted))
            emitted = 0
        length = min(emitted + 1, remaining)
        put(0 if length == 1 else first + length - 2, width(emitted))
        remaining -= length
        emitted += 1
    put(eoi, width(emitted))
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def _sub_blocks(data: bytes) -> bytes:
    return b"".join(bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255)) + b"\x00"


_PALETTE = bytes([0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255])


def gif_frame_bomb(frame: tuple[int, int] = (12000, 12000), screen: tuple[int, int] = (100, 100),
                   offset: tuple[int, int] = (0, 0)) -> bytes:
    """A valid GIF: logical screen ``screen``, one frame of ``frame`` pixels (all colour 0) at ``offset``.
    12 000×12 000 takes about 100 KB."""
    w, h = frame
    return (
        b"GIF89a" + struct.pack("<HHBBB", *screen, 0x81, 0, 0) + _PALETTE
        + b"," + struct.pack("<HHHHB", *offset, w, h, 0) + b"\x02" + _sub_blocks(_lzw_constant(w * h)) + b";"
    )


def gif_many_frames(count: int, side: int = 2) -> bytes:
    """A GIF of ``count`` tiny frames."""
    frame = b"," + struct.pack("<HHHHB", 0, 0, side, side, 0) + b"\x02" + _sub_blocks(_lzw_constant(side * side))
    return b"GIF89a" + struct.pack("<HHBBB", side, side, 0x81, 0, 0) + _PALETTE + frame * count + b";"


def _ihdr(width: int, height: int, depth: int = 8, colour: int = 2) -> bytes:
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))


def _fctl(seq: int, width: int, height: int, x: int = 0, y: int = 0) -> bytes:
    return png_chunk(b"fcTL", struct.pack(">IIIIIHHBB", seq, width, height, x, y, 1, 10, 0, 0))


def png_flat(width: int, height: int, colour: int = 6) -> bytes:
    """A valid 8-bit PNG of one colour (``colour``: 2 RGB, 6 RGBA): tiny on disk, ``width × height``
    pixels once decoded — a real picture, not a bomb, when within the bound."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    row = b"\x00" + bytes([90, 120, 150, 255][:channels]) * width
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    return b"\x89PNG\r\n\x1a\n" + _ihdr(width, height, 8, colour) + png_chunk(b"IDAT", b"".join(parts)) + png_chunk(b"IEND", b"")


def apng_frame_outside_canvas() -> bytes:
    """An APNG whose canvas (IHDR) is 100×100 and whose frame claims 12 000×12 000: invalid."""
    pixels = zlib.compress(b"\x00" + b"\x00" * 300 * 100)
    return (b"\x89PNG\r\n\x1a\n" + _ihdr(100, 100) + png_chunk(b"acTL", struct.pack(">II", 1, 0))
            + _fctl(0, 12000, 12000) + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b""))


def apng_frame_flood(frames: int) -> bytes:
    """An APNG declaring ``frames`` frames in acTL (and carrying their fcTL chunks)."""
    pixels = zlib.compress((b"\x00" + b"\x00" * 3 * 4) * 4)
    controls = b"".join(_fctl(i, 4, 4) for i in range(frames))
    return (b"\x89PNG\r\n\x1a\n" + _ihdr(4, 4) + png_chunk(b"acTL", struct.pack(">II", frames, 0)) + controls
            + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b""))


def webp_canvas(width: int, height: int) -> bytes:
    """An extended WebP (VP8X) whose canvas claims ``width × height`` and whose only frame (ANMF) is tiny."""
    still = encode(scene((16, 16)), "WEBP", lossless=True)
    bitstream = still[12:]  # the VP8L chunk
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x02, 0, 0, 0]) + (width - 1).to_bytes(3, "little") \
        + (height - 1).to_bytes(3, "little")
    anim = b"ANIM" + struct.pack("<I", 6) + bytes(6)
    frame = bytes(6) + (15).to_bytes(3, "little") + (15).to_bytes(3, "little") + bytes(4) + bitstream
    anmf = b"ANMF" + struct.pack("<I", len(frame)) + frame + (b"\x00" if len(frame) & 1 else b"")
    body = b"WEBP" + vp8x + anim + anmf
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tiff_pages_bomb() -> bytes:
    """A two-page TIFF: a small first page, then a page whose header claims 30 000×30 000."""
    small = scene((64, 48))
    data = bytearray(encode(small, "TIFF", save_all=True, append_images=[scene((64, 48))]))
    # the second IFD's ImageWidth/ImageLength (tags 256/257) are rewritten in place
    first_ifd = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[first_ifd : first_ifd + 2])[0]
    second_ifd = struct.unpack("<I", data[first_ifd + 2 + 12 * count : first_ifd + 6 + 12 * count])[0]
    entries = struct.unpack("<H", data[second_ifd : second_ifd + 2])[0]
    for i in range(entries):
        at = second_ifd + 2 + 12 * i
        tag, kind = struct.unpack("<HH", data[at : at + 4])
        if tag in (256, 257):
            data[at + 8 : at + 12] = struct.pack("<I", 30000) if kind == 4 else struct.pack("<HH", 30000, 0)
    return bytes(data)


# ---- HEIC with an HEVC parameter set rewritten ------------------------------------------------------


class _BitWriter:
    def __init__(self) -> None:
        self.bits: list[int] = []

    def put(self, value: int, n: int) -> None:
        self.bits.extend((value >> (n - 1 - i)) & 1 for i in range(n))

    def ue(self, value: int) -> None:
        code = value + 1
        self.put(0, code.bit_length() - 1)
        self.put(code, code.bit_length())


def _rbsp_bits(nal: bytes) -> list[int]:
    raw = nal.replace(b"\x00\x00\x03", b"\x00\x00")
    return [(byte >> (7 - i)) & 1 for byte in raw for i in range(8)]


def _with_emulation_prevention(raw: bytes) -> bytes:
    out = bytearray()
    zeros = 0
    for byte in raw:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _sps_claiming(nal: bytes, width: int, height: int) -> bytes:
    """``nal`` (an HEVC SPS) with pic_width/height_in_luma_samples replaced; everything else kept."""
    bits = _rbsp_bits(nal)
    pos = 0

    def read(n: int) -> int:
        nonlocal pos
        value = 0
        for _ in range(n):
            value = (value << 1) | bits[pos]
            pos += 1
        return value

    def ue() -> int:
        zeros = 0
        while read(1) == 0:
            zeros += 1
        return (1 << zeros) - 1 + read(zeros)

    read(16 + 4)
    sub_layers = read(3)
    read(1 + 96)
    present = [(read(1), read(1)) for _ in range(sub_layers)]
    if sub_layers:
        read(2 * (8 - sub_layers))
    for profile, level in present:
        read(88 * profile + 8 * level)
    ue()
    if ue() == 3:
        read(1)
    head = pos
    ue()
    ue()
    writer = _BitWriter()
    writer.bits = bits[:head]
    writer.ue(width)
    writer.ue(height)
    writer.bits += bits[pos:]
    writer.bits += [0] * (-len(writer.bits) % 8)
    raw = bytes(int("".join(map(str, writer.bits[i : i + 8])), 2) for i in range(0, len(writer.bits), 8))
    return _with_emulation_prevention(raw)


def heic_sps_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A real 64×64 HEIC whose ``ispe`` still says 64×64 but whose SPS names ``width × height``: the size
    an HEVC decoder would allocate. Box sizes and item offsets are adjusted to the longer SPS."""
    data = bytearray(encode(scene((64, 64)), "HEIF", quality=50))
    at = data.index(b"hvcC") - 4
    hvcc_size = struct.unpack(">I", data[at : at + 4])[0]
    body = data[at + 8 : at + hvcc_size]
    i = 23
    new_body = bytearray(body[:22]) + bytes([body[22]])
    for _ in range(body[22]):
        nal_type = body[i]
        count = struct.unpack(">H", body[i + 1 : i + 3])[0]
        new_body += body[i : i + 3]
        i += 3
        for _ in range(count):
            length = struct.unpack(">H", body[i : i + 2])[0]
            nal = bytes(body[i + 2 : i + 2 + length])
            i += 2 + length
            if nal_type & 0x3F == 33:
                nal = _sps_claiming(nal, width, height)
            new_body += struct.pack(">H", len(nal)) + nal
    delta = len(new_body) - len(body)
    data[at + 8 : at + hvcc_size] = new_body
    data[at : at + 4] = struct.pack(">I", hvcc_size + delta)
    for parent in (b"ipco", b"iprp", b"meta"):  # the boxes that contain hvcC grow with it
        p = data.index(parent) - 4
        data[p : p + 4] = struct.pack(">I", struct.unpack(">I", data[p : p + 4])[0] + delta)
    _shift_iloc(data, at, delta)
    return bytes(data)


def _shift_iloc(data: bytearray, changed_at: int, delta: int) -> None:
    """Move every file offset in ``iloc`` that points past ``changed_at`` by ``delta`` bytes."""
    at = data.index(b"iloc") + 4
    version = data[at]
    sizes = struct.unpack(">H", data[at + 4 : at + 6])[0]
    offset_size, length_size, base_size = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    index_size = sizes & 15 if version in (1, 2) else 0
    i = at + 6
    id_size = 2 if version < 2 else 4
    count = int.from_bytes(data[i : i + id_size], "big")
    i += id_size
    for _ in range(count):
        i += id_size + (2 if version in (1, 2) else 0) + 2
        base = int.from_bytes(data[i : i + base_size], "big")
        if base_size and base > changed_at:
            data[i : i + base_size] = (base + delta).to_bytes(base_size, "big")
        i += base_size
        extents = struct.unpack(">H", data[i : i + 2])[0]
        i += 2
        for _ in range(extents):
            i += index_size
            offset = int.from_bytes(data[i : i + offset_size], "big")
            if offset_size and not base_size and offset > changed_at:
                data[i : i + offset_size] = (offset + delta).to_bytes(offset_size, "big")
            i += offset_size + length_size


def heic_ispe_claiming(width: int, height: int) -> bytes:
    """A real 64×64 HEIC whose ``ispe`` box is rewritten to declare ``width × height``."""
    data = bytearray(encode(scene((64, 64)), "HEIF", quality=50))
    at = data.index(b"ispe") + 8
    data[at : at + 8] = struct.pack(">II", width, height)
    return bytes(data)


def heic_photo() -> bytes:
    """An ordinary HEIC (400×300), as an iPhone sends it when the file is shared as a document."""
    return encode(scene(), "HEIF", quality=70)


def cut(data: bytes, keep: float = 0.5) -> bytes:
    """The first ``keep`` share of ``data``: a download or upload broken off."""
    return data[: max(1, int(len(data) * keep))]


def decodes(data: bytes) -> tuple[int, int]:
    """Decode ``data`` with Pillow (for checking a generator on small sizes only)."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.size


# ---- a large HEIC as an iPhone writes it: a grid of 512×512 HEVC tiles -----------------------------


def _box(kind: bytes, body: bytes, version: int | None = None, flags: int = 0) -> bytes:
    if version is not None:
        body = struct.pack(">I", (version << 24) | flags) + body
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _heic_parts(data: bytes) -> tuple[bytes, bytes]:
    """The ``hvcC`` box and the coded picture of a single-image HEIC made by pillow_heif."""
    at = data.index(b"hvcC") - 4
    hvcc = data[at : at + struct.unpack(">I", data[at : at + 4])[0]]
    mdat = data.index(b"mdat") - 4
    return hvcc, data[mdat + 8 : mdat + struct.unpack(">I", data[mdat : mdat + 4])[0]]


def heic_grid(width: int = 8000, height: int = 6000, tile: int = 512) -> bytes:
    """A ``width × height`` HEIC whose primary item is a grid of ``tile``-pixel HEVC tiles, as an iPhone in
    48 MP mode writes it (8000×6000 in 16 × 12 tiles of 512). One tile is encoded and every grid cell
    points at it: about 2 KB, made in milliseconds, decoded by libheif at its full size."""
    hvcc, coded = _heic_parts(encode(scene((tile, tile)), "HEIF", quality=30))
    columns, rows = -(-width // tile), -(-height // tile)
    tiles = list(range(2, 2 + columns * rows))
    grid = struct.pack(">BBBBHH", 0, 0, rows - 1, columns - 1, width, height)
    infe = _box(b"infe", struct.pack(">HH4s", 1, 0, b"grid") + b"\0", version=2)
    infe += b"".join(_box(b"infe", struct.pack(">HH4s", i, 0, b"hvc1") + b"\0", version=2, flags=1) for i in tiles)
    ipco = _box(b"ipco", hvcc + _box(b"ispe", struct.pack(">II", tile, tile), version=0)
                + _box(b"ispe", struct.pack(">II", width, height), version=0))
    ipma = struct.pack(">IHBB", 1 + len(tiles), 1, 1, 3) + b"".join(struct.pack(">HBBB", i, 2, 0x81, 2) for i in tiles)

    def meta(offset: int) -> bytes:
        iloc = struct.pack(">BBH", 0x44, 0x00, 1 + len(tiles)) + struct.pack(">HHHHII", 1, 1, 0, 1, 0, len(grid))
        iloc += b"".join(struct.pack(">HHHHII", i, 0, 0, 1, offset, len(coded)) for i in tiles)
        return _box(b"meta", b"".join((
            _box(b"hdlr", struct.pack(">I4s12s", 0, b"pict", bytes(12)) + b"\0", version=0),
            _box(b"pitm", struct.pack(">H", 1), version=0),
            _box(b"iinf", struct.pack(">H", 1 + len(tiles)) + infe, version=0),
            _box(b"iref", _box(b"dimg", struct.pack(">HH", 1, len(tiles)) + struct.pack(f">{len(tiles)}H", *tiles)),
                 version=0),
            _box(b"iprp", ipco + _box(b"ipma", ipma, version=0)),
            _box(b"idat", grid),
            _box(b"iloc", iloc, version=1),
        )), version=0)

    ftyp = _box(b"ftyp", b"heic" + bytes(4) + b"mif1heic")
    head = len(ftyp) + len(meta(0)) + 8
    return ftyp + meta(head) + _box(b"mdat", coded)
