"""/report_info beside the office's other work (issue 16): the district office also owes its monthly work
information, and sending it (/report_info … /done, or /cancel) leaves what the clerk had open elsewhere as it
was — the hazards ticked in /office's batch mode and the filters of earlier /find messages — through the
dispatcher on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from aiogram.types import Message

from bot.domain import HazardState
from bot.local_chat import Button, LocalChat
from handlers.office_batch import BatchCb
from tests.chat_helpers import actor_of
from tests.conftest import FailureLog, Harness
from tests.lifecycle_factories import hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently


def _button(h: Harness, chat: LocalChat, data: str) -> Button:
    message = [r for m, r in h.session.responses if isinstance(r, Message) and r.chat.id == chat.user.id][-1]
    return Button("b", data, None, message)


async def test_sending_work_information_keeps_the_batch_selection_and_the_find_filters(
        harness: Harness, failures: FailureLog) -> None:
    h = harness
    office = await h.bind(9801, "office", "区安委会办公室")
    inspector = await actor_of(h, await h.bind(9802, "inspector", "110105001"))
    waiting = await hazard(h.core.uow, inspector, state=HazardState.PENDING_CONFIRMATION)
    await office.say("/find 超期 重大")
    filter_button = office.latest_button("筛选条件")
    await office.say("/office")
    await office.press_button(_button(h, office, BatchCb(a="t", id=waiting).pack()))
    for ending in ("/done", "/cancel"):
        await office.say("/report_info")
        await office.press("工作信息或典型案例")
        await office.say("本月工作信息：开展专项检查。")
        await office.say(ending)
        await office.press_button(filter_button)  # the earlier /find message's filter is still kept
        assert "· 隐患级别：重大隐患" in office.last_text() and "：✔" in office.last_text(), office.last_text()
        await office.press_button(_button(h, office, BatchCb(a="m").pack()))
        assert "已选 1 项" in office.last_text(), office.last_text()
    assert failures.messages() == []
