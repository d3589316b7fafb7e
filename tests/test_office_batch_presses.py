"""/office's batch mode under quick presses (issue 16 item 1), through the dispatcher on SQLite and PostgreSQL with
the conversation kept in the database (``SqlStorage``, the run modes without Redis): ticks pressed at once, as
Telegram delivers a quick tapper's presses to handlers running side by side, are all kept; a «confirm» tapped
twice at once runs the batch once. A tick counts only a hazard in the list: a forged id, or one moved meanwhile, is
never selected."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Message

from bot.clock import fixed_clock
from bot.domain import HazardState
from bot.local_chat import Button, LocalChat
from handlers.office_batch import BatchCb
from tests.chat_helpers import actor_of
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
