"""No reply is refused as too long, whatever a user typed: what a handler echoes back is clipped at the
session (``handlers.outgoing_limits``) if the handler did not shorten it itself."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText, SendMessage

from bot.local_chat import plain
from handlers.message_limits import utf16_len
from tests.conftest import FailureLog, Harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

COMMANDS = ["/track", "/add", "/find", "/status", "/bind", "/invite inspector", "/setrole 1", "/start"]


def like_telegram(method: Any) -> None:
    """The Bot API refuses a message text over 4096 UTF-16 units after entity parsing."""
    if isinstance(method, SendMessage | EditMessageText) and utf16_len(plain(method.text)) > 4096:
        raise TelegramBadRequest(method, "Bad Request: message is too long")


@pytest.mark.parametrize("role", [None, "office"])
async def test_commands_with_an_argument_as_long_as_telegram_allows_are_answered(
    harness: Harness, failures: FailureLog, role: str | None
) -> None:
    chat = await harness.bind(8710, role, "区安委会办公室") if role else harness.chat(8711, "路人")
    harness.session.on_request = like_telegram
    for command in COMMANDS:
        for filler in ("字", "<b>&amp;"):
            text = command + " " + filler * ((4096 - utf16_len(command) - 1) // utf16_len(filler))
            assert utf16_len(text) <= 4096  # a message Telegram delivers
            sent = await chat.say(text)
            replies = [m for m in sent if isinstance(m, SendMessage)]
            assert replies, (command, filler)
            assert all(utf16_len(plain(m.text)) <= 4096 for m in replies), (command, filler)
    assert not failures.records, failures.messages()


async def test_track_shortens_the_number_it_echoes(harness: Harness) -> None:
    stranger = harness.chat(8712, "路人")
    await stranger.say("/track " + "字" * 4000)
    assert "字" * 64 not in stranger.last_text() and "字" * 60 in stranger.last_text()


async def test_the_session_clips_any_text_and_caption_over_the_limits(harness: Harness) -> None:
    harness.session.on_request = like_telegram
    sent = await harness.bot.send_message(8713, "<b>" + "字&amp;" * 3000 + "</b>")
    assert utf16_len(plain(sent.text or "")) <= 4096 and plain(sent.text or "").endswith("…")
    plain_text = await harness.bot.send_message(8713, "&amp;" * 1000, parse_mode=None)
    assert utf16_len(plain_text.text or "") <= 4096
