"""A unit files its annual inspection plan (附件3) by conversation, with several arrangement rows."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from storage.models_plans import InspectionPlan, PlanArrangement
from tests.chat_script import Tap, answer, refused
from tests.conftest import Harness


async def _arrangement(chat, schedule: str, areas: str) -> None:  # type: ignore[no-untyped-def]
    await chat.say(schedule)
    await chat.say("安全科 3人")
    await chat.say(areas)
    await chat.say("消防通道、电动自行车充电")


async def test_a_reviewer_files_the_plan_with_two_arrangement_rows(harness: Harness) -> None:
    chat = await harness.bind(1101, "reviewer", "110105006")
    await chat.say("/plan")
    assert "计划年度" in chat.last_text() and "当前：2018" in chat.last_text()
    await answer(chat, Tap("保持当前值"))
    await refused(chat, "0", "不能小于 1")
    await answer(chat, "120")
    await refused(chat, "101", "不能大于 100")
    await answer(chat, "10.5")
    await _arrangement(chat, "每月第一周", "辖区出租大院")
    await chat.press("再添加一条")
    assert "检查时间安排" in chat.last_text()
    await _arrangement(chat, "12月初", "老旧小区")
    await chat.press("没有了")
    await chat.press("跳过")
    card = chat.last_text()
    assert "还有其他检查安排吗？：共 2 条" in card and "检查时间安排：12月初" in card
    await chat.press("提交")
    assert "2018" in chat.last_text() and "2 " in chat.last_text()

    async with harness.core.uow() as u:
        plan = (await u.session.exec(select(InspectionPlan))).one()
        rows = (await u.session.exec(select(PlanArrangement).order_by(PlanArrangement.position))).all()
    assert (plan.year, plan.inspection_target, plan.verification_ratio) == (2018, 120, Decimal("10.5"))
    assert [(r.schedule, r.areas) for r in rows] == [("每月第一周", "辖区出租大院"), ("12月初", "老旧小区")]


async def test_inspectors_cannot_file_a_plan(harness: Harness) -> None:
    chat = await harness.bind(1102, "inspector", "110105006")
    await chat.say("/plan")
    assert "无权" in chat.last_text()
