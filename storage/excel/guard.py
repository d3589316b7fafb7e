"""Bounds on untrusted spreadsheets, checked before openpyxl parses anything (issue 14, finding 1).

Every ``.xlsx`` that reaches hazardbot (plans, ledgers, the contacts registry; sent to the bot or given to
``hazardbot import``) goes through here first, in three stages:

* ``check_size`` — the size Telegram announces, before anything is downloaded;
* ``check_archive`` — the file's size, the zip's end record and central directory (read with ``zipfile``;
  nothing is decompressed): member count, each member's compressed and uncompressed size and ratio, the
  total, and the shared strings part's size beside the worksheets' (``check_shared_strings_size``). Cheap and
  bounded, so it also runs in the bot process;
* ``scan_workbook`` — every XML member streamed once through expat with constant memory: no DTD (entity
  bombs), each worksheet's real last row and column (as openpyxl counts them; the declared ``<dimension>``
  is recorded, never trusted), its cell count, the formula cells that carry no cached value, and the
  number of shared strings (``strings_allowed``: openpyxl keeps every one of them in memory, even read-only).
  It decompresses everything, so it runs in the parse worker (``bot.services.sheet_parser``).

``open_workbook`` does all three and opens the workbook ``read_only``; readers then stream rows with
``rows`` — up to ``max_rows`` and only the columns they use, never padded to a declared width.
Problems raise ``SpreadsheetRefused`` with a ``reason`` (see the class) the handlers put into words.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from storage.errors import DomainError

MIB = 1024 * 1024
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_DIGITS = "0123456789"
_KEPT_TAGS = 256  # tags (and column letters) remembered per member
_SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
#: the shared strings part as Excel, XlsxWriter and openpyxl name it (openpyxl finds it by its content type, so
#: ``scan_workbook`` counts the strings of an ``<sst>`` part whatever it is called)
SHARED_STRINGS = "xl/sharedStrings.xml"
#: the shared strings part unpacks to at most this many times the worksheets' XML (``check_shared_strings_size``)
STRINGS_PER_SHEET_BYTE = 8
#: shared strings no cell shows that a workbook may keep besides twice its cells (``strings_allowed``)
SPARE_STRINGS = 10_000


@dataclass(frozen=True)
class SheetLimits:
    """How big an uploaded spreadsheet may be. Sizes in bytes; ``max_ratio`` is uncompressed ÷ compressed
    of one member, checked for members above ``ratio_floor`` bytes (tiny members compress absurdly well).
    The defaults hold a district's 附件2 ledger of 50 000 rows; ``Settings`` can change each."""

    max_bytes: int = 20 * MIB  # Telegram bots download at most 20 MB anyway
    max_members: int = 500
    max_member_bytes: int = 100 * MIB
    max_unpacked_bytes: int = 200 * MIB
    max_ratio: int = 100
    ratio_floor: int = MIB
    max_rows: int = 50_000
    max_columns: int = 256
    max_cells: int = 2_000_000

    @property
    def max_mb(self) -> int:
        """``max_bytes`` in whole MiB (at least 1), for the refusal message."""
        return max(1, self.max_bytes // MIB)


DEFAULT_LIMITS = SheetLimits()


class SpreadsheetRefused(DomainError):
    """The file is refused before (or instead of) being read. ``reason`` and its params:

    ``too_large`` (size_mb, max_mb) · ``not_xlsx`` · ``damaged`` · ``bloated`` (too many members, a member or
    the whole too big unpacked, a compression ratio of a bomb, shared strings far bigger than the sheets, a
    DTD) · ``too_many_strings`` (strings: counted so far, max: ``strings_allowed``) · ``too_many_rows`` (sheet, rows, max:
    the last row with anything in it) · ``too_many_columns`` (sheet, columns, max) ·
    ``too_many_cells`` (max) · ``formulas`` (cells: "B4、D4", count) · ``too_heavy`` (the parse worker ran out
    of memory or time, or died; ``cause`` for the log)."""

    code = "spreadsheet_refused"

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason=reason, **params)
        self.reason = reason

    def describe(self) -> str:
        """One English line for the command line and logs."""
        extra = ", ".join(f"{k}={v}" for k, v in self.params.items() if k != "reason")
        return f"refused ({self.reason}{': ' + extra if extra else ''})"


