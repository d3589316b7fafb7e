"""Review-card edits pressed out of order through the real dispatcher on SQLite and PostgreSQL: the old card's
submit after an edit began, two edit buttons at once, an edit kept as it was, back past the first question: the
draft stays consistent and nothing is submitted half-edited."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.local_chat import LocalChat
from storage.models import Draft, Hazard
from tests.chat_helpers import SUBMIT, actor_of
from tests.conftest import FailureLog, Harness
from tests.forms_flow import fill_hazard_until_review

HOME = "110105001"


async def _draft(h: Harness, chat: LocalChat) -> Draft:
    user_id = (await actor_of(h, chat)).user_id
    async with h.core.uow() as u:
        return (await u.session.exec(select(Draft).where(Draft.user_id == user_id))).one()


async def _hazards(h: Harness) -> list[Hazard]:
    async with h.core.uow() as u:
        return list((await u.session.exec(select(Hazard))).all())


async def test_the_old_cards_submit_after_an_edit_began_submits_nothing(harness: Harness,
                                                                         failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85701, "inspector", HOME, "王检查")
    await fill_hazard_until_review(chat)
    submit = chat.latest_button(SUBMIT)
    await chat.press("修改：单位名称")
    sent = await chat.press_button(submit)
    assert not await _hazards(h), chat.texts(sent)
    draft = await _draft(h, chat)
    assert draft.status == "active" and draft.step == "site_name", (draft.status, draft.step)
    await chat.say("李XX仓库")
    assert "提交前请核对" in chat.last_text() and "李XX仓库" in chat.last_text(), chat.last_text()
    await chat.press(SUBMIT)
    [hazard] = await _hazards(h)
    assert hazard.site_name == "李XX仓库"
    assert not failures.records, failures.messages()


async def test_two_edit_buttons_at_once_leave_one_question_asked(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85702, "inspector", HOME, "王检查")
    await fill_hazard_until_review(chat)
    first, second = chat.latest_button("修改：单位名称"), chat.latest_button("修改：备注")
    await asyncio.gather(*(chat._feed(h.factory.callback(chat.user, b.message, b.callback_data or ""))
                           for b in (first, second)))
    assert not failures.records, failures.messages()
    draft = await _draft(h, chat)
    assert draft.step in ("site_name", "remarks") and draft.reviewing, (draft.step, draft.reviewing)
    await chat.say("/resume")
    await chat.press("保持当前值")  # the edit asked now, kept as it was: back on the card
    assert "提交前请核对" in chat.last_text(), chat.last_text()
    await chat.press(SUBMIT)
    [hazard] = await _hazards(h)
    assert hazard.site_name == "张XX出租房"


async def test_back_at_the_first_question_stays_there(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85703, "inspector", HOME, "王检查")
    await chat.say("/hazard")
    for _ in range(3):
        labels = [b.text for b in chat.buttons()]
        if any("上一步" in x for x in labels):
            await chat.press("上一步")
        await chat.say("/back")
    assert not failures.records, failures.messages()
    draft = await _draft(h, chat)
    assert draft.step == "township" and draft.history == [], (draft.step, draft.history)
