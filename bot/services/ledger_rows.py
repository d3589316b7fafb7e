"""Reading 附件1 (inspection) and 附件2 (hazard) ledger rows out of a workbook, without the database.

Every row is checked with the form checks (``bot.forms.checks``: phone, integer, decimal, date) plus the
annex's value lists and the ledger-number rule (附件2 说明 1). All problems are collected as
``RowError(row, column, reason)`` (Excel row numbers, header text, a Chinese reason). What old ledgers write
in their own words (issue 16 item 7: a category-only 隐患类型, 长期, 群众举报, a blank 销账情况 or 违建性质, an old
row's blank phone, 400/800 and other cities' numbers, full-width digits, dotted or 年月日 dates, stray spaces)
is read as the annex's value and listed as ``Normalised(row, column, before, after)``. This module runs in
the parse worker (``bot.services.sheet_parser``), so it imports neither SQLAlchemy nor aiogram; saving the rows
is ``bot.services.ledger_import``.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import default_zone
from bot.domain import HazardState
from bot.forms.checks import (
    Rejected,
    latest_deadline,
    parse_any_phone,
    parse_date_answer,
    parse_decimal,
    parse_integer,
)
from bot.forms.spec import FieldSpec, load_form
from storage.excel.guard import DEFAULT_LIMITS, SheetLimits, rows
from storage.excel.layouts import (
    ENTITY_NATURES,
    FIRST_DATA_ROW,
    HAZARDS,
    HEADER_ROWS,
    ILLEGAL_NATURES,
    INSPECTION_TYPES,
    INSPECTIONS,
    LEVELS,
    PENALTY_TYPES,
    REINSPECTION_RESULTS,
    SOURCES,
    TYPE_SEPARATOR,
    YES_NO,
    Layout,
    parse_hazard_type,
)
from storage.registry import UnitEntry, department_name, find_township
from storage.taxonomy import hazard_types

NOT_FUTURE = FieldSpec("date", "date", "日期", "Date", not_future=True)
KEPT_ERRORS = 200
KEPT_NOTES = 200
PROGRESS_EVERY = 1000  # rows between two progress reports of a check
EMPTY = "（空）"
# what real ledgers write for the annex's values (issue 16, item 7): alias → the annex's word
SOURCE_ALIASES = {"群众举报": "举报", "市民举报": "举报", "投诉举报": "举报", "举报投诉": "举报", "12345": "举报",
                  "12345热线": "举报", "日常检查": "检查", "监督检查": "检查", "检查发现": "检查", "隐患排查": "检查",
                  "排查": "检查"}
LEVEL_ALIASES = {"一般": "一般隐患", "重大": "重大隐患"}
NATURE_ALIASES = {"个体": "个人", "个体户": "个人", "个体工商户": "个人", "私营企业": "民营企业", "民企": "民营企业",
                  "私企": "民营企业"}
RESULT_ALIASES = {"合格": "复查合格", "不合格": "复查不合格", "未复": "未复查"}
CLOSED_ALIASES = {"已销账": "是", "未销账": "否", "已销": "是", "未销": "否"}
OPEN_ENDED = frozenset({"长期", "长期整改", "长期治理", "长期坚持", "无期限"})  # 整改时限 without an end
OPEN_ENDED_NOTE = "无期限（不计超期）"
LEDGER_NUMBER = re.compile(r"^(\d{6})(\d{3})(\d{8})(\d{4})$")
REASONS = {
    "required": "必填",
    "too_short": "内容过短",
    "too_long": "内容过长（最多 {max} 字）",
    "not_integer": "应为整数",
    "too_small": "不能小于 {min}",
    "too_large": "不能大于 {max}",
    "not_decimal": "应为数字",
    "too_many_decimals": "最多 {scale} 位小数",
    "exceeds_field": "不能大于违建面积 {limit}",
    "bad_date": "日期无法识别",
    "date_in_future": "不能晚于今天 {today}",
    "bad_phone": "应为手机号、固定电话（外地须带区号）或400/800电话",
    "not_in_list": "应为以下之一：{choices}",
    "unknown_township": "未知街乡",
    "bad_ledger_number": "应为区代号6位+街乡代号3位+上账日期8位+序号4位",
    "ledger_date_mismatch": "台账编号中的日期与上账时间不一致",
    "ledger_township_mismatch": "台账编号中的街乡代号与所属街乡不一致",
    "ledger_district_mismatch": "台账编号的区代号应为 {district}",
    "duplicate_in_file": "与第 {row} 行重复",
    "must_be_empty": "违建性质为“无”时应为空",
    "closed_needs_pass": "销账须复查合格",
    "result_needs_date": "已复查的须填复查时间",
    "fine_required": "处罚类型为罚款时须填罚款金额",
    "fine_without_penalty": "仅处罚类型为罚款时填写",
    "unknown_ledger_number": "台账编号 {number} 不在隐患台账中",
    "unknown_unit": "未知检查单位（可用 --unit 指定）",
    "bad_header": "表头应为“{expected}”",
    "before_registered": "{day} 早于上账时间 {registered}",
    "registered_too_early": "{day} 过早：不能早于 {earliest}（更早的日期是笔误，如 Excel 的空日期 1900-01-01）",
    "deadline_before_campaign": "{day} 过早：不能早于 {earliest}（专项行动首年或本行上账当年的1月1日，取较早者）",
    "deadline_too_far": "{day} 过晚：最晚为 {latest}（导入当天起三年内；需要更长时间的请另订整改方案）",
}



@dataclass(frozen=True)
class RowError:
    """A bad cell: ``row`` is the Excel row number (1-based; 0 for the file as a whole, e.g. its type),
    ``column`` the annex header."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row <= 0:  # no row of the file: "第0行" reads as a row nobody can find
            return f"{self.column}：{self.reason}"
        return f"第{self.row}行 {self.column}：{self.reason}"


