"""breaker8: an anonymous tip-off reporter whose update fails leaves neither their Telegram id nor their name in
the logs (``bot.logging_setup``), at DEBUG, through a whole /report on SQLite and PostgreSQL, for each kind of
failure the Bot API gives: a 429 too long to wait, a blocked bot, a bad request, and a failure of our own."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage, TelegramMethod

from bot.logging_setup import configure_logging
from bot.reply_retry import RetryShortWaits
from tests.conftest import Harness
from tests.tipoff_helpers import SANLITUN, report

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

REPORTER, INSPECTOR = 880_099_417, 700_099
NAME, SURNAME, HANDLE = "Zhang赵四丰", "Lastname钱", "secret_handle_77"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the run modes' handler writes, at DEBUG (``hazardbot run --verbose`` and below)."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(logging.DEBUG, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


class FailOnce:
    """``LocalSession.on_request``: the reporter's first message after ``armed`` fails with ``error``."""

    def __init__(self, error: str) -> None:
        self.error, self.armed, self.failed = error, False, 0

    def __call__(self, method: TelegramMethod[Any]) -> None:
        if not (self.armed and isinstance(method, SendMessage) and method.chat_id == REPORTER and self.failed < 2):
            return
        self.failed += 1
        if self.error == "retry_after":
            raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after 60", retry_after=60)
        if self.error == "forbidden":
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
        if self.error == "bad_request":
            raise TelegramBadRequest(method=method, message="Bad Request: chat not found")
        raise RuntimeError(f"our own failure while answering {method!r}")


@pytest.mark.parametrize("error", ["retry_after", "forbidden", "bad_request", "own"])
async def test_a_failed_update_of_an_anonymous_reporter_logs_neither_id_nor_name(
        harness: Harness, log_lines: io.StringIO, error: str) -> None:
    await harness.bind(INSPECTOR, "inspector", SANLITUN)
    [retry] = [m for m in harness.bot.session.middleware if isinstance(m, RetryShortWaits)]

    async def no_wait(seconds: float) -> None:
        return None

    retry.sleep = no_wait
    fail = FailOnce(error)
    harness.session.on_request = fail
    reporter = harness.chat(REPORTER, NAME)
    reporter.user = reporter.user.model_copy(update={"last_name": SURNAME, "username": HANDLE})
    fail.armed = True
    await reporter.say("/report")
    fail.armed = False
    await report(reporter, contact="13912345678")
    assert fail.failed >= 1
    written = log_lines.getvalue()
    assert "update" in written and ("failed" in written or "not_told" in written), written[-2000:]
    for secret in (str(REPORTER), NAME, "赵四丰", SURNAME, HANDLE, "13912345678"):
        assert secret not in written, (secret, [line for line in written.splitlines() if secret in line][:3])
