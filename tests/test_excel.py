"""Exports in the annex layouts, imports with a bad-row report, and export → import round trips,
on SQLite and PostgreSQL. Expected headers are copied here from the annex tables of the action plan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import delete
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.ledger_export import (
    ExportFilter,
    export_hazards,
    export_inspections,
    export_plans,
    hazard_rows,
    inspection_rows,
)
from bot.services.ledger_import import import_hazards, import_inspections
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, Inspection, InspectionHazard
from storage.models_lifecycle import Supervision
from storage.models_plans import InspectionPlan, PlanArrangement
from tests.summary_ledger import closure, hazard, inspection, link, sh, unit, user

TODAY = date(2019, 6, 12)
NOW = sh(TODAY)

ANNEX2_TOP = ["台账编号", "上账时间", "隐患场所或单位情况", "违建情况", "隐患整改情况", "隐患复查情况", "隐患销账情况", "备注"]
ANNEX2_SUB = ["所属区", "所属街乡", "单位名称", "地址", "负责人", "联系电话", "单位性质", "经营人员和使用人员数",
              "上级集团公司名称", "所属区行业部门", "所属市行业部门", "隐患来源", "隐患描述", "隐患类型", "隐患级别",
              "违建性质", "违建面积", "拆除面积", "整改措施", "整改时限", "复查时间", "复查结果"]
ANNEX2_MERGES = {"A1:Z1", "A2:A3", "B2:B3", "C2:Q2", "R2:T2", "U2:V2", "W2:X2", "Y2:Y3", "Z2:Z3"}
ANNEX1_TOP = ["序号", "检查时间", "检查单位", "检查类型", "检查人数", "被检查场所或单位情况", "处罚情况", "备注"]
ANNEX1_SUB = ["隐患台账编号", "单位名称", "所属区", "所属街道（乡）", "地址", "处罚类型", "罚款金额（万元）"]
ANNEX1_MERGES = {"A1:M1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:J2", "K2:L2", "M2:M3"}


async def seed(uow: UowFactory) -> None:
    async with uow() as u:
        s = u.session
        a, b = await unit(s, "110105001"), await unit(s, "110105043")
        me = await user(s)
        hs = [
            hazard(a, me, state="registered", registered=sh(date(2019, 3, 1)), phone="010-65001234-12",
                   level="重大隐患", parent_group="北京某集团", district_department="区住房城乡建设委",
                   city_department="市住建委", remarks="第一批"),
            hazard(a, me, state="closed", registered=sh(date(2018, 10, 15)), reinspected_on=date(2018, 12, 1),
                   reinspection_result="复查合格", illegal_building_nature="集体土地违建",
                   illegal_area=Decimal("120.55"), demolished_area=Decimal("80.5"), source="举报"),
            hazard(b, me, state="closure_requested", registered=sh(date(2019, 5, 20)), reinspected_on=date(2019, 6, 1),
                   reinspection_result="复查合格", category="其他", subtype="其他", entity_nature="中央在京单位"),
            hazard(b, me, state="registered", registered=sh(date(2019, 4, 2)), reinspected_on=date(2019, 5, 1),
                   reinspection_result="复查不合格", category="特种设备", subtype="“三无”电梯", occupant_count=0),
            hazard(a, me, state="pending_review"),  # not in the ledger: no ledger number
        ]
        s.add_all(hs)
        await s.flush()
        s.add(closure(hs[1], sh(date(2018, 12, 2))))
        ins = [
            inspection(a, me, date(2019, 3, 1), penalty_type="罚款", fine_amount=Decimal("0.5"), remarks="现场处罚"),
            inspection(a, me, date(2019, 3, 2), kind="复查", penalty_type="责令整改"),
            inspection(b, me, date(2019, 5, 20), kind="核查"),
        ]
        s.add_all(ins)
        await s.flush()
        s.add_all([link(ins[0], hs[0]), link(ins[0], hs[1]), link(ins[2], hs[2]), link(ins[1], hs[4])])
        plan = InspectionPlan(unit_id=a.id, year=2019, inspection_target=1200, verification_ratio=Decimal("10.5"),
                              remarks="按季度报送")
        s.add(plan)
        await s.flush()
        s.add(PlanArrangement(plan_id=plan.id, position=1, schedule="每月第一周", participants="安全科 3人",
                              areas="辖区全部出租房屋", key_content="消防通道、电动车充电"))
        await u.commit()


def _merges(path: Path) -> set[str]:
    return {str(r) for r in load_workbook(path).worksheets[0].merged_cells.ranges}


async def test_hazard_export_has_the_annex_2_headers_merges_and_value_lists(uow: UowFactory, tmp_path: Path) -> None:
    await seed(uow)
    out = tmp_path / "h.xlsx"
    async with uow() as u:
        n = await export_hazards(u.session, ExportFilter(), out)
    assert n == 4
    ws = load_workbook(out).worksheets[0]
    assert ws["A1"].value == "城市安全隐患治理三年行动安全隐患台账表"
    top = [c.value for c in ws[2] if c.value is not None]
    sub = [c.value for c in ws[3][2:24]]
    assert top == ANNEX2_TOP and sub == ANNEX2_SUB and ws.max_column == 26
    assert _merges(out) == ANNEX2_MERGES
    lists = {str(dv.sqref)[:1]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert set(lists) == {"D", "I", "L", "N", "P", "Q", "R", "X", "Y"}
    values = load_workbook(out)["值列表"]
    levels_col = lists["Q"].split("!")[1].split(":")[0].replace("$", "")[0]
    assert [values[f"{levels_col}{i}"].value for i in (1, 2)] == ["一般隐患", "重大隐患"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=4)}
    first = next(r for k, r in rows.items() if k.startswith("110105001201903"))
    assert first[7].value == "010-65001234-12" and first[16].value == "重大隐患" and first[24].value == "否"
    closed = next(r for k, r in rows.items() if k.startswith("110105001201810"))
    assert (closed[18].value, closed[19].value, closed[24].value) == (120.55, 80.5, "是")
    assert closed[15].value == "重点消防：村民宅基地出租房屋"


async def test_inspection_export_has_the_annex_1_layout_and_linked_ledger_numbers(uow: UowFactory, tmp_path: Path) -> None:
    await seed(uow)
    out = tmp_path / "i.xlsx"
    async with uow() as u:
        assert await export_inspections(u.session, ExportFilter(date_from=date(2019, 3, 1)), out) == 3
    ws = load_workbook(out).worksheets[0]
    assert ws["A1"].value == "城市安全隐患治理三年行动监督检查台账表"
    assert [c.value for c in ws[2] if c.value is not None] == ANNEX1_TOP
    assert [c.value for c in ws[3][5:12]] == ANNEX1_SUB
    assert _merges(out) == ANNEX1_MERGES
    data = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in data] == [1, 2, 3]
    assert len(data[0][5].split("、")) == 2 and data[0][10:12] == ("罚款", 0.5)
    assert data[1][5] == "无"  # its only hazard has no ledger number yet (附件1 说明 5)


async def test_plan_export_follows_the_annex_3_template(uow: UowFactory, tmp_path: Path) -> None:
    await seed(uow)
    out = tmp_path / "p.xlsx"
    async with uow() as u:
        assert await export_plans(u.session, out, year=2019) == 1
    ws = load_workbook(out).worksheets[0]
    assert (ws["A2"].value, ws["B2"].value) == ("单位名称", "建外街道")
    assert (ws["A3"].value, ws["B3"].value, ws["D3"].value) == ("工作目标", "年度监督检查目标（家次）", "挂账隐患核查比例（%）")
    assert (ws["B4"].value, ws["D4"].value) == (1200, 10.5)
    assert [ws.cell(5, c).value for c in range(1, 6)] == ["工作安排", "检查时间安排", "参加检查部门及人员", "检查地区或单位名称", "检查重点内容"]
    assert ws["B6"].value == "每月第一周" and ws["A13"].value == "备注" and ws["B13"].value == "按季度报送"
    assert {"B2:E2", "A3:A4", "B3:C3", "D3:E3", "A5:A12", "B13:E13"} <= {str(r) for r in ws.merged_cells.ranges}


async def _wipe(uow: UowFactory) -> None:
    async with uow() as u:
        for model in (InspectionHazard, HazardEvent, Supervision, Inspection, Hazard):
            await u.session.exec(delete(model))  # type: ignore[call-overload]
        await u.commit()


async def test_export_then_import_gives_the_same_ledger_and_reimport_changes_nothing(uow: UowFactory, tmp_path: Path) -> None:
    await seed(uow)
    hfile, ifile = tmp_path / "h.xlsx", tmp_path / "i.xlsx"
    async with uow() as u:
        await export_hazards(u.session, ExportFilter(), hfile)
        await export_inspections(u.session, ExportFilter(), ifile)
        before_h = await hazard_rows(u.session, ExportFilter())
        before_i = await inspection_rows(u.session, ExportFilter())
        me = (await u.session.exec(select(Hazard.created_by))).first()
    await _wipe(uow)
    async with uow() as u:
        rep = await import_hazards(u.session, hfile, actor_id=me, today=TODAY, now=NOW)
        assert rep.ok and (rep.rows, rep.added) == (4, 4), rep.errors
        rep = await import_inspections(u.session, ifile, actor_id=me, today=TODAY)
        assert rep.ok and (rep.rows, rep.added) == (3, 3), rep.errors
        await u.commit()
    async with uow() as u:
        assert await hazard_rows(u.session, ExportFilter()) == before_h
        assert await inspection_rows(u.session, ExportFilter()) == before_i
        states = dict((await u.session.exec(select(Hazard.ledger_number, Hazard.state))).all())  # type: ignore[call-overload]
        assert sorted(states.values()) == ["closed", "closure_requested", "registered", "registered"]
        again_h = await import_hazards(u.session, hfile, actor_id=me, today=TODAY, now=NOW)
        again_i = await import_inspections(u.session, ifile, actor_id=me, today=TODAY)
        await u.commit()
    assert (again_h.added, again_h.unchanged, again_i.added, again_i.unchanged) == (0, 4, 0, 3)
    async with uow() as u:
        counts = [(await u.session.exec(select(func.count()).select_from(m))).one() for m in (Hazard, Inspection, InspectionHazard)]
    assert counts == [4, 3, 3]


async def test_bad_rows_are_all_reported_and_nothing_is_imported(uow: UowFactory, tmp_path: Path) -> None:
    await seed(uow)
    good, bad = tmp_path / "h.xlsx", tmp_path / "bad.xlsx"
    async with uow() as u:
        await export_hazards(u.session, ExportFilter(), good)
        me = (await u.session.exec(select(Hazard.created_by))).first()
    await _wipe(uow)
    wb = load_workbook(good)
    ws = wb.worksheets[0]
    ws["H4"] = "12345"  # phone
    ws["Q5"] = "特大隐患"  # level
    ws["V6"] = "2月30日"  # deadline
    ws["T5"] = 500  # demolished > illegal area (row 5 is the 违建 row? it depends on order: set both)
    ws["R5"], ws["S5"] = "集体土地违建", 100
    ws["A7"] = ws["A4"].value  # duplicate ledger number (and its date/township no longer match)
    ws["Y6"] = "是"  # closed without 复查合格
    wb.save(bad)
    async with uow() as u:
        rep = await import_hazards(u.session, bad, actor_id=me, today=TODAY, now=NOW)
        await u.commit()
    found = {(e.row, e.column) for e in rep.errors}
    assert {(4, "联系电话"), (5, "隐患级别"), (6, "整改时限"), (5, "拆除面积"), (7, "台账编号"), (6, "隐患销账情况")} <= found
    assert not rep.ok and rep.added == 0
    assert "应为手机号、固定电话（外地须带区号）或400/800电话" in {e.reason for e in rep.errors if e.row == 4}
    async with uow() as u:
        assert (await u.session.exec(select(func.count()).select_from(Hazard))).one() == 0


async def _seeded_export(uow: UowFactory, export: Callable[[AsyncSession, ExportFilter, Path], Awaitable[int]],
                         path: Path) -> Workbook:
    """The seeded ledger written by ``export`` (``export_hazards`` or ``export_inspections``) to ``path``, opened."""
    await seed(uow)
    async with uow() as u:
        await export(u.session, ExportFilter(), path)
    return load_workbook(path)


async def test_a_file_with_other_headers_is_refused(uow: UowFactory, tmp_path: Path) -> None:
    wb, bad = await _seeded_export(uow, export_hazards, tmp_path / "h.xlsx"), tmp_path / "bad.xlsx"
    wb.worksheets[0]["H3"] = "电话"
    wb.save(bad)
    async with uow() as u:
        rep = await import_hazards(u.session, bad, actor_id=1, today=TODAY, now=NOW)
    assert [(e.row, e.column) for e in rep.errors] == [(3, "联系电话")] and rep.rows == 0


async def test_inspection_import_reports_unknown_ledger_numbers_and_units(uow: UowFactory, tmp_path: Path) -> None:
    wb, bad = await _seeded_export(uow, export_inspections, tmp_path / "i.xlsx"), tmp_path / "bad.xlsx"
    ws = wb.worksheets[0]
    ws["F5"] = "110105001201903019999"
    ws["C6"] = "不存在的单位"
    ws["K4"] = "责令整改"  # a fine without 罚款
    wb.save(bad)
    async with uow() as u:
        rep = await import_inspections(u.session, bad, actor_id=1, today=TODAY)
    reasons = {(e.row, e.column): e.reason for e in rep.errors}
    assert reasons[(4, "罚款金额（万元）")] == "仅处罚类型为罚款时填写"
    assert rep.added == 0 and len(rep.errors) == 1  # the first pass stops before the database checks
    ws["K4"] = "罚款"
    wb.save(bad)
    async with uow() as u:
        rep = await import_inspections(u.session, bad, actor_id=1, today=TODAY)
    reasons = {(e.row, e.column): e.reason for e in rep.errors}
    assert "不在隐患台账中" in reasons[(5, "隐患台账编号")] and (6, "检查单位") in reasons and rep.added == 0


async def test_geojson_has_wgs84_points_in_longitude_latitude_order(uow: UowFactory, tmp_path: Path) -> None:
    import json

    from bot.services.ledger_export import export_geojson

    async with uow() as u:
        a = await unit(u.session, "110105001")
        me = await user(u.session)
        u.session.add_all([
            hazard(a, me, state="registered", registered=sh(date(2019, 3, 1)), deadline=date(2019, 5, 1),
                   latitude=39.9123456, longitude=116.4567891),
            hazard(a, me, state="registered", registered=sh(date(2019, 3, 2))),  # no coordinates: left out
            hazard(a, me, state="pending_review", latitude=39.9, longitude=116.4),  # not in the ledger
        ])
        await u.commit()
    out = tmp_path / "h.geojson"
    async with uow() as u:
        assert await export_geojson(u.session, ExportFilter(), out, TODAY) == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "WGS 84" in doc["crs_note"]
    feature = doc["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [116.4567891, 39.9123456]}
    assert feature["properties"]["overdue"] is True and feature["properties"]["state"] == "registered"
