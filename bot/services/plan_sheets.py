"""Reading annual plans (附件3 计划表) from ``.xlsx``: every sheet laid out like ``export_plans`` writes it
(the annex template with the year in the title). Parsing only (it runs in the parse worker, see
``bot.services.sheet_jobs``); saving goes through the plan checks of ``bot.services.plans``. Problems come back as
``RowError`` with the sheet name in the column. Only the five columns of the annex are read, up to the
bounded last row (``storage.excel.guard``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.forms.checks import Rejected, parse_decimal
from bot.forms.spec import load_form
from bot.services.ledger_rows import RowError
from storage.excel.guard import DEFAULT_LIMITS, SheetLimits, open_workbook, rows

_RATIO = load_form("plan").field("verification_ratio")

TARGET_HEADER = "年度监督检查目标（家次）"
RATIO_HEADER = "挂账隐患核查比例（%）"
ARRANGEMENT_HEADERS = ("检查时间安排", "参加检查部门及人员", "检查地区或单位名称", "检查重点内容")
PLAN_COLUMNS = 5  # A (labels) and the four arrangement columns
PLAN_MAX_ROWS = 1000  # per sheet: title, headers, arrangement rows, remarks


@dataclass
class ParsedPlan:
    """A work plan (检查计划) read from one sheet: the unit by name, the year, the target in 家次, the verification
    ratio in percent, the arrangement rows (schedule, areas, content, remarks) and remarks."""

    sheet: str
    unit_name: str
    year: int
    inspection_target: int
    verification_ratio: Decimal
    arrangements: list[tuple[str, str, str, str]] = field(default_factory=list)
    remarks: str | None = None


def _t(v: Any) -> str:
    return "" if v is None else re.sub(r"\s+", "", str(v)) if not isinstance(v, str) else v.strip()


def read_plans(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> tuple[list[ParsedPlan], list[RowError]]:
    """``path`` bounded and read in this process: ``read_plan_sheets`` of ``guard.open_workbook``.
    Raises ``SpreadsheetRefused``."""
    with open_workbook(path, limits) as book:
        return read_plan_sheets(book, limits)


def read_plan_sheets(book: Any, limits: SheetLimits = DEFAULT_LIMITS) -> tuple[list[ParsedPlan], list[RowError]]:
    """Every sheet's plan in ``book`` (openpyxl, read-only), or the errors found (row = Excel row,
    column = ``sheet!cell``)."""
    plans: list[ParsedPlan] = []
    errors: list[RowError] = []
    for ws in book.worksheets:
        sheet_rows: list[tuple[Any, ...]] = []
        for number, row in enumerate(rows(ws, PLAN_COLUMNS, limits), start=1):
            if number <= PLAN_MAX_ROWS:
                sheet_rows.append(row)
            elif any(_t(v) for v in row):  # a plan is a page or two: thousands of rows are no plan
                errors.append(RowError(number, f"{ws.title}!A{number}", f"计划表最多 {PLAN_MAX_ROWS} 行，请删除多余的行"))
                break
        else:
            plan = _sheet(ws.title, sheet_rows, errors)
            if plan is not None:
                plans.append(plan)
    return plans, errors


def _sheet(name: str, rows: list[tuple[Any, ...]], errors: list[RowError]) -> ParsedPlan | None:
    before = len(errors)

    def bad(row: int, col: str, reason: str) -> None:
        errors.append(RowError(row, f"{name}!{col}{row}", reason))

    if len(rows) < 6:
        bad(1, "A", "不是附件3计划表")
        return None
    m = re.search(r"(\d{4})年度", _t(rows[0][0]))
    if m is None:
        bad(1, "A", "标题中应有年度，如“2019年度监督检查计划表”")
    if _t(rows[1][0]) != "单位名称" or not _t(rows[1][1]):
        bad(2, "B", "应填单位名称")
    if _t(rows[2][1]) != TARGET_HEADER or _t(rows[2][3]) != RATIO_HEADER:
        bad(3, "B", f"表头应为“{TARGET_HEADER}”和“{RATIO_HEADER}”")
    target = _t(rows[3][1])
    if not re.fullmatch(r"\d+(\.0+)?", target) or int(float(target)) < 1:
        bad(4, "B", "应为正整数（家次）")
    try:  # the chat form's own rule: 0–100, two decimals, "%" allowed
        ratio = Decimal(parse_decimal(_RATIO, _t(rows[3][3]), {}))
    except Rejected:
        ratio = Decimal(-1)
        bad(4, "D", "应为 0–100 的百分比（最多两位小数）")
    if tuple(_t(v) for v in rows[4][1:5]) != ARRANGEMENT_HEADERS:
        bad(5, "B", "表头应为" + "、".join(ARRANGEMENT_HEADERS))
    arrangements: list[tuple[str, str, str, str]] = []
    remarks = None
    for i, row in enumerate(rows[5:], start=6):
        if _t(row[0]) == "备注":
            remarks = _t(row[1]) or None
            break
        cells = tuple(_t(v) for v in row[1:5])
        if any(cells):
            if not (cells[0] and cells[2]):
                bad(i, "B", "检查时间安排和检查地区或单位名称必填")
            arrangements.append(cells)  # type: ignore[arg-type]
    if not arrangements:
        bad(6, "B", "至少填写一行工作安排")
    if len(errors) > before:
        return None
    assert m is not None
    return ParsedPlan(name, _t(rows[1][1]), int(m[1]), int(float(target)), ratio, arrangements, remarks)
