"""One error path (issue 18): a domain error raised in a message handler and one raised in a button handler
reach the one error handler on the root router (``handlers.errors``), which answers in the person's language
from the one renderer (``handlers.error_texts``), through the dispatcher on SQLite and PostgreSQL; and the
handlers catch no ``DomainError`` themselves (the issue's done criterion, counted in the source)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Chat, Message, ReplyKeyboardRemove
from aiogram.types import Contact as TgContact

from bot.domain import Role
from bot.local_chat import LocalChat
from handlers.hazard_callbacks import OPEN, HazardCb
from tests.conftest import FailureLog, Harness

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
WORDS = {  # the invite code refused (a message), a hazard nobody has (a button)
    "zh-hans": ("邀请码不存在", "未找到"),
    "en": ("This invite code does not exist", "Not found, or not within your scope"),
}


async def _inspector(h: Harness, user_id: int, language: str) -> LocalChat:
    issued = await h.core.services.invites.issue(Role.INSPECTOR, "建外街道", issuer=None)
    chat = h.chat(user_id, "检查员", language)
    await chat.say(f"/bind {issued.code}")
    assert ("已绑定" if language == "zh-hans" else "Bound") in chat.last_text(), chat.last_text()
    return chat


@pytest.mark.parametrize("language", sorted(WORDS))
async def test_a_refused_message_and_a_refused_button_are_told_in_the_users_language(
    harness: Harness, failures: FailureLog, language: str
) -> None:
    refused_code, no_hazard = WORDS[language]
    chat = await _inspector(harness, 1801 if language == "en" else 1802, language)

    sent = await chat.say("/bind NOSUCHCODE")  # InviteInvalid, raised by the service inside the handler
    messages = [m for m in sent if isinstance(m, SendMessage)]
    assert len(messages) == 1 and refused_code in messages[0].text, chat.texts(sent)

    card = Message(message_id=5, date=datetime.now(UTC), chat=Chat(id=chat.user.id, type="private"))
    data = HazardCb(id=999_999, a=OPEN).pack()  # NotFound, raised by the service inside the handler
    sent = await chat._feed(harness.factory.callback(chat.user, card, data))
    alerts = [m for m in sent if isinstance(m, AnswerCallbackQuery)]
    assert len(alerts) == 1 and alerts[0].show_alert and no_hazard in (alerts[0].text or ""), sent
    assert not [t for t in chat.texts(sent) if no_hazard in t], chat.texts(sent)  # told once: not again as a message

    assert not failures.records, failures.messages()  # a refusal is no failure: no traceback, no "sorry"
    assert not [t for t in chat.texts() if "抱歉" in t or "Sorry" in t], chat.texts()


async def test_a_handler_that_answers_a_refusal_its_own_way_still_does(harness: Harness, failures: FailureLog) -> None:
    """Through ``OnRefusal``: a refused phone share takes the share keyboard away (a refused photo told above
    the question asked again:
    ``tests/test_conversation_input.py``, ``tests/test_photo_intake.py``)."""
    chat = harness.chat(1803, "王联系")
    await chat.say("/phone")
    card = TgContact(phone_number="13800000000", first_name="王", user_id=9999)  # someone else's card
    sent = await chat._feed(harness.factory.message(chat.user, contact=card))
    told = [m for m in sent if isinstance(m, SendMessage)]
    assert len(told) == 1 and "本人的手机号码" in told[0].text, chat.texts(sent)
    assert isinstance(told[0].reply_markup, ReplyKeyboardRemove), told[0].reply_markup
    assert not failures.records, failures.messages()


def test_handlers_leave_domain_errors_to_the_root_error_handler() -> None:
    counts = {p.name: len(re.findall(r"except DomainError", p.read_text(encoding="utf-8")))
              for p in HANDLERS.glob("*.py")}
    assert sum(counts.values()) <= 2, {name: n for name, n in counts.items() if n}
