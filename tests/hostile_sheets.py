"""A corpus of hostile spreadsheets, made at test time (issue 14): each returns the file's bytes.

The workbooks are written member by member (``zipfile``-compatible, no openpyxl), so each is exactly what
its name says and tiny to produce: a 1.7 KB dimension bomb, a ~1 MB file holding 1 GiB of whitespace (the
deflate stream of a run of spaces repeats once the window is full, so 3 MiB are compressed and the rest
copied), more rows or members than allowed, 3 million shared strings no cell shows, a truncated zip, a PDF
named .xlsx, formulas without cached values. ``python -m tests.hostile_sheets DIR`` writes them all to DIR.
"""

from __future__ import annotations

import struct
import sys
import zlib
from functools import cache
from pathlib import Path

MIB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
    '<sheets><sheet name="计划" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'
PLAN_TOP = (("A1", "2019年度监督检查计划表"), ("A2", "单位名称"), ("B2", "朝外街道"))
SHEET = "xl/worksheets/sheet1.xml"


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, cells: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    return f'<row r="{number}">' + "".join(cell(ref, text) for ref, text in cells) + "</row>"


def plan_top_rows() -> str:
    return row(1, PLAN_TOP[:1]) + row(2, PLAN_TOP[1:])


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _local(name: bytes, method: int, crc: int, csize: int, usize: int) -> bytes:
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, csize, usize, len(name), 0) + name


def _central(name: bytes, method: int, crc: int, csize: int, usize: int, offset: int) -> bytes:
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc, csize, usize,
                       len(name), 0, 0, 0, 0, 0, offset) + name


