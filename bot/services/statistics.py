"""Statistics by what the office is asked about (issue 16 item 6): beside the township view, tables by
industry department, entity nature, source, level; illegal building found and demolished; penalties and
fines; funds committed. Each table is one GROUP BY in the database; the same tables go to ``/status`` as
text and to an .xlsx (``storage.excel.statistics_export``).

Definitions (``as_of`` = today in Asia/Shanghai, ``Y`` its year, windows as in ``bot.services.summary``):

- **ledger hazards** (台账): hazards with a ledger number — registered, rectified, closure requested or closed
  (``hazard_query.LEDGER_STATES``); drafts in review and rejected ones are not counted.
- **by township / department / nature / source / level**: per 所属街乡 (``hazard.township``), 所属区行业部门
  (``district_department``, the industry department of 方案 三), 单位性质 (``entity_nature``), 隐患来源
  (``source``: 检查 / 举报 / 其他), 隐患等级 (``level``): ledger hazards; open (在账, ``open_clause``); overdue
  (``overdue_clause``); open major (重大隐患); registered in Y up to as_of (``registered_at``); closed in Y up to
  as_of (``summary.closed_in_year``: the covering ``closed_at``, equal to the event log's latest closure).
- **illegal building** (违法建设, 附件2 违建性质 / 违建面积 / 拆除面积, m²): per township, ledger hazards whose
  违建性质 is not 无; the sum of 违建面积 and of 拆除面积 over them; "found in Y" = 违建面积 of those registered in Y;
  "demolished in Y" = 拆除面积 of those closed (销账) in Y — the demolition counts in the year it was accepted
  by the closure.
- **penalties and fines** (附件1 处罚类型 / 罚款金额, 万元): per township of the inspection (``inspection.township``),
  the inspections dated 1 January … as_of of Y that are not voided: how many (家次), how many with a penalty
  (处罚类型 other than empty and 无), by penalty type, and the fines (万元).
- **funds committed** (五落实 资金落实, 附件2 填表说明 15, 万元): per township, ledger hazards whose rectification
  plan names funds; the funds of all of them and of those still open.

Rows are sorted by their first number, largest first, then by name; an empty key is shown as ``—``.
Scope: ``unit_id`` None = the district, else the hazards (and inspections) recorded by that unit — the same
scope as ``summary.compute_status``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.hazard_query import LEDGER_STATES, open_clause, overdue_clause, unit_clause
from bot.services.summary import MAJOR, Window, closed_in_year
from storage.excel.statistics_export import SheetTable
from storage.models import Hazard, Inspection
from storage.models_lifecycle import RectificationPlan

Number = int | Decimal
NO_KEY = "—"
NO_ILLEGAL = "无"
PENALTY_TYPES = ("责令整改", "罚款", "停产停业", "关闭取缔", "其他")
_COUNT_COLUMNS = ("ledger", "open", "overdue", "major", "registered_y", "closed_y")

#: view → (group key, columns); the order is the order of the buttons and of the workbook's sheets
VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "township": ("township", _COUNT_COLUMNS),
    "department": ("department", _COUNT_COLUMNS),
    "nature": ("nature", _COUNT_COLUMNS),
    "source": ("source", _COUNT_COLUMNS),
    "level": ("level", _COUNT_COLUMNS),
    "illegal": ("township", ("illegal", "illegal_area", "demolished_area", "illegal_area_y", "demolished_area_y")),
    "penalties": ("inspection_township", ("inspections", "penalized", *PENALTY_TYPES, "fines")),
    "funds": ("township", ("funded", "funds", "funds_open")),
}

#: the scope name of the whole district (``ReportService``'s tables of no unit), said in the reader's language
#: where a table is titled
DISTRICT = "全区"

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "township": "街乡", "department": "行业部门", "nature": "单位性质", "source": "隐患来源", "level": "隐患等级",
        "inspection_township": "检查所在街乡",
        "v_township": "按街乡", "v_department": "按行业", "v_nature": "按单位性质", "v_source": "按来源",
        "v_level": "按等级", "v_illegal": "违建", "v_penalties": "处罚罚款", "v_funds": "资金落实",
        "ledger": "台账隐患", "open": "在账", "overdue": "超期", "major": "重大在账", "registered_y": "本年挂账",
        "closed_y": "本年销账", "illegal": "违建隐患", "illegal_area": "违建面积（m²）",
        "demolished_area": "已拆除（m²）", "illegal_area_y": "本年发现违建（m²）", "demolished_area_y": "本年拆除（m²）",
        "inspections": "检查家次", "penalized": "处罚", "责令整改": "责令整改", "罚款": "罚款", "停产停业": "停产停业",
        "关闭取缔": "关闭取缔", "其他": "其他处罚", "fines": "罚款金额（万元）", "funded": "落实资金隐患",
        "funds": "落实资金（万元）", "funds_open": "其中在账（万元）", "total": "合计",
        "title": "{scope}统计：{view}（{year} 年，截至 {date}）", "district": DISTRICT,
    },
    "en": {
        "township": "township", "department": "industry department", "nature": "entity nature", "source": "source",
        "level": "level", "inspection_township": "township inspected",
        "v_township": "by township", "v_department": "by industry", "v_nature": "by entity nature",
        "v_source": "by source", "v_level": "by level", "v_illegal": "illegal building", "v_penalties": "penalties",
        "v_funds": "funds",
        "ledger": "on ledger", "open": "open", "overdue": "overdue", "major": "major open",
        "registered_y": "registered this year", "closed_y": "closed this year", "illegal": "illegal buildings",
        "illegal_area": "illegal area (m²)", "demolished_area": "demolished (m²)",
        "illegal_area_y": "found this year (m²)", "demolished_area_y": "demolished this year (m²)",
        "inspections": "inspections", "penalized": "penalties", "责令整改": "order to rectify", "罚款": "fine",
        "停产停业": "suspension", "关闭取缔": "closure", "其他": "other penalty", "fines": "fines (10k yuan)",
        "funded": "hazards with funds", "funds": "funds (10k yuan)", "funds_open": "of them open (10k yuan)",
        "total": "total", "title": "{scope} statistics: {view} ({year}, as of {date})",
        "district": "Whole district",
    },
}


def labels(lang: str) -> dict[str, str]:
    """The headings of ``lang`` (``zh`` or ``en``; anything else gets Chinese)."""
    return LABELS.get(lang, LABELS["zh"])


@dataclass(frozen=True)
class StatTable:
    """One statistics view of a scope: ``rows`` of (key, numbers in ``columns`` order) and their ``total``.
    Counts are ints, areas Decimal m², amounts Decimal 万元."""

    view: str
    scope_name: str
    as_of: Any
    key: str
    columns: tuple[str, ...]
    rows: list[tuple[str, tuple[Number, ...]]]
    total: tuple[Number, ...]


def _n(condition: Any) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _s(value: Any, condition: Any = None) -> ColumnElement[Any]:
    """Sum of a ScaledDecimal column (stays exact: BIGINT in SQL, Decimal once read), where ``condition``."""
    return func.sum(value if condition is None else case((condition, value), else_=None))


def _key_column(key: str) -> Any:
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    return {"township": h.township, "department": h.district_department, "nature": h.entity_nature,
            "source": h.source, "level": h.level}[key]


def _hazard_query(view: str, w: Window) -> Any:
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    key = _key_column(VIEWS[view][0])
    registered_y = and_(h.registered_at >= w.year_start, h.registered_at < w.day_end)
    if view == "illegal":
        illegal = h.illegal_building_nature != NO_ILLEGAL
        cols = [func.count(), _s(h.illegal_area), _s(h.demolished_area), _s(h.illegal_area, registered_y),
                _s(h.demolished_area, closed_in_year(w))]
        return select(key, *cols).where(col(Hazard.state).in_(LEDGER_STATES), illegal).group_by(key)
    if view == "funds":
        p = RectificationPlan.__table__.c  # type: ignore[attr-defined]
        cols = [func.count(), _s(p.funds), _s(p.funds, open_clause())]
        return (select(key, *cols).select_from(Hazard.__table__.join(RectificationPlan.__table__, p.hazard_id == h.id))  # type: ignore[attr-defined]
                .where(col(Hazard.state).in_(LEDGER_STATES), p.funds.is_not(None)).group_by(key))
    cols = [func.count(), _n(open_clause()), _n(overdue_clause(w.as_of)), _n(and_(open_clause(), h.level == MAJOR)),
            _n(registered_y), _n(closed_in_year(w))]
    return select(key, *cols).where(col(Hazard.state).in_(LEDGER_STATES)).group_by(key)


def _penalty_query(w: Window) -> Any:
    i = Inspection.__table__.c  # type: ignore[attr-defined]
    penalized = and_(i.penalty_type.is_not(None), i.penalty_type != NO_ILLEGAL)
    cols = [func.count(), _n(penalized), *(_n(i.penalty_type == t) for t in PENALTY_TYPES), _s(i.fine_amount)]
    return (select(i.township, *cols)
            .where(i.inspected_on >= w.year_start_date, i.inspected_on <= w.as_of, i.voided_at.is_(None))
            .group_by(i.township))


def _clean(v: Any) -> Number:
    if v is None:
        return 0
    return v if isinstance(v, Decimal) else int(v)


def _table(view: str, scope_name: str, w: Window, raw: Sequence[Any]) -> StatTable:
    key, columns = VIEWS[view]
    merged: dict[str, list[Number]] = {}
    for key_value, *values in raw:  # NULL and '' keys both become "—": merge them
        name = str(key_value) if key_value not in (None, "") else NO_KEY
        row = merged.setdefault(name, [0] * len(columns))
        for j, v in enumerate(values):
            row[j] = row[j] + _clean(v)
    rows = sorted(((k, tuple(v)) for k, v in merged.items()), key=lambda kv: (-kv[1][0], kv[0]))
    total = tuple(sum((r[1][j] for r in rows), start=0) for j in range(len(columns)))
    return StatTable(view, scope_name, w.as_of, key, columns, rows, total)


async def compute_table(session: AsyncSession, view: str, w: Window, unit_id: int | None,
                        scope_name: str) -> StatTable:
    """The table of ``view`` (a key of ``VIEWS``) for the district (``unit_id`` None) or one unit, in the window
    ``w``. Raises ``KeyError`` for an unknown view. See the module docstring for every definition."""
    if view not in VIEWS:
        raise KeyError(view)
    if view == "penalties":
        stmt = _penalty_query(w)
        if unit_id is not None:
            stmt = stmt.where(Inspection.unit_id == unit_id)
    else:
        stmt = _hazard_query(view, w)
        if unit_id is not None:
            stmt = stmt.where(await unit_clause(session, unit_id))  # the unit's scope (方案 三), as /status
    raw = (await session.exec(stmt)).all()
    return _table(view, scope_name, w, raw)


def number_text(v: Number) -> str:
    """``1,234`` for a count, ``12.5`` for an area or amount (no trailing zeros)."""
    if isinstance(v, Decimal):
        text = f"{v:,.4f}".rstrip("0").rstrip(".")
        return text or "0"
    return f"{v:,}"


def title_of(table: StatTable, lang: str) -> str:
    """``全区统计：按行业（2019 年，截至 2019-06-12）``."""
    t = labels(lang)
    scope = t["district"] if table.scope_name == DISTRICT else table.scope_name
    return t["title"].format(scope=scope, view=t["v_" + table.view], year=table.as_of.year,
                             date=table.as_of.isoformat())


def sheet_of(table: StatTable, lang: str) -> SheetTable:
    """``table`` as a workbook sheet with headings in ``lang``."""
    t = labels(lang)
    return SheetTable(name=t["v_" + table.view], title=title_of(table, lang),
                      headings=[t[table.key], *(t[c] for c in table.columns)],
                      rows=table.rows, total=(t["total"], table.total))
