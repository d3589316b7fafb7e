"""Inspections (附件1) by conversation, linked to the hazards found in them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import select

from storage.models import Hazard, Inspection, InspectionHazard
from tests.chat_script import Tap, answer, shows
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_review, fill_inspection_until_review


async def test_an_inspection_is_linked_to_two_hazards_of_the_unit(harness: Harness) -> None:
    chat = await harness.bind(801, "inspector", "110105001")
    for site in ("甲仓库", "乙出租房"):
        await fill_hazard_until_review(chat, site=site, album=1)
        await chat.press("提交")
    await fill_inspection_until_review(chat, pick_hazards=["D001201810150001", "D001201810150002"], penalty="罚款")
    card = chat.last_text()
    assert "隐患台账编号：D001201810150001、D001201810150002" in card
    assert "罚款金额（万元）：0.5 万元" in card
    await chat.press("提交")
    assert "检查记录已保存" in chat.last_text() and "J201810150001" in chat.last_text()

    async with harness.core.uow() as u:
        inspection = (await u.session.exec(select(Inspection))).one()
        links = (await u.session.exec(select(InspectionHazard))).all()
        hazards = {h.id: h.site_name for h in (await u.session.exec(select(Hazard))).all()}
    assert inspection.inspected_on == date(2018, 10, 15)
    assert (inspection.inspecting_unit, inspection.inspection_type, inspection.inspector_count) == ("建外街道", "日常检查", 3)
    assert (inspection.district, inspection.township) == ("朝阳区", "建外街道")
    assert (inspection.site_name, inspection.address) == ("张XX出租房", "建国门外大街永安里8号")
    assert (inspection.penalty_type, inspection.fine_amount) == ("罚款", Decimal("0.5"))
    assert inspection.remarks is None
    assert sorted(hazards[link.hazard_id] for link in links) == ["乙出租房", "甲仓库"]


async def test_a_hazard_recorded_from_an_inspection_starts_with_its_site_and_links_back(harness: Harness) -> None:
    chat = await harness.bind(802, "inspector", "110105005")
    await fill_inspection_until_review(chat)
    await chat.press("提交")
    # the new hazard starts with the inspection's township, site and address, each kept with one press
    await shows(chat, Tap("登记本次检查发现的隐患"), "所属街乡")
    for question in ("当前：张XX出租房", "当前：建国门外大街永安里8号", "负责人"):
        await shows(chat, Tap("保持当前值"), question)
    await answer(chat, "/cancel", Tap("确认放弃"))

    async with harness.core.uow() as u:
        inspection = (await u.session.exec(select(Inspection))).one()
        assert inspection.penalty_type == "责令整改" and inspection.fine_amount is None


async def test_the_fine_disappears_when_the_penalty_is_changed_from_the_card(harness: Harness) -> None:
    chat = await harness.bind(803, "inspector", "110105001")
    await fill_inspection_until_review(chat, penalty="罚款")
    await chat.press("修改：处罚类型")
    await chat.press("关闭取缔")
    assert "罚款金额" not in chat.last_text()
    await chat.press("提交")
    async with harness.core.uow() as u:
        inspection = (await u.session.exec(select(Inspection))).one()
    assert (inspection.penalty_type, inspection.fine_amount) == ("关闭取缔", None)


async def test_a_pin_on_a_prefilled_address_is_saved_and_the_address_asked_again(harness: Harness) -> None:
    chat = await harness.bind(804, "inspector", "110105005")
    await fill_inspection_until_review(chat)
    await chat.press("提交")
    await chat.press("登记本次检查发现的隐患")
    await chat.press("保持当前值")
    await chat.press("保持当前值")
    await chat.location(39.91, 116.46)
    reply = chat.last_text()
    assert "位置已记录" in reply and "地址" in reply and reply.endswith("当前：建国门外大街永安里8号")  # the pin is no address
    await chat.press("保持当前值")
    assert "负责人" in chat.last_text()
