"""The tip-off's card after its photos and pin fail in hostile ways (``handlers.tipoff_verify``), through the
dispatcher on SQLite: a lone photo refused, the album met by a flood wait longer than the bot waits, and the pin
refused too: the card still comes last with its buttons, says how many photos were not shown, and works."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import SendLocation, SendMediaGroup, SendPhoto, TelegramMethod

from bot.local_chat import plain
from tests.conftest import FailureLog, Harness
from tests.test_tipoff_card_photos import CITIZEN, INSPECTOR, VERIFY, _card, _open_card
from tests.tipoff_helpers import PHOTOS, SANLITUN, report

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class RefuseAllButText:
    """``LocalSession.on_request``: a photo refused as Telegram refuses one it cannot take, an album met by a flood
    wait of a minute (longer than any reply waits), a pin refused."""

    def __call__(self, method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendPhoto):
            raise TelegramBadRequest(method=method, message="Bad Request: IMAGE_PROCESS_FAILED")
        if isinstance(method, SendMediaGroup):
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=60)
        if isinstance(method, SendLocation):
            raise TelegramBadRequest(method=method, message="Bad Request: wrong latitude")


@pytest.mark.parametrize("photos", [1, 3])
async def test_the_card_comes_whatever_its_photos_and_pin_meet(harness: Harness, failures: FailureLog,
                                                              photos: int) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    number = await report(harness.chat(CITIZEN), photos=sorted(PHOTOS.glob("*.jpg"))[:photos])
    harness.session.on_request = RefuseAllButText()
    sent = await _open_card(inspector)
    card = plain(_card(sent).text)
    assert number in card and f"照片：{photos} 张" in card and f"有 {photos} 张照片未能显示" in card, card
    assert not any("抱歉" in t for t in inspector.texts(sent)) and failures.messages() == []
    await inspector.press(VERIFY)
    assert "所属街乡" in inspector.last_text(), inspector.last_text()
