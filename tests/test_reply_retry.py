"""A reply that meets Telegram's flood limit (429, ``retry_after``) reaches the person when the wait is short, and
fails as before when it is long (``bot.reply_retry``); ``/report`` answers in one message, not two back to back.

End to end: ``hazardbot run --webhook`` (``run_webhook``) taking POSTed updates and answering through the Bot API
stand-in (``tests.botapi_standin``) over HTTP, which refuses the chat's first messages with 429. The sender's own
handling of 429 with the same ``Bot``: ``tests/reminders/test_sender.py``."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage, SetMyCommands, TelegramMethod
from aiogram.types import BotCommand

from bot.app import build_bot
from bot.local_chat import plain
from bot.local_session import LocalSession
from bot.reply_retry import own_pacing
from bot.settings import Settings
from bot.updates import UpdateFactory
from bot.webhook import run_webhook, webhook_secret
from tests.botapi_standin import BotApiStandIn, free_port
from tests.virtual_time import virtual_time

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

TOKEN = "4242:" + "R" * 35
CITIZEN = 6_100_001
INTRO = "感谢您举报安全隐患"
FIRST_QUESTION = "隐患情况"

Post = Callable[[str], Awaitable[None]]


@asynccontextmanager
async def webhook_serving(api: BotApiStandIn, database_url: str, tmp_path: Path) -> AsyncIterator[Post]:
    """``hazardbot run --webhook`` on a free port, answering through ``api``; yields ``post(text)``, which sends
    the citizen's message as Telegram would and returns once the bot has answered the webhook request."""
    await api.start()
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data", token=TOKEN, api_url=api.url)
    port, stop = free_port(), asyncio.Event()
    server = asyncio.create_task(run_webhook(settings, "https://bot.example.org/hook", f"127.0.0.1:{port}", stop=stop))
    factory = UpdateFactory(9000)
    try:
        async with asyncio.timeout(60):
            while not any(method == "setWebhook" for method, _ in api.calls):
                if server.done():
                    server.result()  # its start failed: say why
                await asyncio.sleep(0.05)
        async with aiohttp.ClientSession() as http:

            async def post(text: str) -> None:
                update = factory.text(UpdateFactory.user(CITIZEN), text)
                body = json.loads(update.model_dump_json(exclude_none=True, by_alias=True))
                headers = {"X-Telegram-Bot-Api-Secret-Token": webhook_secret(settings)}
                async with asyncio.timeout(30):  # a 60 s retry_after waited out would end the test here
                    async with http.post(f"http://127.0.0.1:{port}/hook", json=body, headers=headers) as r:
                        assert r.status == 200

            yield post
    finally:
        stop.set()
        await asyncio.wait_for(server, timeout=60)
        await api.stop()


def texts_to(api: BotApiStandIn, chat: int) -> list[str]:
    return [plain(d.text) for d in api.delivered if d.chat_id == chat]


