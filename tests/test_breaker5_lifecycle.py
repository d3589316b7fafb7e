"""Life-cycle forms raced through the real dispatcher on SQLite and PostgreSQL: two people submitting the same
step at once, a double tap on a life-cycle submit, and the drafts each leaves (the step is done once, the loser's
form is closed and told in Chinese, nothing fails)."""

from __future__ import annotations

import asyncio
import re
from datetime import date

from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.local_chat import LocalChat
from storage.models import Draft, HazardEvent
from storage.models_deadlines import DeadlineExtension
from tests.chat_helpers import KEEP, SUBMIT, actor_of, bind_cast, hazard_row, last_text, open_first
from tests.conftest import PHOTOS, FailureLog, Harness
from tests.forms_flow import rectification_until_review
from tests.lifecycle_factories import hazard

HOME = "建外街道"
ENGLISH = re.compile(r"[A-Za-z]{3,}( [A-Za-z]{2,}){2,}")


async def _press_at_once(chats: list[LocalChat], label: str) -> None:
    h_updates = []
    for chat in chats:
        button = chat.latest_button(label)
        h_updates.append((chat, chat.factory.callback(chat.user, button.message, button.callback_data or "")))
    await asyncio.gather(*(chat._feed(u) for chat, u in h_updates))


async def _statuses(h: Harness, chat: LocalChat) -> list[str]:
    user_id = (await actor_of(h, chat)).user_id
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(Draft).where(Draft.user_id == user_id).order_by(Draft.id))).all()  # type: ignore[arg-type]
    return [d.status for d in rows]


async def _events(h: Harness, hid: int) -> list[str]:
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid))).all()
    return [e.action for e in rows]


async def test_two_reviewers_rejecting_at_once_reject_once(harness: Harness, failures: FailureLog) -> None:
    h = harness
    inspector, reviewer = await bind_cast(h, {85301: "李检查", 85302: "王审核"})
    reviewer2 = await h.bind(85303, "reviewer", HOME, "钱审核")
    actor = await h.core.services.users.touch(telegram_address(85301), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, actor, site_name="王XX仓库")
    for chat in (reviewer, reviewer2):
        await open_first(chat, "/find 王XX仓库")
        await chat.press("驳回")
        await chat.say("照片不清楚")
    await _press_at_once([reviewer, reviewer2], SUBMIT)
    assert not failures.records, failures.messages()
    row = await hazard_row(h, hid)
    assert (row.state, row.version) == ("rejected", 2)
    assert (await _events(h, hid)).count("reject") == 1, await _events(h, hid)
    for chat in (reviewer, reviewer2):
        assert await _statuses(h, chat) in (["submitted"], ["cancelled"]), await _statuses(h, chat)
        assert not ENGLISH.search(last_text(h, chat)), last_text(h, chat)
    assert sorted([await _statuses(h, c) for c in (reviewer, reviewer2)]) == [["cancelled"], ["submitted"]]


async def test_a_double_tap_on_a_rectification_report_submits_it_once(harness: Harness,
                                                                     failures: FailureLog) -> None:
    h = harness
    [inspector] = await bind_cast(h, {85311: "李检查"})
    actor = await actor_of(h, inspector)
    hid = await hazard(h.core.uow, actor, state=HazardState.REGISTERED)
    await open_first(inspector, "/rectify")
    await rectification_until_review(inspector, PHOTOS / "landscape_1.jpg", responsible="房东张三")
    assert "提交前请核对" in last_text(h, inspector), last_text(h, inspector)
    await _press_at_once([inspector, inspector], SUBMIT)
    assert not failures.records, failures.messages()
    assert (await hazard_row(h, hid)).state == "rectified"
    assert await _statuses(h, inspector) == ["submitted"]
    assert (await _events(h, hid)).count("rectify") <= 1, await _events(h, hid)


async def test_two_re_inspectors_passing_at_once_pass_once(harness: Harness, failures: FailureLog) -> None:
    h = harness
    [inspector] = await bind_cast(h, {85321: "李检查"})
    second = await h.bind(85322, "inspector", HOME, "赵复查")
    third = await h.bind(85323, "inspector", HOME, "钱复查")
    actor = await actor_of(h, inspector)
    hid = await hazard(h.core.uow, actor, state=HazardState.RECTIFIED)
    for chat in (second, third):
        await open_first(chat, "/rectify")
        await chat.press("复查合格")
        await chat.press(KEEP)
        await chat.say("赵复查")
        await chat.press("完成")
        assert "提交前请核对" in last_text(h, chat), last_text(h, chat)
    await _press_at_once([second, third], SUBMIT)
    assert not failures.records, failures.messages()
    assert (await hazard_row(h, hid)).state == "closure_requested"
    assert sorted([await _statuses(h, c) for c in (second, third)]) == [["cancelled"], ["submitted"]]
    for chat in (second, third):
        assert not ENGLISH.search(last_text(h, chat)), last_text(h, chat)


async def test_an_extension_approved_while_the_rectification_is_submitted_stays_consistent(
        harness: Harness, failures: FailureLog) -> None:
    from tests.rectify_chat import to_the_evidence_question
    from tests.test_deadlines import _requested

    h = harness
    inspector, office = await bind_cast(h, {85331: "李检查", 85332: "张办公室"})
    hid = await _requested(h, inspector)
    await office.press("审批延期申请")
    await to_the_evidence_question(inspector)
    await inspector.photo(PHOTOS / "landscape_1.jpg")
    await inspector.press("完成")
    approve, submit = office.latest_button("✅ 批准延期"), inspector.latest_button(SUBMIT)
    before = len(h.session.requests)
    await asyncio.gather(
        office._feed(office.factory.callback(office.user, approve.message, approve.callback_data or "")),
        inspector._feed(inspector.factory.callback(inspector.user, submit.message, submit.callback_data or "")))
    assert not failures.records, failures.messages()
    async with h.core.uow() as u:
        [request] = (await u.session.exec(select(DeadlineExtension).where(DeadlineExtension.hazard_id == hid))).all()
    row = await hazard_row(h, hid)
    if row.state == "registered":  # the report lost the race: told so on its card, kept to submit again
        told = [m for m in h.session.requests[before:] if getattr(m, "text", None)]
        said = " ".join(str(getattr(m, "text", "")) for m in told)
        assert "其他人刚刚处理了这条隐患" in said and "提交前请核对" in said, said
        assert await _statuses(h, inspector) == ["submitted", "active"]
        await inspector.press_button(inspector.latest_button(SUBMIT))
        row = await hazard_row(h, hid)
        async with h.core.uow() as u:
            [request] = (await u.session.exec(select(DeadlineExtension)
                                              .where(DeadlineExtension.hazard_id == hid))).all()
    assert row.state == "rectified", (row.state, last_text(h, inspector))
    assert request.status in ("approved", "lapsed"), request.status
    assert (row.deadline == date(2018, 11, 30)) == (request.status == "approved"), (row.deadline, request.status)
    for chat in (inspector, office):
        assert not ENGLISH.search(last_text(h, chat)), last_text(h, chat)