@dataclass(frozen=True)
class Normalised:
    """A cell read as the annex's value: ``row`` (Excel, 1-based), ``column`` (header), what the file said
    (``before``) and what is stored (``after``); ``（空）`` stands for an empty cell."""

    row: int
    column: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：「{self.before}」→「{self.after}」"


@dataclass
class ImportReport:
    """``errors`` non-empty means nothing was imported, unless the good rows were chosen (``skipped`` then
    counts the bad rows left out). Only the first ``KEPT_ERRORS`` errors and ``KEPT_NOTES`` normalisations
    are kept (a 50 000-row file of wrong rows has a million; they would cross from the worker and sit in the
    bot process); ``omitted`` and ``notes_omitted`` count the rest. ``bad_rows``: data rows with an error."""

    rows: int = 0
    added: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    omitted: int = 0
    notes: list[Normalised] = field(default_factory=list)
    notes_omitted: int = 0
    bad_rows: int = 0
    skipped: int = 0

    @property
    def good_rows(self) -> int:
        """Data rows without an error (those a good-rows import saves)."""
        return self.rows - self.bad_rows

    @property
    def header_bad(self) -> bool:
        """The header rows are not the annex's: no row can be read."""
        return any(e.row <= FIRST_DATA_ROW for e in self.errors)

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.errors

    @property
    def error_count(self) -> int:
        """The rows refused: those listed plus those left out of the list (``omitted``)."""
        return len(self.errors) + self.omitted

    def trim(self) -> None:
        """Keep the first ``KEPT_ERRORS`` errors (``KEPT_NOTES`` notes) and count the others."""
        self.omitted += max(0, len(self.errors) - KEPT_ERRORS)
        del self.errors[KEPT_ERRORS:]
        self.notes_omitted += max(0, len(self.notes) - KEPT_NOTES)
        del self.notes[KEPT_NOTES:]

    def note(self, item: Normalised) -> None:
        """Keep ``item`` while fewer than ``KEPT_NOTES`` are kept, else count it."""
        if len(self.notes) < KEPT_NOTES:
            self.notes.append(item)
        else:
            self.notes_omitted += 1


