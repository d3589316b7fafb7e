"""The annex table layouts: titles, the two header rows (groups with merged sub-columns), column order and
the value lists of 附件1 (监督检查台账表) and 附件2 (安全隐患台账表), as printed in the action plan.

A ``Column`` is one leaf column; ``group`` is the first-row header spanning it (None = the column's own
header merged over both header rows). Sheet layout: row 1 the title (merged across), rows 2–3 headers,
data from row 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from storage.registry import departments, townships
from storage.taxonomy import hazard_types

TITLE_ROW = 0
HEADER_ROWS = (1, 2)
FIRST_DATA_ROW = 3

INSPECTION_TYPES = ("日常检查", "复查", "核查", "抽查", "回头看检查", "其他")  # 附件1 说明 3
PENALTY_TYPES = ("责令整改", "罚款", "停产停业", "关闭取缔", "其他")  # 附件1 说明 10
ENTITY_NATURES = ("个人", "民营企业", "市属国有企业", "区属机关企事业单位", "市属机关事业单位", "中央在京单位", "军队单位", "其他")
SOURCES = ("检查", "举报", "其他")  # 附件2 说明 10
LEVELS = ("一般隐患", "重大隐患")  # 说明 13
ILLEGAL_NATURES = ("无", "农民宅基地违建", "集体土地违建", "国有土地违建", "其他")  # 说明 14
REINSPECTION_RESULTS = ("未复查", "复查合格", "复查不合格")  # 说明 16
YES_NO = ("是", "否")  # 说明 17
TYPE_SEPARATOR = "："


@dataclass(frozen=True)
class Column:
    """One leaf column: ``key`` of the row's value, its ``header``, the first-row ``group`` header spanning it
    (None: ``header`` is merged over both header rows), its ``width`` in Excel's character widths and the name of
    the value list its cells are checked against (``choices``, see ``value_lists``; None: any value)."""

    key: str
    header: str
    group: str | None = None
    width: float = 12
    choices: str | None = None


CAMPAIGN = "城市安全隐患治理三年行动"  # the campaign's name, which every annex's title begins with


@dataclass(frozen=True)
class Layout:
    """An annex's sheet: ``name`` the annex (附件2), ``sheet`` the table's name, also the worksheet's, and its
    ``columns`` in order; the ``title`` above the headers is the campaign's name, the table's and 表."""

    name: str
    sheet: str
    columns: tuple[Column, ...]

    @property
    def title(self) -> str:
        """``城市安全隐患治理三年行动安全隐患台账表`` for the sheet 安全隐患台账."""
        return f"{CAMPAIGN}{self.sheet}表"

    def groups(self) -> list[tuple[str, int, int]]:
        """``(header, first column index, last column index)`` for every header of the first header row."""
        out: list[tuple[str, int, int]] = []
        for i, c in enumerate(self.columns):
            head = c.group or c.header
            if out and c.group is not None and out[-1][0] == c.group:
                out[-1] = (head, out[-1][1], i)
            else:
                out.append((head, i, i))
        return out


INSPECTIONS = Layout(
    "附件1",
    "监督检查台账",
    (
        Column("seq", "序号", width=6),
        Column("inspected_on", "检查时间", width=12),
        Column("inspecting_unit", "检查单位", width=18),
        Column("inspection_type", "检查类型", choices="inspection_types"),
        Column("inspector_count", "检查人数", width=8),
        Column("hazard_numbers", "隐患台账编号", "被检查场所或单位情况", width=24),
        Column("site_name", "单位名称", "被检查场所或单位情况", width=22),
        Column("district", "所属区", "被检查场所或单位情况", width=10),
        Column("township", "所属街道（乡）", "被检查场所或单位情况", width=14, choices="townships"),
        Column("address", "地址", "被检查场所或单位情况", width=30),
        Column("penalty_type", "处罚类型", "处罚情况", choices="penalty_types"),
        Column("fine_amount", "罚款金额（万元）", "处罚情况", width=12),
        Column("remarks", "备注", width=20),
    ),
)

_SITE = "隐患场所或单位情况"
HAZARDS = Layout(
    "附件2",
    "安全隐患台账",
    (
        Column("ledger_number", "台账编号", width=24),
        Column("registered_on", "上账时间", width=12),
        Column("district", "所属区", _SITE, width=10),
        Column("township", "所属街乡", _SITE, width=14, choices="townships"),
        Column("site_name", "单位名称", _SITE, width=22),
        Column("address", "地址", _SITE, width=30),
        Column("person_in_charge", "负责人", _SITE, width=10),
        Column("phone", "联系电话", _SITE, width=15),
        Column("entity_nature", "单位性质", _SITE, width=16, choices="entity_natures"),
        Column("occupant_count", "经营人员和使用人员数", _SITE, width=10),
        Column("parent_group", "上级集团公司名称", _SITE, width=18),
        Column("district_department", "所属区行业部门", _SITE, width=16, choices="departments"),
        Column("city_department", "所属市行业部门", _SITE, width=16),
        Column("source", "隐患来源", _SITE, width=8, choices="sources"),
        Column("description", "隐患描述", _SITE, width=36),
        Column("hazard_type", "隐患类型", _SITE, width=28, choices="hazard_types"),
        Column("level", "隐患级别", _SITE, width=10, choices="levels"),
        Column("illegal_building_nature", "违建性质", "违建情况", width=14, choices="illegal_natures"),
        Column("illegal_area", "违建面积", "违建情况", width=10),
        Column("demolished_area", "拆除面积", "违建情况", width=10),
        Column("measures", "整改措施", "隐患整改情况", width=36),
        Column("deadline", "整改时限", "隐患整改情况", width=12),
        Column("reinspected_on", "复查时间", "隐患复查情况", width=12),
        Column("reinspection_result", "复查结果", "隐患复查情况", width=12, choices="reinspection_results"),
        Column("closed", "隐患销账情况", width=10, choices="yes_no"),
        Column("remarks", "备注", width=20),
    ),
)


def hazard_type_label(category: str, subtype: str) -> str:
    """``重点消防：村民宅基地出租房屋``; a category without subtypes (其他) is written alone."""
    return category if subtype in ("", category) and not _has_subtypes(category) else f"{category}{TYPE_SEPARATOR}{subtype}"


def _has_subtypes(category: str) -> bool:
    return any(c.name == category and c.subtypes for c in hazard_types())


def parse_hazard_type(text: str) -> tuple[str, str] | None:
    """``(category, subtype)`` for a label of ``value_lists()['hazard_types']`` (also ``/`` or ``-``
    between the parts); None when the pair is not in 附件2 说明 12."""
    cleaned = text.strip().replace(":", TYPE_SEPARATOR).replace("/", TYPE_SEPARATOR).replace("—", TYPE_SEPARATOR)
    cat, _, sub = cleaned.partition(TYPE_SEPARATOR)
    for c in hazard_types():
        if c.name != cat.strip():
            continue
        if not c.subtypes:
            return (c.name, c.name) if sub.strip() in ("", c.name) else None
        for s in c.subtypes:
            if s.value == sub.strip():
                return c.name, s.value
    return None


@cache
def value_lists() -> dict[str, tuple[str, ...]]:
    """Every value list used for data validation, by name."""
    types: list[str] = []
    for c in hazard_types():
        types.extend(hazard_type_label(c.name, s.value) for s in c.subtypes) if c.subtypes else types.append(c.name)
    return {
        "inspection_types": INSPECTION_TYPES,
        "penalty_types": PENALTY_TYPES,
        "townships": tuple(t.name for t in townships()),
        "departments": tuple(d.name for d in departments()),
        "entity_natures": ENTITY_NATURES,
        "sources": SOURCES,
        "hazard_types": tuple(types),
        "levels": LEVELS,
        "illegal_natures": ILLEGAL_NATURES,
        "reinspection_results": REINSPECTION_RESULTS,
        "yes_no": YES_NO,
    }
