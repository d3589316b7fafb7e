"""The inspection ledger (附件1) shows the real work (issue 15 item 5) and keeps out what was entered in error
(item 2), through the dispatcher on SQLite and PostgreSQL: re-inspections and a verification done in the life cycle
each write a 附件1 row; a 复查 entered with /inspect records the hazard's 复查 date and result; the office corrects an
inspection with a reason and voids one, which leaves the export and the counts but not its history."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.services.ledger_export import ExportFilter, inspection_rows
from bot.services.summary import compute_status
from storage.models import Hazard, HazardEvent, Inspection
from storage.models_corrections import InspectionEvent
from tests.chat_helpers import (
    KEEP,
    SUBMIT,
    bind_cast,
    last_text,
    open_first,
    reinspect_failed,
    reinspect_passed,
    report_rectification,
)
from tests.chat_script import Tap, answer
from tests.conftest import TODAY, Harness
from tests.forms_flow import fill_inspection_until_review
from tests.lifecycle_factories import hazard

HOME, OFFICE = "建外街道", "区安委会办公室"


async def _rows(h: Harness) -> list[dict[str, object]]:
    async with h.core.uow() as u:
        return await inspection_rows(u.session, ExportFilter())


async def test_re_inspections_a_verification_and_a_lookback_each_write_an_inspection_row(harness: Harness, photos_dir) -> None:  # type: ignore[no-untyped-def]
    h = harness
    inspector, inspector2, office = await bind_cast(h, {2301: "李检查", 2302: "赵复查", 2303: "张办公室"})
    creator = await h.core.services.users.touch(telegram_address(2301), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, creator, state=HazardState.RECTIFIED, full_plan=True, rectified_by=creator)
    async with h.core.uow() as u:  # a pin too, so that every column of the place is seen copied
        pinned = await u.session.get(Hazard, hid)
        assert pinned is not None
        pinned.latitude, pinned.longitude = 39.9087, 116.4605
        u.session.add(pinned)
        await u.commit()
    assert await _rows(h) == []

    await open_first(inspector2, "/rectify")
    await reinspect_failed(inspector2, photos_dir / "landscape_2.jpg")
    assert "已挂账，整改中" in last_text(h, inspector2)
    await open_first(inspector, "/rectify")
    await report_rectification(inspector, photos_dir / "landscape_1.jpg")
    await open_first(inspector2, "/rectify")
    await reinspect_passed(inspector2)
    await open_first(office, "/office")
    await office.press("销账")  # its form: no note, no photos
    await office.press("跳过")
    await office.press("跳过")
    await office.press(SUBMIT)
    await office.say("/verify")
    await office.press("1. 合格")  # its form too
    await office.press("跳过")
    await office.press("跳过")
    await office.press(SUBMIT)
    async with h.core.uow() as u:
        number = (await u.session.get(Hazard, hid)).ledger_number  # type: ignore[union-attr]

    rows = await _rows(h)
    assert [(r["inspection_type"], r["inspecting_unit"], r["hazard_numbers"]) for r in rows] == [
        ("复查", HOME, number), ("复查", HOME, number), ("核查", OFFICE, number)]
    assert all(r["inspected_on"] == TODAY.date() and r["inspector_count"] == 1 for r in rows)
    remarks = [str(r["remarks"]) for r in rows]
    assert remarks[0].startswith("复查不合格") and "新整改期限 2018-11-30" in remarks[0] and "赵复查" in remarks[0]
    assert remarks[1].startswith("复查合格") and remarks[2].startswith("核查合格") and "张办公室" in remarks[2]
    async with h.core.uow() as u:  # each row stands at the hazard's site and place
        written = (await u.session.exec(select(Inspection))).all()
    site = ("张XX出租房", "朝阳区", HOME, pinned.address, 39.9087, 116.4605)
    assert [(i.site_name, i.district, i.township, i.address, i.latitude, i.longitude) for i in written] == [site] * 3

    await open_first(inspector2, f"/find {number}")
    await inspector2.press("回头看：未反弹")  # the December lookback on site: a form
    await inspector2.press(KEEP)
    await inspector2.say("赵复查")
    await inspector2.press("完成")
    await inspector2.press(SUBMIT)
    rows = await _rows(h)
    assert [(r["inspection_type"], r["inspecting_unit"]) for r in rows][3:] == [("回头看检查", HOME)]
    assert str(rows[3]["remarks"]).startswith("回头看：未反弹")


async def test_an_inspection_of_type_re_inspection_records_the_hazards_result(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(2401, "inspector", HOME, "李检查")
    creator = await h.core.services.users.touch(telegram_address(2401), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, creator, state=HazardState.REGISTERED, full_plan=True)
    async with h.core.uow() as u:
        number = (await u.session.get(Hazard, hid)).ledger_number  # type: ignore[union-attr]
    assert number is not None

    await answer(inspector, "/inspect", Tap("今天"), Tap("保持当前值"), Tap("复查"), "2", Tap("保持当前值"))
    await answer(inspector, "张XX出租房", "建国门外大街永安里8号", Tap(number), Tap("完成"))
    assert "复查结果" in last_text(h, inspector)
    await answer(inspector, Tap("复查不合格"), Tap("责令整改"), Tap("跳过"), Tap("跳过"), Tap("提交"))
    assert "J20181015" in last_text(h, inspector)

    async with h.core.uow() as u:
        row = await u.session.get(Hazard, hid)
        assert row is not None
        assert (row.reinspected_on, row.reinspection_result, row.state) == (date(2018, 10, 15), "复查不合格", "registered")
        event = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid)
                                      .order_by(col(HazardEvent.id).desc()))).first()
    assert event is not None and event.action == "record_reinspection" and event.data["result"] == "复查不合格"
    [ledger_row] = await _rows(h)
    assert (ledger_row["inspection_type"], ledger_row["hazard_numbers"], ledger_row["remarks"]) == (
        "复查", number, "复查不合格")


async def test_the_office_corrects_and_voids_an_inspection_it_leaves_the_ledger_not_the_history(harness: Harness) -> None:
    h = harness
    inspector, office = await bind_cast(h, {2501: "李检查", 2502: "张办公室"})
    await fill_inspection_until_review(inspector)
    await inspector.press("提交")
    await fill_inspection_until_review(inspector)
    await inspector.press("提交")
    assert len(await _rows(h)) == 2
    async with h.core.uow() as u:
        before = (await compute_status(u.session, h.core.clock(), rules=h.core.rules)).coverage.numerator
    assert before == 2

    await inspector.say("/inspection J201810150001")
    assert [b.text for b in inspector.buttons()] == ["✏️ 修改"]  # who entered it edits it; only the office voids
    await inspector.press("修改")
    await inspector.press("修改：检查人数")
    await inspector.say("4")
    await inspector.press("提交")
    assert "检查记录 J201810150001 已修改" in last_text(h, inspector) and "检查人数" in last_text(h, inspector)

    await office.say("/inspection J201810150001")
    assert [b.text for b in office.buttons()] == ["✏️ 更正（需说明原因）", "⛔ 作废（误录）"]
    await answer(office, Tap("更正"), Tap("修改：检查类型"), Tap("抽查"))
    assert "更正原因" in last_text(h, office)
    await answer(office, "检查类型录错", Tap("提交"))
    await answer(office, "/inspection J201810150002", Tap("作废"), "与 J201810150001 重复录入", Tap("提交"))
    assert "J201810150002 已作废" in last_text(h, office)

    rows = await _rows(h)
    assert [(r["inspection_type"], r["inspector_count"]) for r in rows] == [("抽查", 4)]
    async with h.core.uow() as u:
        assert (await compute_status(u.session, h.core.clock(), rules=h.core.rules)).coverage.numerator == before - 1
        kept = (await u.session.exec(select(Inspection).order_by(col(Inspection.id)))).all()
        log = (await u.session.exec(select(InspectionEvent).order_by(col(InspectionEvent.id)))).all()
    assert [i.void_reason for i in kept] == [None, "与 J201810150001 重复录入"]
    assert [(e.action, e.note, e.data.get("changes")) for e in log] == [
        ("edit", None, {"inspector_count": ["3", "4"]}),
        ("correct", "检查类型录错", {"inspection_type": ["日常检查", "抽查"]}),
        ("void", "与 J201810150001 重复录入", None),
    ]
    await office.say("/inspection J201810150002")
    view = last_text(h, office)
    assert "已作废：与 J201810150001 重复录入" in view
    await office.say("/inspection J201810150001")
    view = last_text(h, office)
    assert "检查人数: 3 → 4" in view and "检查类型: 日常检查 → 抽查" in view and "检查类型录错" in view