class _Row:
    """One sheet row being validated: collects values, errors and normalisations by column key."""

    def __init__(self, layout: Layout, number: int, cells: tuple[Any, ...], report: ImportReport) -> None:
        self.number = number
        self.cells = {c.key: cells[i] if i < len(cells) else None for i, c in enumerate(layout.columns)}
        self.headers = _headers(layout)
        self.report = report
        self.errors = report.errors
        self.notes: list[Normalised] = []  # kept only when the row turns out good
        self.values: dict[str, Any] = {}
        self.bad = False

    def error(self, key: str, code: str, **params: Any) -> None:
        if not self.bad:
            self.report.bad_rows += 1
        self.bad = True
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(RowError(self.number, self.headers[key], REASONS.get(code, code).format(**params)))
        else:
            self.report.omitted += 1

    def note(self, key: str, before: str, after: str) -> None:
        self.notes.append(Normalised(self.number, self.headers[key], before or EMPTY, after or EMPTY))

    def text(self, key: str, *, required: bool = True, max_length: int = 4000, min_length: int = 1) -> str | None:
        raw = self.cells[key]
        value = _text(raw)
        if not value:
            if required:
                self.error(key, "required")
            return None
        if isinstance(raw, str) and len(raw) != len(value):  # leading or trailing (full-width) spaces
            self.note(key, raw, value)
        if len(value) < min_length:
            self.error(key, "too_short")
        elif len(value) > max_length:
            self.error(key, "too_long", max=max_length)
        return value

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = True,
               aliases: dict[str, str] | None = None) -> str | None:
        value = self.text(key, required=required)
        if value is not None and value not in choices:
            alias = (aliases or {}).get(re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)))
            if alias is None:
                self.error(key, "not_in_list", choices="、".join(choices))
                return None
            self.note(key, value, alias)
            value = alias
        return value

    def check(self, key: str, fn: Callable[[str], Any], required: bool = True, *, date_cell: bool = False) -> Any:
        """``fn(text)`` with the cell as text (dates as ISO, whole floats without ``.0``); None if bad/empty.
        A typed text stored otherwise (``2026.11.3`` → ``2026-11-03``) is noted. ``date_cell``: a number in
        Excel's serial range of 2000–2099 (a date cell whose format was lost: 43160) is that day, noted too."""
        raw = self.cells[key]
        typed = isinstance(raw, str)
        if date_cell and isinstance(raw, int | float) and not isinstance(raw, bool) and _SERIALS[0] <= raw <= _SERIALS[1]:
            day = (_EXCEL_EPOCH + timedelta(days=int(raw))).isoformat()
            self.note(key, str(int(raw)) if float(raw).is_integer() else repr(raw), day)
            raw = day
        elif isinstance(raw, datetime):
            raw = raw.date().isoformat()
        elif isinstance(raw, date):
            raw = raw.isoformat()
        elif isinstance(raw, float) and raw.is_integer():
            raw = str(int(raw))
        elif isinstance(raw, float):
            raw = repr(raw)
        text = _text(raw)
        if not text:
            if required:
                self.error(key, "required")
            return None
        try:
            value = fn(text)
        except Rejected as exc:
            self.error(key, exc.code, **exc.params)
            return None
        if typed and str(value) != raw:
            self.note(key, str(raw), str(value))
        return value


#: Excel serial numbers of 2000-01-01 and 2099-12-31: a date column's number within them is read as its day
_SERIALS = (36526, 73050)
#: day 0 of Excel's 1900 date system for serials after 1900-02-28 (its phantom 1900-02-29 counted), as openpyxl's
#: ``from_excel`` reads them; not imported from it: the whole openpyxl package would load Pillow into the parse worker
_EXCEL_EPOCH = date(1899, 12, 30)

_HEADERS: dict[str, dict[str, str]] = {}


def _headers(layout: Layout) -> dict[str, str]:
    """Column key → header, made once per layout (hashing the frozen layout for every row costs more)."""
    found = _HEADERS.get(layout.name)
    if found is None:
        found = _HEADERS[layout.name] = {c.key: c.header for c in layout.columns}
    return found


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    return str(raw).strip()


@cache
def _spec(form: str, key: str, **changes: Any) -> FieldSpec:
    return dataclasses.replace(load_form(form).field(key), **changes)


