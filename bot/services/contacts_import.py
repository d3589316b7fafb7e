"""Import of the contacts registry (附件4 城市安全隐患治理三年行动工作联系表) from Excel (.xlsx) or CSV.

Two layouts are read:

* the annex itself, one block per unit, repeated: a row ``单位名称：X`` (the name in the same cell
  after the colon, or in the next non-empty cell), the header ``姓名 | 部门及职务 | 办公电话 | 手机号码``
  (with an empty first column) and rows whose first cell is ``主管领导`` or ``联系人员``;
* a flat table with a header row naming ``单位名称``, ``类别`` (or ``角色``/``人员类别``), ``姓名``,
  ``部门及职务``, ``办公电话``, ``手机号码``.

Every row is checked (unit in the registry, role, name (64 characters at most, none of them a control or an
invisible format character: ``hidden_characters``), mainland mobile, Beijing landline for the
office phone when given, no repeated person); when any row is wrong nothing is imported and the
caller gets every problem with its row number (1-based, as the spreadsheet shows it), column and
reason. A unit present in the file has its contacts replaced; Telegram bindings survive for people
whose mobile is unchanged.

Reading and checking (``read_rows``, ``parse_contacts``) run in the parse worker (``bot.services.sheet_jobs``):
this module loads SQLAlchemy only inside the functions that write.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.forms.checks import Rejected, parse_mobile, parse_phone
from bot.services.errors import DomainError
from bot.services.ledger_rows import RowError
from storage.excel.guard import DEFAULT_LIMITS, SheetLimits, SpreadsheetRefused, open_workbook, rows
from storage.registry import find_township, match_unit, normalise_township_name

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

ROLES = {"主管领导": "leader", "联系人员": "contact", "联络人员": "contact", "联系人": "contact"}
COLUMNS = {
    "unit": ("单位名称", "单位"),
    "role": ("类别", "角色", "人员类别", "职责"),
    "name": ("姓名",),
    "title": ("部门及职务", "部门职务", "职务"),
    "office_phone": ("办公电话",),
    "mobile": ("手机号码", "手机", "移动电话"),
}
KEPT_PROBLEMS = 200  # what crosses from the parse worker: enough to show, never a million
CONTACT_COLUMNS = 32  # read this many columns of a sheet: the annex has five, a flat table six
SUFFIXES = (".xlsx", ".xlsm", ".csv")
LABELS = {"unit": "单位名称", "role": "类别", "name": "姓名", "title": "部门及职务",
          "office_phone": "办公电话", "mobile": "手机号码"}


#: a bad cell of the contacts file: the ledgers' ``RowError`` (row number 1-based, the annex's column name, why)
ImportProblem = RowError


class ContactsImportRejected(DomainError):
    """The file has wrong rows; ``problems`` lists them (the first ``KEPT_PROBLEMS`` when read by the parse
    worker), ``total`` counts them all. Nothing was imported."""

    code = "contacts_import_rejected"

    def __init__(self, problems: list[ImportProblem], total: int | None = None) -> None:
        super().__init__(problems=problems)
        self.problems = problems
        self.total = len(problems) if total is None else total


class ContactsFileEmpty(DomainError, code="contacts_file_empty"):
    """The contacts file holds nothing: 0 bytes, or (a .csv) only blank lines and a byte-order mark. Nothing was
    imported."""


#: a .csv at most this long (bytes) is read whole to tell whether it is blank (``is_blank``)
BLANK_PROBE = 4096


def is_blank(path: Path, filename: str) -> bool:
    """Whether the file at ``path`` (of ``filename``'s type) holds nothing: 0 bytes, or a short .csv of only
    whitespace, separators and a UTF-8 byte-order mark (what an empty sheet saved as CSV leaves)."""
    size = path.stat().st_size
    if size == 0:
        return True
    if Path(filename).suffix.lower() != ".csv" or size > BLANK_PROBE:
        return False
    return not path.read_bytes().replace(b"\xef\xbb\xbf", b"").strip(b" \t\r\n,;\x00")


@dataclass(frozen=True)
class ContactEntry:
    """One checked row of the contacts sheet: its sheet row number, the unit (id and name), the contact's
    role, name, title and phones."""

    row: int
    unit_id: int
    unit_name: str
    role: str
    name: str
    title: str
    office_phone: str | None
    mobile: str


@dataclass(frozen=True)
class ContactsImportReport:
    """What a contacts import did: units touched, contacts written and existing bot bindings kept."""

    units: int
    contacts: int
    bindings_kept: int


def hidden_characters(text: str) -> bool:
    """Whether ``text`` holds a character a name on a record may not carry: a control character (Unicode Cc: a
    Word paper cannot hold most of them), a format character (Cf: U+202E reorders the text around it, U+200B
    hides a break), a line or paragraph separator, a private-use or unpaired surrogate code point. The registered
    name (``User.registered_name``) goes on records, cards and printed papers as imported."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs") for c in text)


