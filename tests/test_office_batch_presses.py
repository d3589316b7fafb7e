"""/office's batch mode under quick presses (issue 16 item 1), through the dispatcher on SQLite and PostgreSQL with
the conversation kept in the database (``SqlStorage``, the run modes without Redis): ticks pressed at once, as
Telegram delivers a quick tapper's presses to handlers running side by side, are all kept; a «confirm» tapped
twice at once runs the batch once. A tick counts only a hazard in the list: a forged id, or one moved meanwhile, is
never selected. A selection mixing hazards awaiting 挂账 and 销账: each action counts and takes its own, leaves the
others ticked for the other action (the service refuses them with their true state), and its note counts the
hazards done."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Message
from sqlalchemy import update
from sqlmodel import select

from bot.clock import fixed_clock
from bot.domain import HazardState
from bot.local_chat import Button, LocalChat
from bot.services.lifecycle import Action
from handlers.office_batch import BatchCb
from storage.models import Hazard, HazardEvent
from tests.chat_helpers import actor_of, sent_to
from tests.conftest import TODAY, FailureLog, Harness, open_harness
from tests.lifecycle_factories import hazard


def _button(h: Harness, chat: LocalChat, data: str) -> Button:
    """A button with ``data`` on the latest message sent to ``chat``, as a quick, stale or forged press carries."""
    message = [r for m, r in h.session.responses if isinstance(r, Message) and r.chat.id == chat.user.id][-1]
    return Button("b", data, None, message)


async def test_ticks_pressed_at_once_are_all_kept_and_a_double_confirm_runs_once(
        database_url: str, tmp_path: Path, failures: FailureLog) -> None:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(TODAY), stored_state=True) as h:
        office = await h.bind(9701, "office", "区安委会办公室")
        inspector = await actor_of(h, await h.bind(9702, "inspector", "110105001"))
        ids = [await hazard(h.core.uow, inspector, state=HazardState.PENDING_CONFIRMATION) for _ in range(8)]
        await office.say("/office")
        await asyncio.gather(*(office.press_button(_button(h, office, BatchCb(a="t", id=i).pack())) for i in ids))
        await office.press_button(_button(h, office, BatchCb(a="m").pack()))
        assert "已选 8 项" in office.last_text(), office.last_text()
        await office.press_button(_button(h, office, BatchCb(a="r").pack()))
        assert "将所选 8 项隐患挂账" in office.last_text()
        confirm = office.latest_button("✅ 确认")
        sent = await asyncio.gather(office.press_button(confirm), office.press_button(confirm))
        results = [t for t in office.texts([m for s in sent for m in s]) if t.startswith("挂账 8/8 项")]
        assert len(results) == 1, results
        assert failures.messages() == []


def _alerts(h: Harness) -> list[str]:
    return [m.text or "" for m in h.session.requests if isinstance(m, AnswerCallbackQuery) and m.show_alert]


async def test_a_forged_or_stale_tick_is_not_counted_as_selected(harness: Harness) -> None:
    h = harness
    office = await h.bind(9711, "office", "区安委会办公室")
    await office.say("/office")  # an empty list
    await office.press_button(_button(h, office, BatchCb(a="m").pack()))
    for forged in (424_242, 424_243):  # ids of no hazard, pressed as ticks
        await office.press_button(_button(h, office, BatchCb(a="t", id=forged).pack()))
        assert _alerts(h)[-1] == "该隐患已不在此列表中（已被处理，或没有这项隐患）。"
        assert "已选 0 项" in office.last_text(), office.last_text()
    await office.press_button(_button(h, office, BatchCb(a="r").pack()))
    assert _alerts(h)[-1] == "尚未选择：请先勾选隐患。"
    # a hazard ticked, then registered by another officer: it leaves the list and the count
    inspector = await actor_of(h, await h.bind(9712, "inspector", "110105001"))
    hid = await hazard(h.core.uow, inspector, state=HazardState.PENDING_CONFIRMATION)
    await office.press_button(_button(h, office, BatchCb(a="t", id=hid).pack()))
    assert "已选 1 项" in office.last_text() and "📒 挂账所选（1）" in [b.text for b in office.buttons()]
    other = await actor_of(h, await h.bind(9713, "office", "区安委会办公室"))
    await h.core.services.lifecycle.register(other, hid)
    await office.press_button(_button(h, office, BatchCb(a="m").pack()))
    assert "已选 0 项" in office.last_text(), office.last_text()
    await office.press_button(_button(h, office, BatchCb(a="r").pack()))
    assert _alerts(h)[-1] == "尚未选择：请先勾选隐患。"


async def _tick(h: Harness, office: LocalChat, *ids: int) -> None:
    await office.press_button(_button(h, office, BatchCb(a="m").pack()))
    for i in ids:
        await office.press_button(_button(h, office, BatchCb(a="t", id=i).pack()))


async def _notes(h: Harness, hid: int, action: str) -> list[str | None]:
    async with h.core.uow() as u:
        return list((await u.session.exec(select(HazardEvent.note).where(
            HazardEvent.hazard_id == hid, HazardEvent.action == action))).all())


@pytest.mark.sqlite_only
async def test_a_mixed_selection_counts_and_takes_per_action_and_keeps_the_rest_ticked(harness: Harness) -> None:
    h = harness
    office = await h.bind(9721, "office", "区安委会办公室")
    inspector_chat = await h.bind(9722, "inspector", "110105001")
    inspector = await actor_of(h, inspector_chat)
    zhang = await actor_of(h, await h.bind(9723, "office", "区安委会办公室", name="张办公室"))
    to_register = await hazard(h.core.uow, inspector, state=HazardState.PENDING_CONFIRMATION, site_name="甲出租房")
    to_close = await hazard(h.core.uow, inspector, state=HazardState.PENDING_CONFIRMATION, site_name="乙出租房")
    await h.core.services.lifecycle.register(zhang, to_close)  # registered by 张办公室 long ago, since re-inspected
    async with h.core.uow() as u:
        await u.session.exec(update(Hazard).where(Hazard.id == to_close)  # type: ignore[call-overload]
                             .values(state=HazardState.CLOSURE_REQUESTED.value))
        await u.commit()
    await office.say("/office")
    await _tick(h, office, to_close, to_register)
    assert "已选 2 项" in office.last_text()
    buttons = [b.text for b in office.buttons()]
    assert "📒 挂账所选（1）" in buttons and "🗂 销账所选（1）" in buttons, buttons
    await office.press("挂账所选")
    question = office.last_text()
    assert "将所选 1 项隐患挂账" in question and "所选另有 1 项待销账" in question, question
    told_before = len(sent_to(h, inspector_chat))
    await office.press_button(office.latest_button("✅ 确认"))
    answer = office.last_text()
    assert answer.startswith("挂账 1/1 项") and "❌" not in answer, answer
    assert "所选另有 1 项待销账，仍保持勾选" in answer, answer  # not acted on: still ticked, to close next
    assert await _notes(h, to_register, "register") == ["批量挂账（同批 1 项）"]
    told = sent_to(h, inspector_chat)[told_before:]
    assert any("批量挂账（同批 1 项）" in t for t in told) and not any("同批 2 项" in t for t in told), told
    # the service, given a mixed selection, refuses the other kind with its true state, not "already done by …"
    result = await h.core.services.office_batch.run(zhang, Action.REGISTER, [to_close])
    assert [r.error.code for r in result.refused] == ["invalid_transition"], result

    # closing: the hazard awaiting 销账 is ticked still; a new one awaiting 挂账 ticked beside it stays ticked after
    third = await hazard(h.core.uow, inspector, state=HazardState.PENDING_CONFIRMATION, site_name="丙出租房")
    await _tick(h, office, third)
    assert "已选 2 项" in office.last_text(), office.last_text()
    buttons = [b.text for b in office.buttons()]
    assert "📒 挂账所选（1）" in buttons and "🗂 销账所选（1）" in buttons, buttons
    await office.press("销账所选")
    question = office.last_text()
    assert "将所选 1 项隐患销账" in question and "批量销账（同批 1 项）" in question and "所选另有 1 项待挂账" in question
    await office.press_button(office.latest_button("✅ 确认"))
    answer = office.last_text()
    assert answer.startswith("销账 1/1 项") and "所选另有 1 项待挂账，仍保持勾选" in answer, answer
    assert await _notes(h, to_close, "close") == ["批量销账（同批 1 项）"]
    assert await _notes(h, third, "close") == []
    # an action none of the ticked hazards awaits is not asked
    await _tick(h, office)
    assert "已选 1 项" in office.last_text(), office.last_text()
    assert "🗂 销账所选（0）" in [b.text for b in office.buttons()]
    await office.press("销账所选")
    assert _alerts(h)[-1] == "所选隐患中没有待销账的。"
