"""The Bot API stand-in run as a script (``python -m tests.botapi_standin PORT_FILE --files DIR``, for manual walks
of ``hazardbot run --webhook``) serves the files it is given through ``getFile`` and the download, and answers the
calls a walk with photos and buttons makes, as aiogram reads them."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InputMediaPhoto

PHOTO = Path("tests/data/photos/landscape_1.jpg")


@pytest.fixture
async def standin(tmp_path: Path) -> AsyncIterator[str]:
    """The stand-in in its own process, serving a folder holding one photo; its base URL."""
    folder = tmp_path / "files"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "walk-photo-1")
    port_file = tmp_path / "url"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.botapi_standin", str(port_file),
                                                "--files", str(folder))
    try:
        async with asyncio.timeout(30):
            while not (port_file.exists() and port_file.read_text()):
                await asyncio.sleep(0.05)
        yield port_file.read_text()
    finally:
        proc.terminate()
        await proc.wait()


async def test_get_file_and_its_download_give_the_bytes_given(standin: str) -> None:
    bot = Bot("42:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(standin)))
    try:
        file = await bot.get_file("walk-photo-1")
        assert file.file_size == PHOTO.stat().st_size and file.file_path
        downloaded = await bot.download_file(file.file_path)
        assert downloaded is not None and downloaded.read() == PHOTO.read_bytes()
        with pytest.raises(TelegramBadRequest):
            await bot.get_file("no-such-file")
        assert await bot.answer_callback_query("cb-1") is True
        edited = await bot.edit_message_text("新的文字", chat_id=7, message_id=3)
        assert not isinstance(edited, bool) and (edited.message_id, edited.text) == (3, "新的文字")
        photo = await bot.send_photo(7, BufferedInputFile(PHOTO.read_bytes(), "p.jpg"), caption="照片")
        doc = await bot.send_document(7, BufferedInputFile(b"%PDF-1.4", "a.pdf"))
        assert photo.photo and photo.caption == "照片" and doc.document and doc.message_id != photo.message_id
        sent = await bot.send_message(7, "你好")  # what it did before, with Telegram's limits
        assert sent.text == "你好"
    finally:
        await bot.session.close()


async def test_an_album_and_a_pin_are_answered_and_recorded(standin: str) -> None:
    """A tip-off's card with two photos and a pin (``handlers.tipoff_verify``) sends an album and a location."""
    bot = Bot("42:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(standin)))
    try:
        album = await bot.send_media_group(7, [
            InputMediaPhoto(media=BufferedInputFile(PHOTO.read_bytes(), f"T-1-{i}.jpg"), caption=f"第{i}张")
            for i in (1, 2)])
        assert [m.chat.id for m in album] == [7, 7] and all(m.photo for m in album)
        assert album[0].media_group_id == album[1].media_group_id and album[0].message_id != album[1].message_id
        assert [m.caption for m in album] == ["第1张", "第2张"]
        pin = await bot.send_location(7, 39.93418, 116.45212)
        assert pin.location is not None and (pin.location.latitude, pin.location.longitude) == (39.93418, 116.45212)
        with pytest.raises(TelegramBadRequest):  # an album holds 2 to 10 items, as Telegram says
            await bot.send_media_group(7, [InputMediaPhoto(media=BufferedInputFile(PHOTO.read_bytes(), "a.jpg"))])
        async with aiohttp.ClientSession() as http, http.get(f"{standin}/_record") as response:
            calls = (await response.json())["calls"]
        [(_, sent_album), (_, sent_pin)] = [(m, f) for m, f in calls if m in ("sendMediaGroup", "sendLocation")][:2]
        media = json.loads(sent_album["media"])
        assert [item["caption"] for item in media] == ["第1张", "第2张"]
        assert sorted(v for k, v in sent_album.items() if k not in ("chat_id", "media")) == [
            "<file T-1-1.jpg>", "<file T-1-2.jpg>"]  # the uploads, by name: not their bytes
        assert (sent_pin["latitude"], sent_pin["longitude"]) == ("39.93418", "116.45212")
    finally:
        await bot.session.close()