def _norm(v: Any) -> str:
    return re.sub(r"\s+", "", _text(v))


@cache
def _township(text: str) -> UnitEntry | None:
    return find_township(text)


@cache
def _category_only(text: str) -> tuple[str, str] | None:
    """A 隐患类型 giving its category alone (``重点消防``): the category's ``其他`` subtype."""
    for c in hazard_types():
        if c.name == text and c.subtypes and any(s.value == "其他" for s in c.subtypes):
            return c.name, "其他"
    return None


def _place(r: _Row, v: dict[str, Any]) -> UnitEntry | None:
    """Site, district and address into ``v`` (both annexes have them); the township, None when missing or unknown."""
    v["district"] = r.text("district", max_length=32)
    township_text = r.text("township")
    township = _township(township_text) if township_text else None
    if township_text and township is None:
        r.error("township", "unknown_township")
    v["site_name"] = r.text("site_name", max_length=256)
    v["address"] = r.text("address", max_length=512)
    return township


def _registered(r: _Row, today: date) -> str | None:
    return r.check("registered_on", lambda t: parse_date_answer(NOT_FUTURE, t, today), date_cell=True)


def _hazard_type(r: _Row) -> tuple[str, str] | None:
    type_text = r.text("hazard_type")
    if not type_text:
        return None
    kind = parse_hazard_type(type_text)
    if kind is None:
        kind = _category_only(re.sub(r"\s+", "", type_text))
        if kind is not None:
            r.note("hazard_type", type_text, f"{kind[0]}{TYPE_SEPARATOR}{kind[1]}")
    if kind is None:
        r.error("hazard_type", "not_in_list", choices="附件2 说明12 的类型，如 重点消防：老旧小区")
    return kind


def _deadline(r: _Row, today: date) -> tuple[bool, str | None]:
    """(given, ISO date or None): ``长期`` and its kin are an open-ended deadline (None, never overdue)."""
    raw = _text(r.cells["deadline"])
    if re.sub(r"\s+", "", raw) in OPEN_ENDED:
        r.note("deadline", raw, OPEN_ENDED_NOTE)
        return True, None
    value = r.check("deadline", lambda t: parse_date_answer(_spec("hazard", "deadline", after_today=False), t, today), date_cell=True)
    return value is not None, value


#: the earliest 上账时间 a ledger row may have: the first of the years /find searches
#: (``hazard_filter.PLAUSIBLE_YEARS``); a day before is a slip (an Excel date cell left at serial 1, 1900-01-01)
#: that would also open the row to a deadline of that year, overdue for ever and beyond /find's dates
EARLIEST_REGISTERED = date(2000, 1, 1)


def _date_order(r: _Row, registered: str | None, deadline: str | None, reinspected: str | None, today: date,
                campaign_start: date | None) -> None:
    """Refuse an impossible 整改时限 or 复查时间 (ISO dates, None when empty or already refused): a deadline before
    1 January of the campaign's first year (``campaign_start``'s year) or of the row's own 上账 year, whichever is
    earlier (an old ledger's row registered in 2017 keeps its 2017 deadline; 1999 is a slip) or after
    ``latest_deadline(today)`` (three years from the import day, as the hazard form takes: 9999-12-31 would never
    be overdue); a re-inspection before 上账时间; a 上账时间 before ``EARLIEST_REGISTERED`` (its row's deadline then
    bounded by the campaign alone). A past deadline within those bounds is an old ledger's and is kept, even one
    before 上账时间: 上账 is the office's 挂账, which may come after the deadline set when the
    hazard was found (``LifecycleService.register`` allows it), so the bot's own export holds such rows."""
    if registered is not None and date.fromisoformat(registered) < EARLIEST_REGISTERED:
        r.error("registered_on", "registered_too_early", day=registered, earliest=EARLIEST_REGISTERED.isoformat())
        registered = None  # a slip: it widens no deadline's bound
    if deadline is not None:
        day = date.fromisoformat(deadline)
        latest = latest_deadline(today)
        years = [d.year for d in (campaign_start, date.fromisoformat(registered) if registered else None) if d]
        earliest = date(min(years), 1, 1) if years else None
        if earliest is not None and day < earliest:
            r.error("deadline", "deadline_before_campaign", day=deadline, earliest=earliest.isoformat())
        elif day > latest:
            r.error("deadline", "deadline_too_far", day=deadline, latest=latest.isoformat())
    if reinspected is not None and registered is not None and reinspected < registered:
        r.error("reinspected_on", "before_registered", day=reinspected, registered=registered)


