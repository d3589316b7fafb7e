"""Every notice a committed change produces is written to the outbox in the change's own transaction and
delivered by the sender (issue 14), through the dispatcher on SQLite and PostgreSQL: it reaches its
recipients although the handler fails right after the commit (the actor's own answer raises), and although
the process dies between the commit and any delivery (a fresh sender on the same database delivers it); it
is in each recipient's own language, keeps its button, and goes out once per recipient and change.
The kill -9 variant on a real process is ``tests/scale/test_kill_notices.py``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import Chat, InlineKeyboardMarkup, Message
from sqlmodel import select

from bot.channels import telegram_address
from bot.clock import fixed_clock
from bot.local_chat import Button, LocalChat, plain
from bot.local_session import LocalSession
from bot.services.lifecycle import Action
from bot.updates import UpdateFactory
from handlers.callbacks import TipCb
from handlers.hazard_callbacks import CODE_OF, HazardCb
from reminders.sender import Sender
from reminders.settings import ReminderSettings
from storage.models import Hazard
from storage.models_reminders import ReminderOutbox
from tests.conftest import TODAY, Harness, open_harness
from tests.lifecycle_factories import hazard
from tests.tipoff_helpers import ADDRESS, DESCRIPTION, LAT, LON, SANLITUN, tipoff

INSPECTOR, REVIEWER, REPORTER, VERIFIER_EN, VERIFIER_ZH = 9101, 9102, 9103, 9104, 9105
UNPACED = ReminderSettings(global_rate=1e6, window_limit=10**6, per_chat_interval=0.0)


async def _bind(h: Harness, telegram_id: int, role: str, unit: str, name: str, language: str = "zh-hans") -> LocalChat:
    """Bound through a real invite; then the person writes from a client in ``language`` (``en``: English)."""
    await h.bind(telegram_id, role, unit, name)
    chat = h.chat(telegram_id, name, language)
    await chat.say("/start")
    return chat


def _sent(session: LocalSession, chat_id: int) -> list[SendMessage]:
    return [m for m in session.requests if isinstance(m, SendMessage) and m.chat_id == chat_id]


def _button_on(chat: LocalChat, data: str) -> Button:
    message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=chat.user.id, type="private"))
    return Button("forged", data, None, message)


def _fail_for(chat_id: int):  # type: ignore[no-untyped-def]
    """A Bot API that refuses everything addressed to ``chat_id`` (and every callback answer)."""

    def refuse(method: TelegramMethod[object]) -> None:
        if isinstance(method, AnswerCallbackQuery) or getattr(method, "chat_id", None) == chat_id:
            raise RuntimeError("the connection dropped")

    return refuse


async def _outbox(h: Harness) -> list[tuple[str, str, int, str]]:
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(ReminderOutbox).order_by(ReminderOutbox.id))).all()  # type: ignore[arg-type]
        return [(r.rule, r.subject, int(r.address), r.status) for r in rows]


async def test_the_inspector_is_told_although_the_reviewers_own_answer_fails_after_the_commit(harness: Harness) -> None:
    h = harness
    await _bind(h, INSPECTOR, "inspector", "建外街道", "Li Jiancha", "en")
    reviewer = await _bind(h, REVIEWER, "reviewer", "建外街道", "王审核")
    hid = await hazard(h.core.uow, await h.core.services.users.touch(telegram_address(INSPECTOR), "Li Jiancha", "en"))
    before = len(_sent(h.session, INSPECTOR))

    h.session.on_request = _fail_for(REVIEWER)
    await reviewer.press_button(_button_on(reviewer, HazardCb(id=hid, a=CODE_OF[Action.APPROVE]).pack()))
    h.session.on_request = None

    async with h.core.uow() as u:
        assert (await u.session.get(Hazard, hid)).state == "pending_confirmation"  # type: ignore[union-attr]
    told = [plain(m.text) for m in _sent(h.session, INSPECTOR)[before:]]
    assert len(told) == 1 and "approved by 王审核" in told[0] and "awaiting the district office" in told[0], told
    assert [(rule, status) for rule, _s, chat, status in await _outbox(h) if chat == INSPECTOR] == [
        ("notice.hazard_step", "sent")]


async def test_verifiers_hear_of_a_tipoff_in_their_language_with_its_button_although_the_receipt_fails(
    harness: Harness,
) -> None:
    h = harness
    english = await _bind(h, VERIFIER_EN, "inspector", SANLITUN, "Wang", "en")
    chinese = await _bind(h, VERIFIER_ZH, "reviewer", SANLITUN, "赵核实")
    reporter = h.chat(REPORTER, "市民")

    await reporter.say("/report")
    await reporter.say(DESCRIPTION)
    await reporter.press("跳过")  # photos
    await reporter.location(LAT, LON, ADDRESS)
    await reporter.press("保持当前")  # township
    await reporter.press("跳过")  # contact
    h.session.on_request = _fail_for(REPORTER)
    await reporter.press("提交")  # committed; the receipt (and the apology) cannot be sent
    h.session.on_request = None
    async with h.core.uow() as u:
        from storage.models_tipoffs import TipOff

        tip = (await u.session.exec(select(TipOff))).one()
    for chat, words, button in ((english, "New tip-off from the public", "Open tip-off"),
                                (chinese, "新的群众举报", "查看举报")):
        notices = [m for m in _sent(h.session, chat.user.id) if tip.number in (m.text or "")]
        assert len(notices) == 1 and words in plain(notices[0].text), [plain(m.text) for m in notices]
        markup = notices[0].reply_markup
        assert isinstance(markup, InlineKeyboardMarkup)
        [[open_button]] = markup.inline_keyboard
        assert open_button.text == button
        assert open_button.callback_data == TipCb(a="v", id=tip.id).pack()
    await chinese.press("查看举报")  # the button works: it opens the card (and marks the tip-off as being verified)
    assert tip.number in chinese.last_text() and "举报" in chinese.last_text()
    assert (await tipoff(h, tip.number)).status == "verifying"
    assert "街乡正在核实" in plain(_sent(h.session, REPORTER)[-1].text)  # the reporter's news, in Chinese

    sent = len(h.session.requests)
    again = await Sender(h.bot, h.core.uow, UNPACED, h.core.settings.tz, h.core.clock).run_until_done()
    assert again.sent == 0 and len(h.session.requests) == sent  # once per recipient and change
    verifier_rows = [r for r in await _outbox(h) if r[0] == "notice.tipoff_new"]
    assert sorted(chat for _r, _s, chat, _st in verifier_rows) == [VERIFIER_EN, VERIFIER_ZH]


async def test_a_notice_committed_before_the_process_died_is_delivered_by_a_fresh_sender(
    database_url: str, tmp_path: Path
) -> None:
    clock = fixed_clock(TODAY)
    async with open_harness(database_url, tmp_path, clock=clock) as first:
        await _bind(first, INSPECTOR, "inspector", "建外街道", "Li Jiancha", "en")
        await _bind(first, REVIEWER, "reviewer", "建外街道", "王审核")
        hid = await hazard(first.core.uow, await first.core.services.users.touch(telegram_address(INSPECTOR), "Li Jiancha", "en"))
        # this process delivers nothing after the update, and its answer to the reviewer never returns
        reviewer = LocalChat(first.dp, first.bot, first.session, first.factory, UpdateFactory.user(REVIEWER, "王审核"))
        stuck = asyncio.Event()
        answer = first.session.make_request

        async def hang(bot: Any, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
            if getattr(method, "chat_id", None) == REVIEWER or isinstance(method, AnswerCallbackQuery):
                stuck.set()
                await asyncio.Event().wait()
            return await answer(bot, method, timeout)

        first.session.make_request = hang  # type: ignore[method-assign]
        press = asyncio.create_task(reviewer.press_button(_button_on(reviewer, HazardCb(id=hid, a="ap").pack())))
        await asyncio.wait_for(stuck.wait(), 30)
        press.cancel()  # the process dies right after the commit: nothing was sent to the inspector
        await asyncio.gather(press, return_exceptions=True)
        async with first.core.uow() as u:
            assert (await u.session.get(Hazard, hid)).state == "pending_confirmation"  # type: ignore[union-attr]
        assert not any("approved" in (m.text or "") for m in _sent(first.session, INSPECTOR))

    async with open_harness(database_url, tmp_path / "restarted", clock=clock) as second:
        stats = await Sender(second.bot, second.core.uow, UNPACED, second.core.settings.tz, clock).run_until_done()
        told = [plain(m.text) for m in _sent(second.session, INSPECTOR)]
        assert stats.sent == 1 and len(told) == 1 and "approved by 王审核" in told[0], told


async def test_someone_who_blocked_the_bot_is_skipped_until_they_write_to_it_again(harness: Harness) -> None:
    h = harness
    inspector = await _bind(h, INSPECTOR, "inspector", "建外街道", "李检查")
    reviewer = await _bind(h, REVIEWER, "reviewer", "建外街道", "王审核")
    actor = await h.core.services.users.touch(telegram_address(INSPECTOR), "李检查", "zh-hans")
    first, second, third = [await hazard(h.core.uow, actor) for _ in range(3)]

    def blocked(method: TelegramMethod[object]) -> None:
        if isinstance(method, SendMessage) and method.chat_id == INSPECTOR:
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")

    h.session.on_request = blocked
    await reviewer.press_button(_button_on(reviewer, HazardCb(id=first, a="ap").pack()))  # 403: marked blocked
    h.session.on_request = None
    await reviewer.press_button(_button_on(reviewer, HazardCb(id=second, a="ap").pack()))  # not even tried
    assert [status for _r, _s, chat, status in await _outbox(h) if chat == INSPECTOR] == ["blocked", "blocked"]
    tried = [plain(m.text) for m in _sent(h.session, INSPECTOR) if "审核通过" in (m.text or "")]
    assert len(tried) == 1, tried  # the first, refused with 403; the second was not sent

    await inspector.say("/start")  # back: writing to the bot again
    await reviewer.press_button(_button_on(reviewer, HazardCb(id=third, a="ap").pack()))
    told = [plain(m.text) for m in _sent(h.session, INSPECTOR) if "审核通过" in (m.text or "")]
    assert len(told) == 2 and told[-1] != told[0], told
    assert [status for _r, _s, chat, status in await _outbox(h) if chat == INSPECTOR] == ["blocked", "blocked", "sent"]