def archive(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of ``(name, deflated data, crc32, uncompressed size)`` members, as zipfile would write it."""
    out, directory = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        directory += _central(encoded, 8, crc, len(data), size, len(out))
        out += _local(encoded, 8, crc, len(data), size) + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(out), 0)
    return bytes(out + directory + end)


def member(name: str, text: str | bytes) -> tuple[str, bytes, int, int]:
    data = text.encode() if isinstance(text, str) else text
    return name, _deflate(data), zlib.crc32(data), len(data)


def workbook(sheet_xml: str | tuple[str, bytes, int, int], extra: list[tuple[str, bytes, int, int]] = ()) -> bytes:  # type: ignore[assignment]
    """A one-sheet workbook (sheet name 计划) with the given worksheet XML (or a ready member)."""
    sheet = member(SHEET, sheet_xml) if isinstance(sheet_xml, str) else sheet_xml
    return archive([member("[Content_Types].xml", CONTENT_TYPES), member("_rels/.rels", ROOT_RELS),
                    member("xl/workbook.xml", WORKBOOK), member("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                    sheet, *extra])


def dimension_bomb() -> bytes:
    """1.7 KB: declares A1:XFD1048576 and has a cell at A1048576, under a plan's first rows."""
    rows = plan_top_rows() + row(1048576, (("A1048576", "x"),))
    return workbook(f'{SHEET_HEAD}<dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData></worksheet>')


def whitespace_member(spaces: int, prefix: str, suffix: str) -> tuple[str, bytes, int, int]:
    """The sheet member ``prefix + " " * spaces + suffix``, deflated without compressing all the spaces:
    after a sync flush the output of each further MiB of spaces is the same bytes."""
    assert spaces % MIB == 0 and spaces >= 4 * MIB
    chunk = b" " * MIB
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix.encode()) + c.compress(chunk) + c.flush(zlib.Z_SYNC_FLUSH)
    second = c.compress(chunk) + c.flush(zlib.Z_SYNC_FLUSH)
    third = c.compress(chunk) + c.flush(zlib.Z_SYNC_FLUSH)
    assert second == third, "the deflate stream of a run of spaces did not settle"
    tail = c.compress(suffix.encode()) + c.flush()
    data = head + second * (spaces // MIB - 1) + tail
    crc = zlib.crc32(prefix.encode())
    for _ in range(spaces // MIB):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix.encode(), crc)
    return SHEET, data, crc, len(prefix.encode()) + spaces + len(suffix.encode())


@cache
def zip_bomb(spaces: int = 1024 * MIB) -> bytes:
    """About 1 MB holding 1 GiB of whitespace inside the sheet data of a plan, between rows."""
    prefix = f"{SHEET_HEAD}<sheetData>{plan_top_rows()}"
    return workbook(whitespace_member(spaces, prefix, "</sheetData></worksheet>"))


@cache
def text_bomb(spaces: int) -> bytes:
    """A plan whose cell A3 holds ``spaces`` spaces of text: within the bounds when they allow the
    size and ratio, but a reader that keeps the cell needs ``spaces`` bytes and more."""
    prefix = f'{SHEET_HEAD}<sheetData>{plan_top_rows()}<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve">'
    return workbook(whitespace_member(spaces, prefix, "</t></is></c></row></sheetData></worksheet>"))


def too_many_rows(rows: int = 50_001) -> bytes:
    """A plan's first rows, then ``rows`` rows in all (one more than the default bound)."""
    body = plan_top_rows() + "".join(row(n, ((f"B{n}", "每月"),)) for n in range(3, rows + 1))
    return workbook(f"{SHEET_HEAD}<sheetData>{body}</sheetData></worksheet>")


def too_many_members(count: int = 600) -> bytes:
    """A valid plan layout plus ``count`` tiny extra members."""
    extra = [member(f"xl/media/x{i}.xml", "<x/>") for i in range(count)]
    return workbook(f"{SHEET_HEAD}<sheetData>{plan_top_rows()}</sheetData></worksheet>", extra)


@cache
def shared_strings(count: int = 3_000_000, name: str = "xl/sharedStrings.xml") -> bytes:
    """A plan's first rows whose workbook also holds ``count`` different short strings that no cell shows
    (``<si><t>N</t></si>``, the part called ``name``): 3 million are 65 MiB unpacked, 7.5 MB compressed (a ratio of
    9, within the members' bounds), and openpyxl would keep every one of them in a list."""
    body = "".join(f"<si><t>{i}</t></si>" for i in range(count))
    strings = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" uniqueCount="{count}">'
    types = CONTENT_TYPES.replace("</Types>", f'<Override PartName="/{name}" ContentType="application/vnd.'
                                  'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = WORKBOOK_RELS.replace("</Relationships>", f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" '
                                 f'Target="{name.removeprefix("xl/")}"/></Relationships>')
    sheet = f"{SHEET_HEAD}<sheetData>{plan_top_rows()}</sheetData></worksheet>"
    return archive([member("[Content_Types].xml", types), member("_rels/.rels", ROOT_RELS),
                    member("xl/workbook.xml", WORKBOOK), member("xl/_rels/workbook.xml.rels", rels),
                    member(SHEET, sheet), member(name, strings + body + "</sst>")])


def truncated(data: bytes) -> bytes:
    """``data`` cut in the middle, as an interrupted upload: no central directory at the end."""
    return data[: len(data) // 2]


def not_a_workbook() -> bytes:
    """A PDF, to be sent with a name ending in .xlsx."""
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def uncached_formulas(rows: list[list[object]]) -> bytes:
    """A workbook of ``rows`` written by openpyxl, which writes formulas such as ``=10*2`` without a
    cached value (as a program does that never opened the file in Excel)."""
    from tests.reminders.test_contacts_import import xlsx

    return xlsx(rows)


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("dimension_bomb.xlsx", dimension_bomb()), ("zip_bomb.xlsx", zip_bomb()),
                       ("too_many_rows.xlsx", too_many_rows()), ("too_many_members.xlsx", too_many_members()),
                       ("shared_strings.xlsx", shared_strings()),
                       ("truncated.xlsx", truncated(too_many_members(10))), ("not_a_workbook.xlsx", not_a_workbook())):
        (folder / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")  # noqa: T201