def _department(r: _Row, key: str) -> str | None:
    """An industry department (所属区/市行业部门) as the registry names it (``department_name``: an old ledger's
    区安监局 is 区应急局 now), noted when changed; any other text as written."""
    value = r.text(key, required=False, max_length=64)
    named = department_name(value) if value else None
    if value is None or named is None or named == value:
        return value
    r.note(key, value, named)
    return named


def _hazard_values(r: _Row, today: date, district_code: str, tz: ZoneInfo,
                   old_before: date | None = None) -> dict[str, Any] | None:
    """The hazard columns of a good 附件2 row, or None (its errors recorded). ``old_before`` (the campaign's start):
    a row closed, or registered before this day, may leave 联系电话 empty (old ledgers lack it); no 整改时限 is
    before 1 January of its year (``_date_order``)."""
    v: dict[str, Any] = {}
    number = r.text("ledger_number")
    registered = _registered(r, today)
    township = _place(r, v)
    v["person_in_charge"] = r.text("person_in_charge", max_length=64)
    v["entity_nature"] = r.choice("entity_nature", ENTITY_NATURES, aliases=NATURE_ALIASES)
    v["occupant_count"] = r.check("occupant_count", lambda t: parse_integer(_spec("hazard", "occupant_count"), t))
    v["parent_group"] = r.text("parent_group", required=False, max_length=256)
    v["district_department"] = _department(r, "district_department")
    v["city_department"] = _department(r, "city_department")
    v["source"] = r.choice("source", SOURCES, aliases=SOURCE_ALIASES)
    v["description"] = r.text("description", max_length=4000, min_length=4)
    kind = _hazard_type(r)
    v["level"] = r.choice("level", LEVELS, aliases=LEVEL_ALIASES)
    if not _text(r.cells["illegal_building_nature"]):
        r.note("illegal_building_nature", "", "无")
        r.cells["illegal_building_nature"] = "无"
    nature = r.choice("illegal_building_nature", ILLEGAL_NATURES)
    v["illegal_building_nature"] = nature
    if nature == "无":
        for key in ("illegal_area", "demolished_area"):
            if _text(r.cells[key]) not in ("", "0", "0.0"):
                r.error(key, "must_be_empty")
        v["illegal_area"] = v["demolished_area"] = None
    elif nature is not None:
        area = r.check("illegal_area", lambda t: parse_decimal(_spec("hazard", "illegal_area"), t, {}))
        demolished = r.check("demolished_area", lambda t: parse_decimal(
            _spec("hazard", "demolished_area"), t, {"illegal_area": area} if area is not None else {}))
        v["illegal_area"] = Decimal(area) if area is not None else None
        v["demolished_area"] = Decimal(demolished) if demolished is not None else None
    v["measures"] = r.text("measures", max_length=4000)
    given, deadline = _deadline(r, today)
    reinspected = r.check("reinspected_on", lambda t: parse_date_answer(NOT_FUTURE, t, today), required=False, date_cell=True)
    _date_order(r, registered, deadline, reinspected, today, old_before)
    result = r.choice("reinspection_result", REINSPECTION_RESULTS, required=False, aliases=RESULT_ALIASES) or "未复查"
    if not _text(r.cells["closed"]):
        r.note("closed", "", "否")
        closed: str | None = "否"
    else:
        closed = r.choice("closed", YES_NO, aliases=CLOSED_ALIASES)
    old = closed == "是" or (old_before is not None and registered is not None and registered < old_before.isoformat())
    if old and not _text(r.cells["phone"]):
        r.note("phone", "", "（空，旧隐患）")
        v["phone"] = ""
    else:
        v["phone"] = r.check("phone", parse_any_phone)
    v["remarks"] = r.text("remarks", required=False, max_length=2000)
    if result != "未复查" and reinspected is None and not r.bad:
        r.error("reinspected_on", "result_needs_date")
    if closed == "是" and result != "复查合格":
        r.error("closed", "closed_needs_pass")
    if number is not None:
        m = LEDGER_NUMBER.match(number)
        if m is None:
            r.error("ledger_number", "bad_ledger_number")
        else:
            if m[1] != district_code:
                r.error("ledger_number", "ledger_district_mismatch", district=district_code)
            if registered is not None and m[3] != registered.replace("-", ""):
                r.error("ledger_number", "ledger_date_mismatch")
            if township is not None and m[2] != township.code[-3:]:
                r.error("ledger_number", "ledger_township_mismatch")
    if r.bad or not given:
        return None
    assert township is not None and kind is not None and registered is not None
    state = HazardState.CLOSED if closed == "是" else (
        HazardState.CLOSURE_REQUESTED if result == "复查合格" else HazardState.REGISTERED)
    if township.name != _text(r.cells["township"]):
        r.note("township", _text(r.cells["township"]), township.name)
    v.update(
        ledger_number=number,
        draft_number=f"I{number}",
        registered_at=datetime.combine(date.fromisoformat(registered), time(), tz),
        township_code=township.code,
        township=township.name,
        category=kind[0],
        subtype=kind[1],
        deadline=date.fromisoformat(deadline) if deadline else None,
        reinspected_on=date.fromisoformat(reinspected) if reinspected else None,
        reinspection_result=result,
        state=state.value,
    )
    return v


