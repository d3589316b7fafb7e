"""One person talking to the bot in-process: type, press buttons, send photos, locations and files.

Drives the real ``Dispatcher`` with real-shaped updates (``bot.updates``) over a ``LocalSession``.
Used by ``hazardbot chat`` and by the conversation tests.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message, Update, User
from PIL import Image

from bot.local_session import LocalSession
from bot.updates import UpdateFactory


@dataclass
class Button:
    """A button of a message the bot sent: its text, callback data or URL, and the message."""

    text: str
    callback_data: str | None
    url: str | None
    message: Message


def plain(html_text: str) -> str:
    """A message's HTML as the user reads it."""
    return unescape(re.sub(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>", "", html_text))


class LocalChat:
    """A private chat between ``user`` and the bot. ``messages_gone``: every button is pressed on a
    message Telegram reports as inaccessible (deleted by the user, or too old). ``after_update`` (optional)
    runs after each update is handled, also when its handling failed: the outbox's sender delivering the
    notices it queued."""

    messages_gone = False

    def __init__(self, dp: Dispatcher, bot: Bot, session: LocalSession, factory: UpdateFactory, user: User,
                 after_update: Callable[[], Awaitable[Any]] | None = None) -> None:
        self.dp, self.bot, self.session, self.factory, self.user = dp, bot, session, factory, user
        self.after_update = after_update
        self._album = 0

    async def _feed(self, update: Any) -> list[TelegramMethod[Any]]:
        before = len(self.session.requests)
        try:
            await self.dp.feed_update(self.bot, update)
        finally:
            if self.after_update is not None:
                await self.after_update()
        return self.session.requests[before:]

    async def say(self, text: str) -> list[TelegramMethod[Any]]:
        """Send ``text`` as the user; returns the calls the bot made in answer."""
        return await self._feed(self.factory.text(self.user, text))

    async def location(self, lat: float, lon: float, address: str | None = None) -> list[TelegramMethod[Any]]:
        """Send a location (degrees WGS-84, with an optional venue address); returns the bot's calls."""
        return await self._feed(self.factory.location(self.user, lat, lon, address))

    def photo_update(self, path: Path | bytes, media_group_id: str | None = None) -> Update:
        """The update of a photo sent by this user, not fed yet (to feed several at once, as an album
        arrives)."""
        data = path.read_bytes() if isinstance(path, Path) else path
        file_id, unique_id, size = self.session.register_file(data)
        try:
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
        except Exception:  # noqa: BLE001  (Telegram reports some size even for odd files)
            width, height = 1280, 960
        return self.factory.photo(self.user, file_id, unique_id, size, width, height, media_group_id)

    async def photo(self, path: Path | bytes, media_group_id: str | None = None) -> list[TelegramMethod[Any]]:
        """Send the photo at ``path`` (or these bytes); returns the bot's calls."""
        return await self._feed(self.photo_update(path, media_group_id))

    async def album(self, paths: list[Path]) -> list[TelegramMethod[Any]]:
        """Send the photos as one album (a shared media group id); returns the bot's calls."""
        self._album += 1
        group = hashlib.sha1(f"{self.user.id}-{self._album}".encode()).hexdigest()[:16]
        sent: list[TelegramMethod[Any]] = []
        for path in paths:
            sent += await self.photo(path, media_group_id=group)
        return sent

    async def file(self, path: Path | bytes, name: str, mime: str | None, size: int | None = None,
                   media_group_id: str | None = None) -> list[TelegramMethod[Any]]:
        """Send a file as a document (``size``: the size Telegram declares, else the real one); ``media_group_id``:
        one of an album of documents."""
        data = path.read_bytes() if isinstance(path, Path) else path
        file_id, unique_id, real_size = self.session.register_file(data)
        return await self._feed(self.factory.document(self.user, file_id, unique_id, size or real_size, name, mime,
                                                      media_group_id))

    async def press(self, label: str | int) -> list[TelegramMethod[Any]]:
        """Press a button of the latest keyboard: by number (1-based) or by (part of) its text."""
        buttons = self.buttons()
        if isinstance(label, int):
            button = buttons[label - 1]
        else:
            matches = [b for b in buttons if b.text == label] or [b for b in buttons if label in b.text]
            if not matches:
                raise LookupError(f"no button {label!r} among {[b.text for b in buttons]}")
            button = matches[0]
        return await self.press_button(button)

    async def press_button(self, button: Button) -> list[TelegramMethod[Any]]:
        """Press ``button``, also one kept from an earlier keyboard (an old message, a double tap)."""
        if button.callback_data is None:
            raise LookupError(f"button {button.text!r} opens {button.url}")
        message = self.factory.inaccessible(button.message) if self.messages_gone else button.message
        return await self._feed(self.factory.callback(self.user, message, button.callback_data))

    def buttons(self) -> list[Button]:
        """The inline buttons of the latest message that has some (after edits)."""
        for method, result in reversed(self.session.responses):
            markup = getattr(method, "reply_markup", None)
            if isinstance(method, EditMessageReplyMarkup) and markup is None:
                continue
            if isinstance(markup, InlineKeyboardMarkup) and getattr(method, "chat_id", self.user.id) in (self.user.id, None):
                message = result if isinstance(result, Message) else self._message_for(method)
                return [
                    Button(b.text, b.callback_data, b.url, message) for row in markup.inline_keyboard for b in row
                ]
        return []

    def latest_button(self, label: str) -> Button:
        """The button ``label`` on the latest message of this chat that has it, even when notices with
        keyboards of their own arrived after that message. Raises ``LookupError``."""
        for method, result in reversed(self.session.responses):
            markup = getattr(method, "reply_markup", None)
            if not isinstance(markup, InlineKeyboardMarkup) or getattr(method, "chat_id", None) != self.user.id:
                continue
            for row in markup.inline_keyboard:
                for b in row:
                    if b.text == label:
                        message = result if isinstance(result, Message) else self._message_for(method)
                        return Button(b.text, b.callback_data, b.url, message)
        raise LookupError(f"no button {label!r} in this chat")

    def _message_for(self, method: Any) -> Message:
        from datetime import UTC, datetime

        from aiogram.types import Chat

        return Message(
            message_id=getattr(method, "message_id", 0) or 0,
            date=datetime.now(UTC),
            chat=Chat(id=self.user.id, type="private"),
        )

    def texts(self, methods: list[TelegramMethod[Any]] | None = None) -> list[str]:
        """Plain texts of the messages sent or edited (all so far, or those in ``methods``)."""
        methods = self.session.requests if methods is None else methods
        return [plain(m.text or "") for m in methods if isinstance(m, SendMessage | EditMessageText)]

    def last_text(self) -> str:
        """The last text this person saw: in their own chat or a group, not a notice sent to someone else's
        private chat meanwhile (a step tells the next actor, delivered after the update)."""
        texts = self.texts([m for m in self.session.requests if not self._elsewhere(m)])
        return texts[-1] if texts else ""

    def _elsewhere(self, method: TelegramMethod[Any]) -> bool:
        chat_id = getattr(method, "chat_id", None)
        return isinstance(chat_id, int) and chat_id > 0 and chat_id != self.user.id
