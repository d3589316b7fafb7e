"""Real-shaped Telegram updates made in-process: what ``hazardbot chat`` types and what the tests feed
through ``Dispatcher.feed_update``. Shapes follow the Bot API (private chat id = user id)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from aiogram.types import (
    CallbackQuery,
    Chat,
    Document,
    InaccessibleMessage,
    Location,
    Message,
    PhotoSize,
    Update,
    User,
    Venue,
)


class UpdateFactory:
    """Numbers updates and messages like Telegram does (monotonic ``update_id``, per-factory message ids)."""

    def __init__(self, start_update_id: int = 1) -> None:
        self._update_ids = itertools.count(start_update_id)
        self._message_ids = itertools.count(1)

    @staticmethod
    def user(user_id: int, name: str = "测试用户", language: str | None = "zh-hans") -> User:
        """A Telegram user (a person) with ``user_id``, first name ``name`` and language ``language``."""
        return User(id=user_id, is_bot=False, first_name=name, language_code=language)

    def message(self, user: User, chat: Chat | None = None, **content: Any) -> Update:
        """An update with a new message of ``user`` in ``chat`` (default: the private chat), ``content`` the
        message's fields."""
        chat = chat or Chat(id=user.id, type="private", first_name=user.first_name)
        msg = Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=chat,
            from_user=user,
            **content,
        )
        return Update(update_id=next(self._update_ids), message=msg)

    def text(self, user: User, text: str, chat: Chat | None = None) -> Update:
        """A text message; a leading ``/command`` carries its ``bot_command`` entity as Telegram sends it."""
        entities = None
        if text.startswith("/"):
            from aiogram.types import MessageEntity

            length = len(text.split()[0].encode("utf-16-le")) // 2
            entities = [MessageEntity(type="bot_command", offset=0, length=length)]
        return self.message(user, chat, text=text, entities=entities)

    def photo(
        self, user: User, file_id: str, unique_id: str, size: int, width: int, height: int,
        media_group_id: str | None = None, caption: str | None = None,
    ) -> Update:
        """A photo message with a thumbnail and the full size (``width``×``height`` pixels, ``size`` bytes)."""
        sizes = [
            PhotoSize(file_id=file_id + "-s", file_unique_id=unique_id + "s", width=max(1, width // 10),
                      height=max(1, height // 10), file_size=max(1, size // 50)),
            PhotoSize(file_id=file_id, file_unique_id=unique_id, width=width, height=height, file_size=size),
        ]
        return self.message(user, photo=sizes, media_group_id=media_group_id, caption=caption)

    def document(self, user: User, file_id: str, unique_id: str, size: int, name: str, mime: str | None,
                 media_group_id: str | None = None) -> Update:
        """A file sent as a document; ``media_group_id``: one of an album of documents."""
        doc = Document(file_id=file_id, file_unique_id=unique_id, file_name=name, mime_type=mime, file_size=size)
        return self.message(user, document=doc, media_group_id=media_group_id)

    def location(self, user: User, latitude: float, longitude: float, venue_address: str | None = None,
                 venue_title: str | None = None, live_period: int | None = None) -> Update:
        """A pin; a venue (a named place) when ``venue_address`` is given (its name ``venue_title``, else the
        address again); a live location shared for ``live_period`` seconds."""
        loc = Location(latitude=latitude, longitude=longitude, live_period=live_period)
        venue = Venue(location=loc, title=venue_title or venue_address, address=venue_address) if venue_address else None
        return self.message(user, location=loc, venue=venue)

    def edited(self, update: Update, **changes: Any) -> Update:
        """``update``'s message as edited (a new text, a live location's new ``location``…)."""
        assert update.message is not None
        message = update.message.model_copy(update={"edit_date": int(datetime.now(UTC).timestamp()), **changes})
        return Update(update_id=next(self._update_ids), edited_message=message)

    @staticmethod
    def inaccessible(message: Message | InaccessibleMessage) -> InaccessibleMessage:
        """``message`` as a button press carries it once Telegram no longer shows it (deleted by the
        user, or too old): its chat and id only, ``date`` 0."""
        return InaccessibleMessage(chat=message.chat, message_id=message.message_id, date=0)

    def callback(self, user: User, message: Message | InaccessibleMessage, data: str) -> Update:
        """A press of the button with callback data ``data`` under ``message``."""
        query = CallbackQuery(
            id=str(next(self._update_ids)), from_user=user, chat_instance="local", message=message, data=data
        )
        return Update(update_id=next(self._update_ids), callback_query=query)
