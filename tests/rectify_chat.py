"""The rectification report (整改验收报告) by chat, as the tests of its evidence question and of what the report
closes take it: open it from /rectify and keep each answer of the five implementations until the evidence
question (验收材料) is asked."""

from __future__ import annotations

from bot.domain import HazardState
from bot.local_chat import LocalChat
from tests.chat_helpers import actor_of, open_first
from tests.conftest import Harness
from tests.lifecycle_factories import hazard

EVIDENCE = "验收材料"


async def to_the_evidence_question(chat: LocalChat) -> None:
    """From the unit's chat: /rectify, its first hazard, 报告整改, each plan answer kept, until 验收材料 is asked."""
    await open_first(chat, "/rectify")
    await chat.press("报告整改")
    while EVIDENCE not in chat.last_text():
        await chat.press(1)


async def inspector_at_the_evidence_question(h: Harness, user_id: int, unit: str = "建外街道") -> tuple[LocalChat, int]:
    """A new inspector of ``unit`` with one registered general hazard, asked for its acceptance evidence."""
    chat = await h.bind(user_id, "inspector", unit, "李检查")
    hid = await hazard(h.core.uow, await actor_of(h, chat), state=HazardState.REGISTERED)
    await to_the_evidence_question(chat)
    return chat, hid
