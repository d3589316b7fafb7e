"""Real-shaped old 附件2 ledgers for the import tests, written with openpyxl the way a unit's own sheet looks:
the annex's title and two header rows, then rows as people typed them (issue 16 item 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from storage.excel.layouts import HAZARDS

TOWNSHIP, CODE = "朝外街道", "002"  # 110105002


def base_row(seq: int, day: str = "20180301", **changes: Any) -> dict[str, Any]:
    """A good row of 朝外街道 registered on ``day`` (YYYYMMDD), ledger number sequence ``seq``."""
    row: dict[str, Any] = {
        "ledger_number": f"110105{CODE}{day}{seq:04d}", "registered_on": f"{day[:4]}-{day[4:6]}-{day[6:]}",
        "district": "朝阳区", "township": TOWNSHIP, "site_name": f"某小区{seq}号楼", "address": f"朝外大街{seq}号",
        "person_in_charge": "张三", "phone": "13912345678", "entity_nature": "民营企业", "occupant_count": 12,
        "parent_group": None, "district_department": None, "city_department": None, "source": "检查",
        "description": "楼道堆放杂物，堵塞疏散通道", "hazard_type": "重点消防：老旧小区", "level": "一般隐患",
        "illegal_building_nature": "无", "illegal_area": None, "demolished_area": None, "measures": "清理杂物",
        "deadline": "2018-12-31", "reinspected_on": None, "reinspection_result": None, "closed": "否", "remarks": None,
    }
    row.update(changes)
    return row


def variant_rows() -> list[dict[str, Any]]:
    """One good row per variant real ledgers contain (Excel rows 4 …, in this order)."""
    return [
        base_row(1, hazard_type="重点消防"),  # 4: category only
        base_row(2, deadline="长期"),  # 5
        base_row(3, source="群众举报"),  # 6
        base_row(4, closed=None),  # 7: blank 销账情况
        base_row(5, phone=None),  # 8: old row (before the campaign's start 2018-10-15), no phone
        base_row(6, phone="400-810-1234"),  # 9
        base_row(7, phone="0571-88881234"),  # 10: another city
        base_row(8, deadline="２０１８.１２.３１", occupant_count="１２"),  # 11: full-width digits
        base_row(9, day="20180307", registered_on="2018.3.7"),  # 12
        base_row(10, day="20180308", registered_on="2018年3月8日"),  # 13
        base_row(11, township="朝外街道 ", site_name="某饭店  "),  # 14: trailing spaces
        base_row(12, phone="4008101234", level="重大"),  # 15
    ]


def bad_rows() -> list[dict[str, Any]]:
    """Rows no reading can save: a five-digit phone, an unknown level, a new open row without a phone."""
    return [
        base_row(21, phone="12345"),
        base_row(22, level="特大隐患"),
        base_row(23, day="20181015", registered_on="2018-10-15", phone=None),
    ]


def write_ledger(path: Path, rows: list[dict[str, Any]]) -> Path:
    """``rows`` (by column key) under the 附件2 title and header rows (write-only: fast for thousands)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(HAZARDS.sheet)
    ws.append([HAZARDS.title])
    ws.append([c.group or c.header for c in HAZARDS.columns])
    ws.append([c.header for c in HAZARDS.columns])
    for row in rows:
        ws.append([row.get(c.key) for c in HAZARDS.columns])
    wb.save(path)
    return path
