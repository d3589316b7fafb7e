"""A tip-off's card reaches its verifier even when its photos do not (``handlers.tipoff_verify``): an album Telegram
refuses, or a photo gone from the store, leaves the card with its buttons last, saying how many photos could not
be shown. Through the real dispatcher, on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendLocation, SendMediaGroup, SendMessage, SendPhoto, TelegramMethod
from sqlmodel import col, select

from bot.local_chat import plain
from storage.models import Photo
from storage.models_tipoffs import TipOffPhoto
from tests.conftest import FailureLog, Harness
from tests.tipoff_helpers import PHOTOS, SANLITUN, report, tipoff

CITIZEN, INSPECTOR = 880_131_001, 700_131
VERIFY = "查实"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class RefuseAlbums:
    """``LocalSession.on_request``: every album refused, as Telegram refuses one holding a photo it cannot take."""

    def __call__(self, method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendMediaGroup):
            raise TelegramBadRequest(method=method, message="Bad Request: IMAGE_PROCESS_FAILED")


async def _reported_with_two_photos(harness: Harness) -> tuple[Any, str]:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    number = await report(harness.chat(CITIZEN), photos=sorted(PHOTOS.glob("*.jpg"))[:2])
    return inspector, number


async def _open_card(inspector: Any) -> list[TelegramMethod[Any]]:
    """What the inspector's chat got on opening the latest tip-off (the reporter's notice goes elsewhere)."""
    await inspector.say("/tipoffs")
    sent = await inspector.press(len(inspector.buttons()))
    return [m for m in sent if getattr(m, "chat_id", INSPECTOR) == INSPECTOR]


def _card(sent: list[TelegramMethod[Any]]) -> SendMessage:
    """The card: the last message sent, with the verifier's buttons."""
    last = [m for m in sent if isinstance(m, SendMessage | SendMediaGroup | SendPhoto | SendLocation)][-1]
    assert isinstance(last, SendMessage) and last.reply_markup is not None, last
    return last


async def test_an_album_telegram_refuses_leaves_the_card_with_its_buttons(harness: Harness,
                                                                          failures: FailureLog) -> None:
    inspector, number = await _reported_with_two_photos(harness)
    harness.session.on_request = RefuseAlbums()
    sent = await _open_card(inspector)
    assert [m for m in sent if isinstance(m, SendMediaGroup)]  # the album was tried…
    card = plain(_card(sent).text)
    assert number in card and "照片：2 张" in card and "有 2 张照片未能显示" in card, card  # …the card came anyway
    assert not any("抱歉" in t for t in inspector.texts(sent)) and failures.messages() == []
    await inspector.press(VERIFY)  # and its buttons work
    assert "所属街乡" in inspector.last_text(), inspector.last_text()


async def test_a_photo_gone_from_the_store_is_left_out_and_the_card_says_so(harness: Harness,
                                                                           failures: FailureLog) -> None:
    inspector, number = await _reported_with_two_photos(harness)
    async with harness.core.uow() as u:
        keys = (await u.session.exec(
            select(Photo.storage_key).join(TipOffPhoto, col(TipOffPhoto.photo_id) == Photo.id)
            .where(TipOffPhoto.tipoff_id == (await tipoff(harness, number)).id).order_by(col(Photo.id)))).all()
    assert len(keys) == 2
    (harness.core.photo_store.root / keys[0]).unlink()  # removed by hand, or a store restored from an older backup
    sent = await _open_card(inspector)
    assert not [m for m in sent if isinstance(m, SendMediaGroup)]
    [photo] = [m for m in sent if isinstance(m, SendPhoto)]  # the one still there, alone
    assert photo.photo.data == (harness.core.photo_store.root / keys[1]).read_bytes()  # type: ignore[union-attr]
    card = plain(_card(sent).text)
    assert "照片：2 张" in card and "有 1 张照片未能显示" in card, card
    assert failures.messages() == []


async def test_a_card_whose_photos_are_all_shown_says_nothing_of_it(harness: Harness) -> None:
    inspector, _number = await _reported_with_two_photos(harness)
    sent = await _open_card(inspector)
    assert len([m for m in sent if isinstance(m, SendMediaGroup)]) == 1
    assert "未能显示" not in plain(_card(sent).text)