def _inspection_values(r: _Row, today: date) -> dict[str, Any] | None:
    v: dict[str, Any] = {}
    on = r.check("inspected_on", lambda t: parse_date_answer(NOT_FUTURE, t, today), date_cell=True)
    v["inspecting_unit"] = r.text("inspecting_unit", max_length=128)
    v["inspection_type"] = r.choice("inspection_type", INSPECTION_TYPES)
    v["inspector_count"] = r.check("inspector_count", lambda t: parse_integer(_spec("inspection", "inspector_count"), t))
    numbers_text = r.text("hazard_numbers", required=False) or "无"
    numbers = [] if numbers_text == "无" else [x for x in re.split(r"[、,，;；\s]+", numbers_text) if x]
    for x in numbers:
        if not LEDGER_NUMBER.match(x):
            r.error("hazard_numbers", "bad_ledger_number")
    township = _place(r, v)
    penalty = _text(r.cells["penalty_type"])
    v["penalty_type"] = None if penalty in ("", "无") else r.choice("penalty_type", PENALTY_TYPES)
    fine = r.check("fine_amount", lambda t: parse_decimal(_spec("inspection", "fine_amount"), t, {}), required=False)
    if v["penalty_type"] == "罚款" and fine is None and _text(r.cells["fine_amount"]) == "":
        r.error("fine_amount", "fine_required")
    if v["penalty_type"] != "罚款" and fine is not None:
        r.error("fine_amount", "fine_without_penalty")
    v["remarks"] = r.text("remarks", required=False, max_length=2000)
    if r.bad:
        return None
    assert township is not None and on is not None
    v.update(inspected_on=date.fromisoformat(on), township=township.name,
             fine_amount=Decimal(fine) if fine is not None else None, _numbers=numbers)
    return v


@dataclass
class ParsedLedger:
    """The rows of a 附件1 or 附件2 file: ``values`` of every good row (Excel row number, column values ready
    for the table; hazards also carry their state), ``report`` with the row count, errors and normalisations.
    A staged upload (``bot.services.sheet_jobs.stage_ledger_upload``) leaves ``values`` empty and names the
    file holding them in ``staged`` instead."""

    kind: str  # "hazards" or "inspections"
    values: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)
    staged: str | None = None


