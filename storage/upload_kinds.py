"""What a submitted file really is, read from its bytes (方案 五(二): units send work information, summaries
and reports as documents). Every file is hostile: its size is bounded before anything is read (Telegram's
20 MB download limit), the name and type a client declares are never trusted, and only these are kept:

- PDF (``%PDF-``), JPEG, PNG;
- Office Open XML (``.docx`` ``.xlsx`` ``.pptx``): a zip whose central directory (read only, at most
  ``MAX_ZIP_ENTRIES`` entries; nothing is decompressed) holds ``[Content_Types].xml`` and the part of
  its kind (``word/``, ``xl/``, ``ppt/``), unpacking to at most ``MAX_UNPACKED`` bytes and at most
  ``MAX_RATIO`` times its own size (a zip bomb would reach whoever opens the file: the office, from the card);
- the old binary Office / WPS formats (OLE2 compound file: ``.doc`` ``.xls`` ``.ppt`` ``.wps``);
- plain text (``.txt``; a declared ``.csv`` or ``.tsv`` kept as such): valid UTF-8 without control characters (C0 but
  tab and line ends, DEL, C1), or
  for a declared text file GB18030/GBK (Chinese Excel's CSV), kept byte for byte.

The name a file is sent back under is the declared one cut to a safe shape (no directory, no control
characters) with the extension of what the bytes are.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from storage.errors import DomainError
from storage.images import FileTooBig

MAX_ZIP_ENTRIES = 5000
#: what an Office file may unpack to, by its central directory: the bounds a ledger upload has by default
#: (``bot.settings`` ``sheet_max_unpacked_mb``, ``sheet_max_ratio``); a 20 MB document of photos unpacks to about
#: its own size, a large workbook to ten times it
MAX_UNPACKED = 200 * 2**20
MAX_RATIO = 100
NAME_LIMIT = 120
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_EXTS = (".doc", ".xls", ".ppt", ".wps", ".et", ".dps")
_OOXML = {"word/": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
          "xl/": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
          "ppt/": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")}
#: the plain text kinds a declared extension is kept for (text only: nothing a reader's program would run or
#: render, as .html or .svg would be), with their MIME types
TEXT_EXTS = {".txt": "text/plain", ".csv": "text/csv", ".tsv": "text/tab-separated-values"}
#: what a file name may not carry back to a reader: controls (C0, C1), path and shell characters, the line and
#: paragraph separators (U+2028, U+2029: a new line on screen, a new paragraph for bidirectional text) and every
#: invisible format character (Unicode category Cf) — those that reorder text (U+202E turns "txt.exe" into
#: "exe.txt" on screen) and those that hide it (soft hyphen, tag characters U+E0020–E007F spelling unseen text)
UNSAFE_NAME = re.compile(
    "[\x00-\x1f\x7f-\x9f/\\\\:*?\"<>|\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]+")
#: the control characters (C0 but tab and line ends, DEL, C1) a text may not hold: U+009B is a terminal's CSI, and
#: GB18030's four-byte sequences decode to any of them as UTF-8's do
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: the kinds kept, as a person knows them (the inbox's prompt and refusal list them, each in its language)
ACCEPTED_KINDS = ("PDF", "Word", "Excel", "PowerPoint", "WPS", "JPEG", "PNG", "TXT")
ACCEPTED = ", ".join(ACCEPTED_KINDS)


class UploadTooBig(FileTooBig, code="upload_too_big"):
    """A file sent to the inbox (not a photo of a record) over Telegram's 20 MB download limit, told in the
    inbox's words. ``params``: ``size_mb``, ``max_mb``."""


class FileKindRefused(DomainError, code="file_kind_refused"):
    """The bytes are none of the kinds kept (``ACCEPTED``), or claim to be one and are broken."""


@dataclass(frozen=True)
class FileKind:
    """What the bytes are: the extension to send them under and their MIME type."""

    ext: str
    mime: str


def check_size(size: int | None) -> None:
    """Refuse more than 20 MB (``size`` bytes, declared or real; ``None`` passes). Raises ``UploadTooBig``."""
    UploadTooBig.check(size)


