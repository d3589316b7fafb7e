"""A reporter's hostile presses through the real dispatcher on SQLite and PostgreSQL: another person's tip-off
number in /add, /track and forged 补充/未整改 buttons, the add button twice at once, an addition submitted twice
at once, and an addition's photos: nothing of another's tip-off is told or changed, each is answered in Chinese."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiogram.methods import AnswerCallbackQuery
from sqlmodel import select

from bot.local_chat import Button, LocalChat
from handlers.callbacks import TrackCb
from storage.models_tipoffs import TipOff, TipOffAddition, TipOffPhoto
from tests.conftest import FailureLog, Harness
from tests.tipoff_helpers import ADDRESS, PHOTOS, last, report

ENGLISH = re.compile(r"[A-Za-z]{3,}( [A-Za-z]{2,}){2,}")


def _said(chat: LocalChat, sent: list[object]) -> str:
    alerts = [m.text or "" for m in sent if isinstance(m, AnswerCallbackQuery)]
    return " ".join(alerts + chat.texts(sent))  # type: ignore[arg-type]


async def _two_reporters(h: Harness, base: int) -> tuple[LocalChat, LocalChat, str]:
    owner, stranger = h.chat(base, "热心群众"), h.chat(base + 1, "路人")
    number = await report(owner, photos=[PHOTOS / "landscape_1.jpg"])
    await stranger.say("/my_reports")
    return owner, stranger, number


@pytest.mark.parametrize("command", ["/add {n}", "/track {n}", "/add {n}@other_bot", "/track  {n}  "])
async def test_anothers_tip_off_number_tells_nothing_of_it(harness: Harness, failures: FailureLog,
                                                           command: str) -> None:
    h = harness
    _owner, stranger, number = await _two_reporters(h, 85601)
    said = _said(stranger, await stranger.say(command.format(n=number)))
    assert said and ADDRESS not in said and "幸福村" not in said, said
    assert not ENGLISH.search(said), said
    assert not failures.records, failures.messages()


@pytest.mark.parametrize("action", ["add", "nf", "zz"])
async def test_a_forged_track_button_of_anothers_tip_off_changes_nothing(harness: Harness, failures: FailureLog,
                                                                         action: str) -> None:
    h = harness
    _owner, stranger, number = await _two_reporters(h, 85611)
    async with h.core.uow() as u:
        before = (await u.session.exec(select(TipOff))).one()
    message = stranger.buttons()[0].message if stranger.buttons() else stranger._message_for(
        h.session.requests[-1])
    sent = await stranger.press_button(Button("forged", TrackCb(a=action, n=number).pack(), None, message))
    said = _said(stranger, sent)
    assert len([m for m in sent if isinstance(m, AnswerCallbackQuery)]) == 1, sent
    assert ADDRESS not in said and not ENGLISH.search(said), said
    async with h.core.uow() as u:
        after = (await u.session.exec(select(TipOff))).one()
    assert (after.status, after.updated_at if hasattr(after, "updated_at") else None) == (
        before.status, before.updated_at if hasattr(before, "updated_at") else None)
    assert not failures.records, failures.messages()


async def test_an_addition_submitted_twice_at_once_adds_its_photo_once(harness: Harness,
                                                                       failures: FailureLog) -> None:
    h = harness
    owner = h.chat(85621, "热心群众")
    number = await report(owner, photos=[PHOTOS / "landscape_1.jpg"])
    await owner.say(f"/add {number}")
    await owner.say("楼道里的电动车今天还在充电")
    await owner.photo(PHOTOS / "landscape_2.jpg")
    while "提交" not in [b.text for b in owner.buttons()] and "✅ 提交" not in [b.text for b in owner.buttons()]:
        labels = [b.text for b in owner.buttons()]
        pick = next((x for x in labels if x.startswith("完成") or x == "跳过"), None)
        assert pick is not None, (labels, last(owner))
        await owner.press(pick)
    submit = next(b for b in owner.buttons() if "提交" in b.text)
    taps = [h.factory.callback(owner.user, submit.message, submit.callback_data or "") for _ in range(2)]
    await asyncio.gather(*(owner._feed(t) for t in taps))
    assert not failures.records, failures.messages()
    async with h.core.uow() as u:
        photos = (await u.session.exec(select(TipOffPhoto))).all()
        additions = (await u.session.exec(select(TipOffAddition))).all()
    assert len(photos) == 2 and len(additions) == 1, (photos, additions)


async def test_two_inspectors_verifying_one_tip_off_at_once_make_one_hazard(harness: Harness,
                                                                           failures: FailureLog) -> None:
    from storage.models import Hazard
    from tests.tipoff_helpers import SANLITUN, verify_as_hazard

    h = harness
    first = await h.bind(85631, "inspector", SANLITUN, "李检查")
    second = await h.bind(85632, "inspector", SANLITUN, "赵检查")
    number = await report(h.chat(85633, "热心群众"))
    for chat in (first, second):
        await chat.say("/tipoffs")
        await chat.press(len(chat.buttons()))
        await verify_as_hazard(chat, submit=False)
    taps = [(c, c.latest_button("✅ 提交")) for c in (first, second)]
    await asyncio.gather(*(c._feed(h.factory.callback(c.user, b.message, b.callback_data or "")) for c, b in taps))
    assert not failures.records, failures.messages()
    async with h.core.uow() as u:
        hazards = (await u.session.exec(select(Hazard))).all()
        [tip] = (await u.session.exec(select(TipOff).where(TipOff.number == number))).all()
    assert len(hazards) == 1 and tip.hazard_id == hazards[0].id, (hazards, tip)
    for chat in (first, second):
        assert not ENGLISH.search(last(chat)), last(chat)


async def test_not_confirmed_pressed_by_two_verifiers_at_once_is_told_once(harness: Harness,
                                                                          failures: FailureLog) -> None:
    from handlers.callbacks import TipCb
    from tests.tipoff_helpers import SANLITUN, sent_to

    h = harness
    first = await h.bind(85641, "inspector", SANLITUN, "李检查")
    second = await h.bind(85642, "inspector", SANLITUN, "赵检查")
    reporter = h.chat(85643, "热心群众")
    number = await report(reporter)
    async with h.core.uow() as u:
        [tip] = (await u.session.exec(select(TipOff).where(TipOff.number == number))).all()
    told_before = len(sent_to(reporter.user.id, h.session))
    taps = []
    for chat in (first, second):
        await chat.say("/tipoffs")
        message = chat.buttons()[0].message
        taps.append((chat, h.factory.callback(chat.user, message, TipCb(a="rc", id=tip.id or 0, i=0).pack())))
    await asyncio.gather(*(c._feed(t) for c, t in taps))
    assert not failures.records, failures.messages()
    async with h.core.uow() as u:
        [tip] = (await u.session.exec(select(TipOff).where(TipOff.number == number))).all()
    assert tip.status == "not_confirmed", tip.status
    told = sent_to(reporter.user.id, h.session)[told_before:]
    assert len(told) == 1, told  # the reporter hears it once