def ledger_kind(book: Any, limits: SheetLimits = DEFAULT_LIMITS) -> str | None:
    """``hazards``, ``inspections`` or ``plans`` from the header rows of the first sheet of ``book``
    (openpyxl, opened by ``guard.open_workbook``); None when it is none of them."""
    head = list(rows(book.worksheets[0], 1, limits, last=FIRST_DATA_ROW))
    first = _text(head[HEADER_ROWS[0]][0]) if len(head) > HEADER_ROWS[0] else ""
    if first == "单位名称":
        return "plans"
    for kind, layout in (("hazards", HAZARDS), ("inspections", INSPECTIONS)):
        if first == layout.columns[0].header:
            return kind
    return None


def check_rows(book: Any, kind: str, report: ImportReport, today: date, district_code: str = "110105",
               limits: SheetLimits = DEFAULT_LIMITS, tz: ZoneInfo | None = None,
               old_before: date | None = None, tick: Callable[[int], None] | None = None,
               ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Stream the good rows (Excel row number, values) of the 附件2 (``kind`` ``hazards``) or 附件1
    (``inspections``) sheet of ``book``, recording every row, error and normalisation in ``report`` (kept
    bounded: memory stays flat whatever the row count). ``today`` (in ``tz``, the configured zone; default
    ``bot.clock.DEFAULT_ZONE``) bounds dates, 上账时间 is midnight in ``tz``; ``district_code`` is the ledger
    numbers' first six digits; ``old_before`` see ``_hazard_values``; ``tick(rows)`` is called every
    ``PROGRESS_EVERY`` rows."""
    tz = tz or default_zone()
    layout = HAZARDS if kind == "hazards" else INSPECTIONS
    seen: dict[str, int] = {}
    for n, cells in _data_rows(book, layout, report.errors, limits):
        report.rows += 1
        if tick is not None and report.rows % PROGRESS_EVERY == 0:
            tick(report.rows)
        r = _Row(layout, n, cells, report)
        values = (_hazard_values(r, today, district_code, tz, old_before) if kind == "hazards"
                  else _inspection_values(r, today))
        if values is None:
            continue
        if kind == "hazards":
            first = seen.setdefault(values["ledger_number"], n)
            if first != n:
                r.error("ledger_number", "duplicate_in_file", row=first)
                continue
        for item in r.notes:
            report.note(item)
        yield n, values
    report.trim()


def parse_ledger(book: Any, kind: str, today: date, district_code: str = "110105",
                 limits: SheetLimits = DEFAULT_LIMITS, tz: ZoneInfo | None = None,
                 old_before: date | None = None) -> ParsedLedger:
    """``check_rows`` with the good rows kept in memory (附件1 files and tests; big 附件2 files are staged)."""
    out = ParsedLedger(kind)
    out.values.extend(check_rows(book, kind, out.report, today, district_code, limits, tz, old_before))
    return out


def _data_rows(book: Any, layout: Layout, errors: list[RowError],
               limits: SheetLimits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Data rows (Excel row number, cells) after checking the two header rows against the annex."""
    ws = book[layout.sheet] if layout.sheet in book.sheetnames else book.worksheets[0]
    it = rows(ws, len(layout.columns), limits)
    head = [next(it, ()) for _ in range(FIRST_DATA_ROW)]
    top, sub = (head[HEADER_ROWS[0]], head[HEADER_ROWS[1]])
    for i, c in enumerate(layout.columns):
        expected_top = c.group or c.header
        got_top = _norm(top[i] if i < len(top) else None)
        got_sub = _norm(sub[i] if i < len(sub) else None)
        group_start = c.group is None or i == 0 or layout.columns[i - 1].group != c.group
        if group_start and got_top != expected_top:
            errors.append(RowError(HEADER_ROWS[0] + 1, expected_top, REASONS["bad_header"].format(expected=expected_top)))
        if c.group is not None and got_sub != c.header:
            errors.append(RowError(HEADER_ROWS[1] + 1, c.header, REASONS["bad_header"].format(expected=c.header)))
    if errors:
        return
    for n, cells in enumerate(it, start=FIRST_DATA_ROW + 1):
        if cells and any(_text(v) for v in cells):
            yield n, cells