async def test_a_report_refused_with_a_short_retry_after_still_reaches_the_citizen(
        database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    api = BotApiStandIn(retry_after=1, throttle_first={CITIZEN: 1})
    async with webhook_serving(api, database_url, tmp_path) as post:
        await post("/report")
    assert api.status_counts[429] == 1  # the answer met the limit once…
    [answer] = texts_to(api, CITIZEN)  # …and arrived once, intro and first question together
    assert INTRO in answer and FIRST_QUESTION in answer, answer
    assert "event=reply_retry_after method=SendMessage retry_after=1 attempt=1" in caplog.text
    assert "failed" not in caplog.text and "failure_not_told" not in caplog.text


async def test_a_long_retry_after_is_not_waited_out_and_fails_as_before(
        database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    api = BotApiStandIn(retry_after=60, throttle_first={CITIZEN: 2})  # the answer, then the apology
    async with webhook_serving(api, database_url, tmp_path) as post:
        await post("/report")
    assert texts_to(api, CITIZEN) == [] and api.status_counts[429] == 2  # each tried once, neither waited for
    assert caplog.text.count("event=reply_retry_after_not_waited method=SendMessage retry_after=60") == 2
    assert "event=failure_not_told" in caplog.text
    retry_lines = [r.getMessage() for r in caplog.records if r.name == "hazardbot.reply_retry"]
    assert retry_lines and not any(str(CITIZEN) in line for line in retry_lines)  # a chat id is a Telegram id


async def test_report_asks_its_first_question_in_the_intro_s_message(harness: Any) -> None:
    sent = await harness.chat(CITIZEN).say("/report")
    [message] = [m for m in sent if isinstance(m, SendMessage)]
    assert plain(message.text).startswith(INTRO) and FIRST_QUESTION in message.text, message.text
    assert message.reply_markup is not None  # the question's buttons


class Refusals:
    """``LocalSession.on_request``: the first ``n`` calls of ``kind`` refused with ``retry_after``."""

    def __init__(self, n: int, retry_after: int, kind: type[TelegramMethod[Any]] = SendMessage) -> None:
        self.left, self.retry_after, self.kind = n, retry_after, kind

    def __call__(self, method: TelegramMethod[Any]) -> None:
        if isinstance(method, self.kind) and self.left > 0:
            self.left -= 1
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=self.retry_after)


def _bot_with(refusals: Refusals, waits: list[float]) -> Any:
    """The run modes' bot (``build_bot``) over a ``LocalSession`` refusing as ``refusals`` says; the retry's
    waits are recorded in ``waits`` instead of slept (``VirtualTime``)."""
    bot = build_bot(Settings(), LocalSession(on_request=refusals))
    virtual_time(bot).waits = waits
    return bot


async def test_retries_are_bounded_by_the_time_waited_and_only_replies_are_retried() -> None:
    waits: list[float] = []
    bot = _bot_with(Refusals(2, retry_after=3), waits)
    assert (await bot.send_message(7, "你好")).text == "你好"  # two refusals, two waits, then sent
    assert waits == [3, 3]

    waits.clear()
    bot = _bot_with(Refusals(6, retry_after=1), waits)
    assert (await bot.send_message(7, "你好")).text == "你好"  # six short refusals: 6 s in all, within the bound
    assert waits == [1] * 6

    waits.clear()
    bot = _bot_with(Refusals(10, retry_after=3), waits)
    with pytest.raises(TelegramRetryAfter):  # a fourth wait would make 12 s: not waited, the handler fails as before
        await bot.send_message(7, "你好")
    assert waits == [3, 3, 3] and len(bot.session.sent(SendMessage)) == 4

    waits.clear()
    bot = _bot_with(Refusals(1, retry_after=1, kind=SetMyCommands), waits)
    with pytest.raises(TelegramRetryAfter):  # not a reply
        await bot.set_my_commands([BotCommand(command="help", description="帮助")])
    assert waits == []


async def test_calls_that_pace_themselves_are_not_retried() -> None:
    waits: list[float] = []
    bot = _bot_with(Refusals(1, retry_after=1), waits)
    with own_pacing(), pytest.raises(TelegramRetryAfter):
        await bot.send_message(7, "提醒")
    assert waits == []
    assert (await bot.send_message(7, "提醒")).text == "提醒"  # outside the block, retried as any reply


class Said:
    """A message's ``answer``, recording ``(text, reply_markup)``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def answer(self, text: str, reply_markup: Any = None) -> None:
        self.sent.append((text, reply_markup))


async def test_a_lead_goes_in_the_prompt_s_message_unless_both_would_pass_telegram_s_limit() -> None:
    from bot.forms.prompt import Prompt
    from bot.i18n_telegram import build_i18n
    from handlers.form_view import send_prompt

    cancelled = "表单已取消，未提交任何内容。"
    short, long = Said(), Said()
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        await send_prompt(short, Prompt(kind="cancelled"), "zh", lead="<b>说明</b>")
        await send_prompt(long, Prompt(kind="cancelled"), "zh", lead="长" * 4090)
    assert short.sent == [(f"<b>说明</b>\n\n{cancelled}", None)]
    assert long.sent == [("长" * 4090, None), (cancelled, None)]  # nothing cut: the answer whole, after it