def check_size(size: int | None, limits: SheetLimits = DEFAULT_LIMITS) -> None:
    """Refuse a file announced as larger than ``limits.max_bytes`` (``size`` None: not announced; the
    downloaded file is measured again by ``check_archive``)."""
    if size is not None and size > limits.max_bytes:
        raise SpreadsheetRefused("too_large", size_mb=round(size / MIB, 1), max_mb=limits.max_mb)


def check_archive(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> list[zipfile.ZipInfo]:
    """Check ``path`` as a zip archive without decompressing anything; returns its members.

    The end record is read first, so a central directory of a million entries is refused before
    ``zipfile`` builds an object for each. Raises ``SpreadsheetRefused``."""
    size = path.stat().st_size
    check_size(size, limits)
    with path.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":  # every xlsx starts with a local file header; .xls, CSV, PDF do not
            raise SpreadsheetRefused("not_xlsx")
        entries, directory_size = _end_record(fh, size)
    if entries > limits.max_members or directory_size > limits.max_members * 1024:
        raise SpreadsheetRefused("bloated", members=entries, max_members=limits.max_members)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetRefused("damaged") from exc
    if len(members) > limits.max_members:
        raise SpreadsheetRefused("bloated", members=len(members), max_members=limits.max_members)
    total = 0
    for m in members:
        if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or m.flag_bits & 0x1:
            raise SpreadsheetRefused("damaged")  # Excel writes stored or deflated, never encrypted, members
        ratio_bomb = m.file_size > limits.ratio_floor and m.file_size > limits.max_ratio * max(m.compress_size, 1)
        if m.file_size > limits.max_member_bytes or ratio_bomb:
            raise SpreadsheetRefused("bloated", member=m.filename[:80], unpacked_mb=round(m.file_size / MIB, 1))
        total += m.file_size
    if total > limits.max_unpacked_bytes:
        raise SpreadsheetRefused("bloated", unpacked_mb=round(total / MIB, 1))
    check_shared_strings_size(members, limits)
    if "[Content_Types].xml" not in {m.filename for m in members}:
        raise SpreadsheetRefused("not_xlsx")  # a zip, but no Office document (a renamed .zip, for one)
    return members


def check_shared_strings_size(members: list[zipfile.ZipInfo], limits: SheetLimits = DEFAULT_LIMITS) -> None:
    """Refuse (``bloated``) a shared strings part (``SHARED_STRINGS``) that unpacks to more than
    ``STRINGS_PER_SHEET_BYTE`` times the worksheets' XML (``xl/worksheets/``), or ``limits.ratio_floor`` when that
    is more: texts that no cell could show, millions of them in a few MB (openpyxl reads them all into a list,
    even read-only). Sizes from the central directory only: nothing is decompressed.

    Why 8: every string is shown by a cell, and a cell that shows one is about 30–40 bytes of sheet XML, so
    only cells of 90 Chinese characters on average, each different, reach 8. Measured on legitimate ledgers
    saved as Excel saves them (every text in the shared strings table; re-saved with XlsxWriter's default mode):
    the 92 000-row 附件2 ledger of ``benchmarks/bench_import.py``, 11.3 MiB of 366 277 strings beside 56.4 MiB of
    sheet (0.2×); a 100 000-row 附件2 export (``storage.excel.writer``) of random Chinese in its six text columns
    (the rows of ``benchmarks/hostile_upload.py``), 35.7 MiB of 797 382 strings beside 40.7 MiB (0.9×). The
    3 million strings ``<si><t>N</t></si>`` of ``tests/hostile_sheets.shared_strings``: 65 MiB beside a sheet
    of 1 KiB, 7.5 MB compressed (a ratio of 9, within every other bound)."""
    strings = sum(m.file_size for m in members if m.filename == SHARED_STRINGS)
    sheets = sum(m.file_size for m in members if m.filename.startswith("xl/worksheets/"))
    if strings > max(limits.ratio_floor, STRINGS_PER_SHEET_BYTE * sheets):
        raise SpreadsheetRefused("bloated", member=SHARED_STRINGS, unpacked_mb=round(strings / MIB, 1))


def strings_allowed(cells: int, limits: SheetLimits = DEFAULT_LIMITS) -> int:
    """How many shared strings (``<si>``) a workbook of ``cells`` filled cells may hold: twice its cells plus
    ``SPARE_STRINGS``, and never more than ``limits.max_cells``.

    A shared string is there for a cell to show it, and the writers measured (XlsxWriter, openpyxl) keep only
    those, so a workbook holds at most as many as it has cells; the margin is for a tool that keeps unused ones
    (a template's, rows deleted without rewriting the table). A legitimate
    100 000-row 附件2 ledger stays far inside: 797 382 strings in 1.10 M text cells (see
    ``check_shared_strings_size``; 100 000 rows need ``sheet_max_rows`` and ``sheet_max_cells`` raised, as
    ``benchmarks/bench_import.py`` does, to 200 000 and 6 000 000)."""
    return min(limits.max_cells, 2 * cells + SPARE_STRINGS)


def _end_record(fh: IO[bytes], size: int) -> tuple[int, int]:
    """(entries, central directory size) from the end record (and its zip64 form); ``damaged`` if absent."""
    tail_start = max(0, size - _EOCD.size - 0xFFFF)  # the record, after a comment of at most 64 KiB
    fh.seek(tail_start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise SpreadsheetRefused("damaged")  # cut short: the directory at the end never arrived
    _sig, _disk, _cd_disk, _here, entries, directory_size, _offset, _comment = _EOCD.unpack_from(tail, at)
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        locator = tail[at - _ZIP64_LOCATOR.size : at] if at >= _ZIP64_LOCATOR.size else b""
        if len(locator) != _ZIP64_LOCATOR.size or not locator.startswith(b"PK\x06\x07"):
            raise SpreadsheetRefused("damaged")
        record_at = _ZIP64_LOCATOR.unpack(locator)[2]
        fh.seek(record_at)
        record = fh.read(_ZIP64_EOCD.size)
        if len(record) != _ZIP64_EOCD.size or not record.startswith(b"PK\x06\x06"):
            raise SpreadsheetRefused("damaged")
        fields = _ZIP64_EOCD.unpack(record)
        entries, directory_size = fields[7], fields[8]
    return entries, directory_size


@dataclass
class SheetExtent:
    """What the scan found in one worksheet: its last row and column (1-based), its cells."""

    name: str
    rows: int = 0
    columns: int = 0
    cells: int = 0
    declared: str = ""  # the <dimension> it declares, never trusted


@dataclass
class WorkbookScan:
    """Every worksheet's extent, the formula cells without a cached value (``Sheet!B4``; at most 20) and the
    number of shared strings (``<si>`` of every ``<sst>`` part)."""

    sheets: list[SheetExtent] = field(default_factory=list)
    uncached_formulas: list[str] = field(default_factory=list)
    uncached_count: int = 0
    strings: int = 0

    def refuse_uncached_formulas(self) -> None:
        """A formula without a cached value reads as an empty cell (openpyxl does not calculate): refuse
        the file naming the cells rather than import it as empty."""
        if self.uncached_count:
            raise SpreadsheetRefused("formulas", cells="、".join(self.uncached_formulas[:10]),
                                     count=self.uncached_count)


def scan_workbook(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> WorkbookScan:
    """``check_archive``, then stream every XML member through expat (constant memory) and refuse a DTD
    or a real extent beyond ``limits``. Raises ``SpreadsheetRefused``."""
    check_archive(path, limits)
    scan = WorkbookScan()
    try:
        with zipfile.ZipFile(path) as archive:
            names = _sheet_names(archive)
            for member in archive.infolist():
                if not member.is_dir():
                    with archive.open(member) as stream:
                        _scan_member(stream, names.get(member.filename, member.filename), limits, scan)
    except SpreadsheetRefused:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, expat.ExpatError) as exc:
        raise SpreadsheetRefused("damaged") from exc  # a CRC error, a member cut short, broken XML
    total = sum(s.cells for s in scan.sheets)
    if total > limits.max_cells:
        raise SpreadsheetRefused("too_many_cells", max=limits.max_cells)
    if scan.strings > strings_allowed(total, limits):
        raise SpreadsheetRefused("too_many_strings", strings=scan.strings, max=strings_allowed(total, limits))
    return scan


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member path → sheet name, from ``xl/workbook.xml`` and its relationships (for the
    messages only; every member is scanned whatever it is called)."""
    rels: dict[str, str] = {}
    sheets: list[tuple[str, str]] = []

    def rel(name: str, attrs: dict[str, str]) -> None:
        if name.endswith("Relationship") and attrs.get("Type") == _SHEET_TYPE:
            target = attrs.get("Target", "")
            rels[attrs.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"

    def sheet(name: str, attrs: dict[str, str]) -> None:
        if name.endswith("}sheet") or name == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith("}id")), "")
            sheets.append((attrs.get("name", ""), rid))

    for member, handler in (("xl/_rels/workbook.xml.rels", rel), ("xl/workbook.xml", sheet)):
        if member in archive.namelist() and archive.getinfo(member).file_size <= MIB:
            parser = _parser()
            parser.StartElementHandler = handler
            try:
                parser.Parse(archive.read(member), True)
            except expat.ExpatError:
                return {}
    return {rels[rid]: name for name, rid in sheets if rid in rels}


def _parser() -> Any:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_dtd(*_: object) -> None:  # an xlsx part never has one; a DTD is how entity bombs start
        raise SpreadsheetRefused("bloated", dtd=True)

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    return parser


class _SheetWalker:
    """Expat handlers that follow openpyxl's own counting (``WorkSheetParser``): a ``<row>`` without ``r``
    is the next row, a ``<c>`` without ``r`` the next column.

    Called for each of the million elements of a big ledger, so kept lean: the element's handler is looked up by
    its full tag (a few distinct tags, remembered), the end handler is installed only inside a formula cell (the
    only place where an end matters), and a cell reference's column letters are remembered once checked."""

    def __init__(self, name: str, limits: SheetLimits, scan: WorkbookScan, parser: Any) -> None:
        self.extent = SheetExtent(name)
        self.parser = parser
        self.limits, self.scan = limits, scan
        self.row = self.column = self.in_row = 0
        self.formula = self.value = self.text_result = False
        self.ref = ""
        self.is_sheet: bool | None = None
        self.by_name: dict[str, Callable[[dict[str, str]], None]] = {
            "c": self._c, "f": self._f, "v": self._v, "row": lambda attrs: self._row(attrs.get("r")),
            "dimension": lambda attrs: self._dimension(attrs.get("ref", "")),
        }
        self.by_tag: dict[str, Callable[[dict[str, str]], None] | None] = {}
        self.columns: dict[str, int] = {}  # "AB" (or "$AB$") of a checked reference → 28

    def first(self, tag: str, attrs: dict[str, str]) -> None:
        """The root element: a worksheet is walked; shared strings are counted; styles…: only the DTD handlers
        stay."""
        root = tag.rsplit("}", 1)[-1]
        self.is_sheet = root == "worksheet"
        self.parser.StartElementHandler = self.start if self.is_sheet else self.string if root == "sst" else None
        if self.is_sheet:
            self.scan.sheets.append(self.extent)

    def string(self, tag: str, _attrs: dict[str, str]) -> None:
        """An element of the shared strings: each ``<si>`` counted, the count bounded by ``limits.max_cells`` as
        it goes (the cells are known only once every member is read: ``scan_workbook`` checks the rest)."""
        if tag.endswith("}si") or tag == "si":
            self.scan.strings += 1
            if self.scan.strings > self.limits.max_cells:
                raise SpreadsheetRefused("too_many_strings", strings=self.scan.strings, max=self.limits.max_cells)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        try:
            handler = self.by_tag[tag]
        except KeyError:
            handler = self.by_name.get(tag.rsplit("}", 1)[-1])
            if len(self.by_tag) < _KEPT_TAGS:  # a hostile file may invent any number of tags
                self.by_tag[tag] = handler
        if handler is not None:
            handler(attrs)

    def _c(self, attrs: dict[str, str]) -> None:
        self._cell(attrs.get("r"))
        self.text_result = attrs.get("t") == "str"  # Excel caches a formula's empty text as <v></v>

    def _f(self, _attrs: dict[str, str]) -> None:
        self.formula = True
        self.parser.EndElementHandler = self.end  # until the cell ends

    def _v(self, _attrs: dict[str, str]) -> None:
        if self.formula:
            self.parser.CharacterDataHandler = self.text
            self.value = self.value or self.text_result

    def text(self, data: str) -> None:
        self.value = self.value or bool(data.strip())

    def end(self, tag: str) -> None:
        if tag.endswith("}v") or tag == "v":
            self.parser.CharacterDataHandler = None
        elif tag.endswith("}c") or tag == "c":
            if self.formula and not self.value:  # openpyxl, xlsxwriter without values: <f>…</f><v/> or no <v>
                self.scan.uncached_count += 1
                if len(self.scan.uncached_formulas) < 20:
                    self.scan.uncached_formulas.append(f"{self.extent.name}!{self.ref}")
            self.formula = self.value = False
            self.parser.EndElementHandler = None

    def _row(self, r: str | None) -> None:
        self.row = _number(r, "row") if r else self.row + 1
        self.column = self.in_row = 0
        self.extent.rows = max(self.extent.rows, self.row)
        if self.row > self.limits.max_rows:
            raise SpreadsheetRefused("too_many_rows", sheet=self.extent.name, rows=self.row, max=self.limits.max_rows)

    def _cell(self, r: str | None) -> None:
        if r:
            letters = r.rstrip(_DIGITS)
            column = self.columns.get(letters)
            if column is None or not 0 < len(r) - len(letters) <= 7:
                column = self._checked_column(r)
            self.column = column
        else:
            self.column += 1
        self.ref = r or f"{_letters(self.column)}{self.row}"
        self.in_row += 1
        self.extent.cells += 1
        if self.column > self.extent.columns:
            self.extent.columns = self.column
        if self.column > self.limits.max_columns or self.in_row > self.limits.max_columns:
            raise SpreadsheetRefused("too_many_columns", sheet=self.extent.name,
                                     columns=max(self.column, self.in_row), max=self.limits.max_columns)
        if self.extent.cells > self.limits.max_cells:
            raise SpreadsheetRefused("too_many_cells", max=self.limits.max_cells)

    def _checked_column(self, r: str) -> int:
        """The column of reference ``r`` checked in full (``_CELL_REF``); its letters remembered when the rest is
        ASCII digits, so that ``_cell`` may skip the check for the next reference with the same letters."""
        m = _CELL_REF.match(r)
        if m is None:
            raise SpreadsheetRefused("damaged")
        column = _column(m[1])
        letters = r.rstrip(_DIGITS)
        if letters == r[:m.start(2)] and len(self.columns) < _KEPT_TAGS:
            self.columns[letters] = column
        return column

    def _dimension(self, ref: str) -> None:
        # Kept for the record only. Excel writes the used range, but converters and hand-made files declare
        # what they like (A1:IV65536 from old .xls, A1:XFD1048576 in a bomb): ``rows`` never sizes anything
        # by it, so the file is judged by its real extent, counted here cell by cell.
        self.extent.declared = ref[:40]


def _scan_member(stream: IO[bytes], name: str, limits: SheetLimits, scan: WorkbookScan) -> None:
    head = stream.read(64 * 1024)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return  # not XML (an image, a printer setting): openpyxl never parses it as XML either
    parser = _parser()
    walker = _SheetWalker(name, limits, scan, parser)
    parser.StartElementHandler = walker.first
    chunk = head
    while chunk:
        parser.Parse(chunk, False)
        chunk = stream.read(256 * 1024)
    parser.Parse(b"", True)


def _number(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise SpreadsheetRefused("damaged", bad=what)
    return int(text)


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _letters(column: int) -> str:
    out = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out or "A"


@contextmanager
def open_workbook(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> Iterator[Any]:
    """``path`` scanned (``scan_workbook``, formulas without values refused) and opened with openpyxl,
    ``read_only`` with cached values; closed on exit. Raises ``SpreadsheetRefused``."""
    from openpyxl import load_workbook

    scan_workbook(path, limits).refuse_uncached_formulas()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (SpreadsheetRefused, MemoryError):  # out of memory is the worker's bound, not a damaged file
        raise
    except Exception as exc:  # noqa: BLE001  (openpyxl raises many kinds for a file it cannot read)
        raise SpreadsheetRefused("damaged") from exc
    try:
        yield book
    finally:
        book.close()


def rows(sheet: Any, columns: int, limits: SheetLimits = DEFAULT_LIMITS, first: int = 1,
         last: int | None = None) -> Iterator[tuple[Any, ...]]:
    """The values of ``sheet`` (openpyxl read-only) row by row, each exactly ``columns`` wide, from row
    ``first`` to ``last`` (default: ``limits.max_rows``, which the scan has made the real end at most).
    The declared dimension is never used: it is what a dimension bomb lies about."""
    end = min(last or limits.max_rows, limits.max_rows)
    yield from sheet.iter_rows(min_row=first, max_row=end, min_col=1, max_col=columns, values_only=True)
