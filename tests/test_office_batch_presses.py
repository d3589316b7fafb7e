"""/office's batch mode under quick presses (issue 16 item 1), through the dispatcher on SQLite and PostgreSQL with
the conversation kept in the database (``SqlStorage``, the run modes without Redis): ticks pressed at once, as
Telegram delivers a quick tapper's presses to handlers running side by side, are all kept; a «confirm» tapped
twice at once runs the batch once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiogram.types import Message

from bot.clock import fixed_clock
from bot.local_chat import Button, LocalChat
from handlers.office_batch import BatchCb
from tests.conftest import TODAY, FailureLog, Harness, open_harness


def _button(h: Harness, chat: LocalChat, data: str) -> Button:
    """A button with ``data`` on the latest message sent to ``chat`` (the ids below name no hazard: a batch
    refuses each by name, which is all these presses need)."""
    message = [r for m, r in h.session.responses if isinstance(r, Message) and r.chat.id == chat.user.id][-1]
    return Button("b", data, None, message)


async def test_ticks_pressed_at_once_are_all_kept_and_a_double_confirm_runs_once(
        database_url: str, tmp_path: Path, failures: FailureLog) -> None:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(TODAY), stored_state=True) as h:
        office = await h.bind(9701, "office", "区安委会办公室")
        await office.say("/office")
        ids = range(900_001, 900_009)
        await asyncio.gather(*(office.press_button(_button(h, office, BatchCb(a="t", id=i).pack())) for i in ids))
        await office.press_button(_button(h, office, BatchCb(a="m").pack()))
        assert "已选 8 项" in office.last_text(), office.last_text()
        await office.press_button(_button(h, office, BatchCb(a="r").pack()))
        assert "将所选 8 项隐患挂账" in office.last_text()
        confirm = office.latest_button("✅ 确认")
        sent = await asyncio.gather(office.press_button(confirm), office.press_button(confirm))
        results = [t for t in office.texts([m for s in sent for m in s]) if t.startswith("挂账 0/8 项")]
        assert len(results) == 1, results
        assert failures.messages() == []
