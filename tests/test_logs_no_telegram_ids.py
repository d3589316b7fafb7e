"""Nothing personal in the logs, at any level (issue 14, finding 4): a Telegram id identifies a person (a
reporter's is their identity), so the logs name people by the id of our own user table at most. Driven
through the dispatcher at DEBUG, on SQLite and PostgreSQL: buttons refused to an unbound user and to
someone outside the hazard's unit, a notice that cannot be delivered, and a failure whose apology cannot
be sent either. Both what the structured handler writes and the raw records are searched."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import Chat, Message

from bot.channels import telegram_address
from bot.local_chat import Button, LocalChat
from bot.services.lifecycle import Action
from handlers.hazard_callbacks import CODE_OF, HazardCb
from tests.conftest import Harness
from tests.lifecycle_factories import hazard
from tests.log_capture import debug_log

# ten-digit ids, so that no count, duration or row id in a log line can contain one by chance
STRANGER, OUTSIDER, INSPECTOR, REVIEWER = 7_310_000_017, 7_310_000_029, 7_310_000_031, 7_310_000_043
IDS = (STRANGER, OUTSIDER, INSPECTOR, REVIEWER)


def _press(chat: LocalChat, data: str) -> Button:
    """A button with ``data`` on a message in ``chat`` (forged: no keyboard ever carried it)."""
    message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=chat.user.id, type="private"))
    return Button("forged", data, None, message)


async def test_refused_buttons_undeliverable_notices_and_failures_log_no_telegram_id(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with debug_log() as stream:
        caplog.set_level(logging.DEBUG)
        inspector = await harness.bind(INSPECTOR, "inspector", "建外街道", name="李检查")
        reviewer = await harness.bind(REVIEWER, "reviewer", "建外街道", name="王审核")
        outsider = await harness.bind(OUTSIDER, "reviewer", "朝外街道", name="赵外人")
        stranger = harness.chat(STRANGER, "陌生人")
        actor = await harness.core.services.users.touch(telegram_address(INSPECTOR), "李检查", "zh-hans")
        hid = await hazard(harness.core.uow, actor)
        approve = HazardCb(id=hid, a=CODE_OF[Action.APPROVE]).pack()

        await stranger.press_button(_press(stranger, approve))  # not bound
        await outsider.press_button(_press(outsider, approve))  # another township's reviewer
        assert sum("refused callback" in r.getMessage() for r in caplog.records) == 2

        def inspector_blocked_the_bot(method: TelegramMethod[object]) -> None:
            if isinstance(method, SendMessage) and method.chat_id == INSPECTOR:
                raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")

        harness.session.on_request = inspector_blocked_the_bot
        await reviewer.press_button(_press(reviewer, approve))  # the inspector's notice cannot be delivered
        harness.session.on_request = None

        def everything_fails(method: TelegramMethod[object]) -> None:
            if isinstance(method, SendMessage | AnswerCallbackQuery):
                raise RuntimeError("network down")

        harness.session.on_request = everything_fails
        await stranger.say("/start")  # fails, and so does the apology
        await inspector.press_button(_press(inspector, HazardCb(id=hid, a="o").pack()))
        harness.session.on_request = None
        assert any("failure" in r.getMessage() or "failed" in r.getMessage() for r in caplog.records)
    written = stream.getvalue()
    raw = "\n".join(r.getMessage() + (caplog.text if r.exc_info else "") for r in caplog.records)
    assert "refused callback" in written
    for telegram_id in IDS:
        assert str(telegram_id) not in written, [line[:300] for line in written.splitlines() if str(telegram_id) in line]
        assert str(telegram_id) not in raw, [line[:300] for line in raw.splitlines() if str(telegram_id) in line]