NAME_LIMIT = 64
"""The most characters of a registered name (``User.registered_name``, ``InviteCode.registered_name``)."""
NAME_FAULTS = {"empty": "缺少姓名", "too_long": f"姓名过长（最多{NAME_LIMIT}个字）", "hidden": "含有控制字符或不可见字符"}
"""The import report's words for each ``name_fault``."""


def clean_name(text: str) -> str:
    """A name as typed or imported, without the ideographic spaces and the blanks around it."""
    return text.replace("\u3000", " ").strip()


def name_fault(name: str) -> str | None:
    """Why ``name`` (cleaned: ``clean_name``) cannot be a registered name put on records and papers: ``empty``,
    ``too_long`` (over ``NAME_LIMIT`` characters), ``hidden`` (``hidden_characters``); ``None`` when it can. The
    contact form's import and an invite naming its person both check names so."""
    if not name:
        return "empty"
    if len(name) > NAME_LIMIT:
        return "too_long"
    return "hidden" if hidden_characters(name) else None


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a numeric Excel cell
    return clean_name(str(value))


def read_rows(path: Path, filename: str, limits: SheetLimits = DEFAULT_LIMITS) -> list[list[str]]:
    """Cells as trimmed strings, row by row, at most ``limits.max_rows`` rows. ``.xlsx`` via openpyxl
    (first sheet, bounded by ``guard.open_workbook``), ``.csv`` in UTF-8 (with or without BOM) or GB18030
    (what Excel saves in China). Raises ``SpreadsheetRefused`` for a file beyond the limits and
    ``ContactsImportRejected`` when the file cannot be read at all."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ContactsImportRejected([ImportProblem(0, "文件", "只支持 .xlsx 或 .csv 文件")])
    if suffix != ".csv":
        with open_workbook(path, limits) as book:
            return [[_clean(c) for c in row] for row in rows(book.worksheets[0], CONTACT_COLUMNS, limits)]
    if path.stat().st_size > limits.max_bytes:
        raise SpreadsheetRefused("too_large", size_mb=round(path.stat().st_size / 2**20, 1), max_mb=limits.max_mb)
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _csv_rows(text, Path(filename).name, limits)
    raise ContactsImportRejected([ImportProblem(0, "文件", "无法识别CSV文件的编码（请用UTF-8或GBK）")])


def _csv_rows(text: str, name: str, limits: SheetLimits) -> list[list[str]]:
    """The rows of a CSV file the person calls ``name`` ("" when unknown): a refusal names it so (as ``file``,
    ``bot.sheet_refusals.FILE_REFUSALS``), never by the temporary copy the bot reads."""
    out: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text)):
            if len(out) >= limits.max_rows:
                raise SpreadsheetRefused("too_many_rows", file=name, rows=len(out) + 1, max=limits.max_rows)
            if len(row) > limits.max_columns:
                raise SpreadsheetRefused("too_many_columns", file=name, columns=len(row), max=limits.max_columns)
            out.append([_clean(c) for c in row])
    except csv.Error as exc:  # a field beyond csv's own limit (128 KiB), a NUL byte
        raise ContactsImportRejected([ImportProblem(len(out) + 1, "文件", "无法读取CSV文件")]) from exc
    return out


def _unit_key(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _UnitLookup:
    def __init__(self, units: list[tuple[int, str, str]]) -> None:
        self.by_name = {_unit_key(name): (uid, name) for uid, code, name in units}
        self.by_code = {code: (uid, name) for uid, code, name in units}
        self.by_township = {
            normalise_township_name(name): (uid, name) for uid, code, name in units if code.isdigit()
        }

    def find(self, text: str) -> tuple[int, str] | None:
        key = _unit_key(text)
        if key in self.by_name:
            return self.by_name[key]
        if key in self.by_code:
            return self.by_code[key]
        entry = find_township(key)
        if entry is not None and entry.code in self.by_code:
            return self.by_code[entry.code]
        found = self.by_township.get(normalise_township_name(key))
        if found is None:  # a zone committee by its full name, a department by a short or later name
            entry = match_unit(key)
            found = self.by_code.get(entry.code) if entry is not None else None
        return found


def _header_map(row: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        label = _unit_key(cell)
        for field, names in COLUMNS.items():
            if label in names and field not in found:
                found[field] = i
    return found


def _unit_from_block_row(row: list[str]) -> str | None:
    for i, cell in enumerate(row):
        if cell.replace(" ", "").startswith("单位名称"):
            rest = re.sub(r"^单位名称\s*[:：]?", "", cell.replace(" ", "")).strip()
            if rest:
                return rest
            return next((c for c in row[i + 1:] if c), "")
    return None


def parse_contacts(rows: list[list[str]], units: list[tuple[int, str, str]]
                   ) -> tuple[list[ContactEntry], list[ImportProblem]]:
    """Check every row; ``units`` are ``(id, code, name)`` of the registry in the database."""
    lookup = _UnitLookup(units)
    entries: list[ContactEntry] = []
    problems: list[ImportProblem] = []
    header: dict[str, int] | None = None
    block_unit: tuple[int, str] | None = None
    block_unit_error = False
    seen: dict[tuple[int, str, str], int] = {}

    for number, row in enumerate(rows, start=1):
        if not any(row):
            continue
        mapping = _header_map(row)
        if "name" in mapping and "mobile" in mapping:
            header = mapping
            if "role" not in header:
                header["role"] = 0  # the annex: role in the unlabelled first column
            continue
        unit_text = _unit_from_block_row(row)
        if unit_text is not None and "unit" not in (header or {}):
            header = None
            block_unit = lookup.find(unit_text) if unit_text else None
            block_unit_error = block_unit is None
            if block_unit is None:
                reason = "缺少单位名称" if not unit_text else f"“{unit_text}”不在街乡或部门名录中"
                problems.append(ImportProblem(number, "单位名称", reason))
            continue
        if header is None:
            if _unit_key(row[0]) in ROLES:  # data before any header; title rows above it are fine
                problems.append(ImportProblem(number, "表头", "未找到表头（姓名、部门及职务、办公电话、手机号码）"))
                header = {}
            continue
        if not header:
            continue

        def cell(field: str, row: list[str] = row, header: dict[str, int] = header) -> str:
            i = header.get(field)
            return row[i] if i is not None and i < len(row) else ""

        row_problems: list[ImportProblem] = []
        if "unit" in header:
            unit_text = cell("unit")
            unit = lookup.find(unit_text) if unit_text else None
            if unit is None:
                reason = "缺少单位名称" if not unit_text else f"“{unit_text}”不在街乡或部门名录中"
                row_problems.append(ImportProblem(number, "单位名称", reason))
        else:
            unit = block_unit
            if unit is None and not block_unit_error:
                row_problems.append(ImportProblem(number, "单位名称", "此行之前没有“单位名称：”行"))
        role_text = _unit_key(cell("role"))
        role = ROLES.get(role_text)
        if role is None:
            reason = "缺少类别" if not role_text else f"“{role_text}”不是主管领导或联系人员"
            row_problems.append(ImportProblem(number, LABELS["role"], reason))
        name = cell("name")
        fault = name_fault(name)
        if fault is not None:
            row_problems.append(ImportProblem(number, "姓名", NAME_FAULTS[fault]))
        title = cell("title")
        if len(title) > 128:
            row_problems.append(ImportProblem(number, "部门及职务", "过长（最多128个字）"))
        elif hidden_characters(title):
            row_problems.append(ImportProblem(number, "部门及职务", "含有控制字符或不可见字符"))
        mobile = _mobile(cell("mobile"), number, row_problems)
        office = _office_phone(cell("office_phone"), number, row_problems)
        if unit is not None and role is not None and mobile:
            key = (unit[0], role, mobile)
            if key in seen:
                row_problems.append(ImportProblem(number, "手机号码", f"与第{seen[key]}行重复"))
            else:
                seen[key] = number
        problems += row_problems
        if not row_problems and unit is not None and role is not None and mobile:
            entries.append(ContactEntry(number, unit[0], unit[1], role, name, title, office, mobile))
    if not entries and not problems:
        problems.append(ImportProblem(0, "文件", "文件中没有联系人"))
    return entries, problems


def _mobile(text: str, number: int, problems: list[ImportProblem]) -> str | None:
    if not text:
        problems.append(ImportProblem(number, "手机号码", "缺少手机号码"))
        return None
    try:
        return parse_mobile(text)
    except Rejected:
        problems.append(ImportProblem(number, "手机号码", f"“{text}”不是有效的大陆手机号码（11位，1开头）"))
        return None


def _office_phone(text: str, number: int, problems: list[ImportProblem]) -> str | None:
    if not text:
        return None
    try:
        value = parse_phone(text)
    except Rejected:
        value = ""
    if not value.startswith("010-"):
        problems.append(ImportProblem(number, "办公电话", f"“{text}”不是有效的北京固定电话（如010-65001234）"))
        return None
    return value


async def import_contacts(session: AsyncSession, data: bytes, filename: str,
                          limits: SheetLimits = DEFAULT_LIMITS) -> ContactsImportReport:
    """Read ``data`` in this process (bounded by ``limits``), check the whole file, then replace the contacts
    of every unit it names, in the caller's transaction (``store_contacts``). Raises ``SpreadsheetRefused``,
    or ``ContactsImportRejected`` (nothing written) when any row is wrong. The bot reads in the worker."""
    from sqlmodel import select

    from storage.models import Unit

    with tempfile.TemporaryDirectory(prefix="hazardbot-contacts-") as folder:
        path = Path(folder) / ("upload" + Path(filename).suffix.lower())
        path.write_bytes(data)
        table = read_rows(path, filename, limits)
    units = list((await session.exec(select(Unit.id, Unit.code, Unit.name))).all())
    entries, problems = parse_contacts(table, units)  # type: ignore[arg-type]
    if problems:
        raise ContactsImportRejected(problems)
    return await store_contacts(session, entries)


async def store_contacts(session: AsyncSession, entries: list[ContactEntry]) -> ContactsImportReport:
    """Replace the contacts of every unit named in ``entries`` (checked by ``parse_contacts``), keeping the
    Telegram binding of everyone whose mobile is unchanged and their registered name (``User.registered_name``)
    in step with the name the form now gives them. Flushes, never commits."""
    from sqlmodel import delete, select

    from storage.models_reminders import Contact

    unit_ids = sorted({e.unit_id for e in entries})
    bound = {
        (c.unit_id, c.mobile): c.user_id
        for c in (await session.exec(select(Contact).where(Contact.unit_id.in_(unit_ids)))).all()  # type: ignore[attr-defined]
        if c.user_id is not None
    }
    await session.exec(delete(Contact).where(Contact.unit_id.in_(unit_ids)))  # type: ignore[attr-defined]
    kept = 0
    for e in entries:
        user_id = bound.get((e.unit_id, e.mobile))
        kept += user_id is not None
        session.add(Contact(unit_id=e.unit_id, role=e.role, name=e.name, title=e.title,
                            office_phone=e.office_phone, mobile=e.mobile, user_id=user_id))
    await session.flush()
    given: dict[int, list[str]] = {}
    for e in entries:
        if (user_id := bound.get((e.unit_id, e.mobile))) is not None:
            given.setdefault(user_id, []).append(e.name)
    for user_id, names in sorted(given.items()):  # the form may have corrected a name
        await keep_registered_name(session, user_id, names)
    await session.flush()
    return ContactsImportReport(len(unit_ids), len(entries), kept)


async def keep_registered_name(session: AsyncSession, user_id: int, given: Sequence[str] = ()) -> None:
    """Keep user ``user_id``'s registered name (``User.registered_name``) in step with the contact form (附件4)
    entries bound to them (one mobile, one person, however many units list it): kept while an entry still carries
    it; else the first name ``given`` (what an import just wrote for them, in the file's order: the form corrected
    the name); else the first entry's (lowest ``contact.id``, as binding by phone and migration 0190 choose); left
    as it is when no entry names them. Never flushes."""
    from sqlmodel import col, select

    from storage.models import User
    from storage.models_reminders import Contact

    names = list((await session.exec(select(Contact.name).where(Contact.user_id == user_id, Contact.name != "")
                                     .order_by(col(Contact.id)))).all())
    user = await session.get(User, user_id)
    if user is None or not names or user.registered_name in names:
        return
    user.registered_name = next((n for n in given if n), names[0])
    session.add(user)