def sniff(data: bytes, declared_name: str = "") -> FileKind:
    """The kind of ``data`` (at most 20 MB). Raises ``UploadTooBig``, ``FileKindRefused``."""
    check_size(len(data))
    if not data:
        raise FileKindRefused()
    if data.startswith(b"%PDF-"):
        return FileKind(".pdf", "application/pdf")
    if data.startswith(b"\xff\xd8\xff"):
        return FileKind(".jpg", "image/jpeg")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind(".png", "image/png")
    if data.startswith(_OLE):
        ext = next((e for e in _OLE_EXTS if declared_name.lower().endswith(e)), ".doc")
        return FileKind(ext, "application/octet-stream")
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    return _plain_text(data, declared_name)


def _ooxml(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()  # the central directory only: nothing is inflated
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as exc:
        raise FileKindRefused() from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileKindRefused()
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * len(data):
        raise FileKindRefused()
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise FileKindRefused()  # a plain zip archive: it could hold anything
    for prefix, (ext, mime) in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return FileKind(ext, mime)
    raise FileKindRefused()


def _plain_text(data: bytes, declared_name: str = "") -> FileKind:
    """Text (no control characters) under the declared extension when it names a kind of plain text
    (``TEXT_EXTS``: a ``.csv`` stays a table its reader opens with a spreadsheet), else ``.txt``. UTF-8, or —
    for a declared text file only — GB18030 (which GBK is part of): what Chinese Excel saves as "CSV" and
    Chinese Notepad as "ANSI". The bytes are kept as sent, so the reader's Excel opens them as it saved them."""
    ext = next((e for e in TEXT_EXTS if declared_name.lower().endswith(e)), None)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if ext is None:
            raise FileKindRefused() from exc
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as gb_exc:
            raise FileKindRefused() from gb_exc
    if _CONTROL.search(text):
        raise FileKindRefused()
    ext = ext or ".txt"
    return FileKind(ext, TEXT_EXTS[ext])


#: the extensions of the kinds kept, as files of them are usually named (``sniff`` sends them back under the first
#: spelling: ``.jpeg`` as ``.jpg``)
KEPT_EXTENSIONS = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".txt", *_OLE_EXTS, *(e for e, _m in _OOXML.values())})
_SAME_KIND = {".jpeg": ".jpg"}


def _extension(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip(" .")
    return "." + base.rsplit(".", 1)[1].lower() if "." in base else ""


def named_outside_kinds(name: str | None) -> bool:
    """Whether the declared ``name`` ends in an extension of no kind kept (``.bin``, ``.exe``, ``.zip``): a file
    refused anyway is told its kind without fetching its bytes. A name without an extension says nothing
    (``False``); a kept extension proves nothing either (``sniff`` reads the bytes)."""
    ext = _extension(name)
    return bool(ext) and ext not in KEPT_EXTENSIONS


def kind_changed(declared: str | None, kept_name: str) -> bool:
    """Whether ``kept_name`` (``safe_name`` of the bytes' kind) ends otherwise than the ``declared`` name: the
    bytes are another kind than the name said (``fake.pdf`` of plain text is kept as ``fake.txt``), which the
    sender is told. A declared name without an extension, or another spelling of the same kind (``.jpeg`` kept
    as ``.jpg``), is no change."""
    ext = _extension(declared)
    return bool(ext) and _SAME_KIND.get(ext, ext) != _extension(kept_name)


def shown_name(name: str) -> str:
    """A file name kept as a client sent it (an acceptance document's, received before the store) as it may be
    shown: ``UNSAFE_NAME`` replaced, nothing cut. A ``safe_name`` is shown unchanged."""
    return UNSAFE_NAME.sub("_", name)


def safe_name(declared: str | None, kind: FileKind, fallback: str = "file") -> str:
    """A file name to send the bytes back under: the declared name's last part without unsafe characters,
    at most ``NAME_LIMIT`` characters, ending with ``kind.ext``."""
    base = UNSAFE_NAME.sub("_", (declared or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" ._") or fallback
    stem = base[: -len(kind.ext)] if base.lower().endswith(kind.ext) else base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" ._") or fallback
    return stem[: NAME_LIMIT - len(kind.ext)] + kind.ext
