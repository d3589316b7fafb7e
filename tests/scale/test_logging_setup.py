"""Structured logs carry no personal data: no phone numbers, tokens, message texts or names."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from bot.logging_setup import RedactingFilter, StructuredFormatter, configure_logging, redact
from bot.updates import UpdateFactory
from tests.log_capture import debug_log

TOKEN = "123456789:AAH" + "x" * 32


def test_phones_tokens_and_personal_fields_are_masked() -> None:
    assert redact("call 13800138000 or +86 139-1234-5678 or 008615012345678") == "call <phone> or <phone> or <phone>"
    assert redact("order 2018101500011380013800 and 110105001") == "order 2018101500011380013800 and 110105001"
    assert redact("GET https://api.telegram.org/bot" + TOKEN + "/getMe") == "GET https://api.telegram.org/bot<token>/getMe"
    assert redact("Message(text='我家楼道堆满杂物', first_name=\"王\")") == "Message(text=<redacted>, first_name=<redacted>)"
    assert redact("lat 39.9042 lon 116.4074 unit_id=3") == "lat 39.9042 lon 116.4074 unit_id=3"


def test_records_are_one_key_value_line_or_json() -> None:
    record = logging.LogRecord("hazardbot.x", logging.WARNING, __file__, 1, "sent to %s: %s", ("13800138000", TOKEN), None)
    line = StructuredFormatter("kv").format(record)
    assert line.startswith("ts=") and " level=warning logger=hazardbot.x msg=" in line
    assert "13800138000" not in line and TOKEN not in line and "\n" not in line
    as_json = json.loads(StructuredFormatter("json").format(record))
    assert as_json["msg"] == "sent to <phone>: <token>" and as_json["level"] == "warning"


def test_telegram_objects_in_arguments_keep_only_their_type_and_ids() -> None:
    update = UpdateFactory(77).text(UpdateFactory.user(5, "王小明"), "电话13800138000，地址朝阳路1号")
    record = logging.LogRecord("aiogram", logging.INFO, __file__, 1, "got %s", (update,), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "got <Update update_id=77>"


def test_an_exception_traceback_is_redacted_too() -> None:
    try:
        raise ValueError("bad input text='13800138000 朝阳路'")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = StructuredFormatter("kv").format(record)
    assert "exc=" in line and "13800138000" not in line and "朝阳路" not in line


def test_a_flood_refusal_names_no_chat() -> None:
    """aiogram's 429 says which chat it was sending to; a private chat's id is the person's Telegram id (an
    anonymous reporter's too), so a failed update's log line and traceback keep the method, not the chat."""
    from aiogram.exceptions import TelegramRetryAfter
    from aiogram.methods import SendMessage

    method = SendMessage(chat_id=880001234, text="您好")
    try:
        raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after 9", retry_after=9)
    except TelegramRetryAfter as exc:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "update 5 failed: %r %r", (exc, method),
                                   sys.exc_info())
    line = StructuredFormatter("kv").format(record)
    assert "880001234" not in line and "SendMessage" in line and "<chat>" in line, line


async def test_a_whole_conversation_logs_no_personal_data(harness, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with debug_log() as stream:
        chat = await harness.bind(6101, "inspector", "110105001", name="王小明")
        await chat.say("/hazard")
        await chat.press(1)
        for answer in ("李四家出租房", "朝阳路88号", "李四", "13912345678"):
            await chat.say(answer)
        logging.getLogger("aiogram.event").info("update %s", harness.factory.text(chat.user, "13912345678"))
    logged = stream.getvalue()
    assert "update_id" in logged or "Update id" in logged  # aiogram's own debug lines were captured
    for secret in ("13912345678", "王小明", "李四", "朝阳路88号", "123456789:LOCAL"):
        assert secret not in logged, secret


def test_configure_logging_replaces_only_its_own_handler() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    first = configure_logging(logging.INFO, "json", io.StringIO())
    second = configure_logging(logging.INFO, "kv", io.StringIO())
    try:
        assert first not in root.handlers and second in root.handlers
        assert all(h in root.handlers for h in before)
    finally:
        root.removeHandler(second)
        root.setLevel(level)
