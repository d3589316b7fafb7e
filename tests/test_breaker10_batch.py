"""/office's batch under hostile timing, through the dispatcher (SQLite): a ticked hazard handled by another officer
after the question was asked is refused by name in the answer (not counted as done); the question's «confirm»
pressed again after the batch ran does nothing twice; a tick forged on a hazard of another state is refused."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery

from bot.domain import HazardState
from handlers.office_batch import BatchCb
from tests.chat_helpers import actor_of
from tests.conftest import Harness
from tests.lifecycle_factories import hazard
from tests.test_office_batch_presses import _button

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _alerts(h: Harness) -> list[str]:
    return [m.text or "" for m in h.session.requests if isinstance(m, AnswerCallbackQuery) and m.show_alert]


async def test_a_hazard_handled_between_question_and_confirm_is_refused_by_name(harness: Harness) -> None:
    h = harness
    office = await h.bind(9721, "office", "区安委会办公室")
    inspector = await actor_of(h, await h.bind(9722, "inspector", "110105001"))
    ids = [await hazard(h.core.uow, inspector, state=HazardState.PENDING_CONFIRMATION, site_name=f"批量{i}号")
           for i in range(3)]
    draft = await hazard(h.core.uow, inspector, state=HazardState.PENDING_REVIEW, site_name="审核中")
    await office.say("/office")
    await office.press_button(_button(h, office, BatchCb(a="m").pack()))
    await office.press_button(_button(h, office, BatchCb(a="t", id=draft).pack()))  # not in the list: forged
    assert "已选 0 项" in office.last_text(), office.last_text()
    for i in ids:
        await office.press_button(_button(h, office, BatchCb(a="t", id=i).pack()))
    await office.press_button(_button(h, office, BatchCb(a="r").pack()))
    assert "将所选 3 项隐患挂账" in office.last_text(), office.last_text()
    confirm = office.latest_button("✅ 确认")
    other = await actor_of(h, await h.bind(9723, "office", "区安委会办公室"))
    await h.core.services.lifecycle.register(other, ids[1])  # handled meanwhile by another officer
    await office.press_button(confirm)
    text = office.last_text()
    assert text.startswith("挂账 2/3 项"), text
    assert "❌ 批量1号" in text and "✅ 批量0号" in text and "✅ 批量2号" in text, text
    await office.press_button(confirm)  # the same «confirm» again: nothing runs twice
    assert _alerts(h)[-1] == "提问后选择已变，请查看后重新确认。", _alerts(h)[-1]
    assert office.last_text() == text
