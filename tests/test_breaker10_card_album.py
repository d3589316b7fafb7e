"""A tip-off with more photos than one album holds (six reported, five added): its verifier's card shows them all,
in albums of at most ten (the 11th was left out without a word), the card with its buttons last. Through the dispatcher on SQLite."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMediaGroup, SendPhoto

from bot.local_chat import plain
from tests.conftest import FailureLog, Harness
from tests.test_tipoff_card_photos import CITIZEN, INSPECTOR, _card, _open_card
from tests.tipoff_helpers import PHOTOS, SANLITUN, last, report

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_a_card_of_eleven_photos_shows_all_eleven(harness: Harness, failures: FailureLog) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    citizen = harness.chat(CITIZEN)
    pictures = sorted(PHOTOS.glob("*.jpg"))
    assert len(pictures) >= 11
    number = await report(citizen, photos=pictures[:6])
    await citizen.say(f"/add {number}")
    await citizen.press("跳过")  # no more words
    await citizen.album(pictures[6:11])
    await citizen.press("完成")
    await citizen.press("提交")
    assert "已补充" in last(citizen) or "补充" in last(citizen), last(citizen)
    sent = await _open_card(inspector)
    shown = sum(len(m.media) for m in sent if isinstance(m, SendMediaGroup)) + sum(
        1 for m in sent if isinstance(m, SendPhoto))
    card = plain(_card(sent).text)
    assert "照片：11 张" in card, card
    assert shown == 11 and "未能显示" not in card, (shown, card)
    assert all(len(m.media) <= 10 for m in sent if isinstance(m, SendMediaGroup))
    assert failures.messages() == []
