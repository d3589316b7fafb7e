"""A Bot API stand-in inside the process: answers every method without network.

Used by ``hazardbot chat`` (it prints what the bot sends) and by the tests (they read
``requests``). Files the user "sends" are registered with ``register_file`` and are served
back by ``getFile`` and file downloads exactly as a Bot API server would.
"""

from __future__ import annotations

import hashlib
import itertools
import typing
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import GetFile, GetMe, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, File, InlineKeyboardMarkup, Message, User
from typing_extensions import override

BOT_USER = User(id=1, is_bot=True, first_name="hazardbot", username="hazardbot")


class LocalSession(BaseSession):
    """Records every Bot API call and returns a plausible result.

    ``on_request`` (optional) is called with each method before it is answered; it may raise a
    ``TelegramAPIError`` to simulate a failure (403, 429…). ``files`` maps file ids to bytes.
    """

    def __init__(self, on_request: Callable[[TelegramMethod[Any]], None] | None = None) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.responses: list[tuple[TelegramMethod[Any], Any]] = []
        self.files: dict[str, bytes] = {}
        self.on_request = on_request
        self._message_ids = itertools.count(10_000)

    def register_file(self, data: bytes | Path) -> tuple[str, str, int]:
        """Make ``data`` downloadable; returns ``(file_id, file_unique_id, size)``."""
        content = data.read_bytes() if isinstance(data, Path) else data
        digest = hashlib.sha256(content).hexdigest()
        file_id = f"local-{digest[:32]}"
        self.files[file_id] = content
        return file_id, digest[:16], len(content)

    def sent(self, method_type: type[TelegramMethod[Any]] | None = None) -> list[TelegramMethod[Any]]:
        """The recorded requests, optionally only those of ``method_type``."""
        if method_type is None:
            return list(self.requests)
        return [r for r in self.requests if isinstance(r, method_type)]

    def clear(self) -> None:
        """Forget the requests and responses recorded so far."""
        self.requests.clear()
        self.responses.clear()

    @override
    async def close(self) -> None:
        return None

    @override
    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        if self.on_request is not None:
            self.on_request(method)
        result = self._result(method)
        self.responses.append((method, result))
        return typing.cast(TelegramType, result)

    @override
    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        file_id = url.rsplit("/", 1)[-1]
        if file_id not in self.files:
            raise TelegramAPIError(method=GetFile(file_id=file_id), message="Not Found: file")
        content = self.files[file_id]
        for start in range(0, len(content), chunk_size):
            yield content[start : start + chunk_size]

    def _message(self, method: TelegramMethod[Any]) -> Message:
        chat_id = getattr(method, "chat_id", None)
        chat_id = int(chat_id) if isinstance(chat_id, int | str) and str(chat_id).lstrip("-").isdigit() else 0
        return Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="private" if chat_id > 0 else "group"),
            from_user=BOT_USER,
            text=getattr(method, "text", None),
            caption=getattr(method, "caption", None),
            # as Telegram returns it, and as a press later carries it: the buttons a handler may check it holds
            reply_markup=markup if isinstance(markup := getattr(method, "reply_markup", None), InlineKeyboardMarkup)
            else None,
        )

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, GetFile):
            if method.file_id not in self.files:
                raise TelegramAPIError(method=method, message="Bad Request: invalid file_id")
            return File(
                file_id=method.file_id,
                file_unique_id=method.file_id[-16:],
                file_size=len(self.files[method.file_id]),
                file_path=method.file_id,
            )
        returning = method.__returning__
        options = typing.get_args(returning) if typing.get_origin(returning) in (typing.Union, type(int | str)) else (returning,)
        if Message in options:
            return self._message(method)
        if typing.get_origin(returning) is list:
            return [self._message(method) for _ in getattr(method, "media", [None])]
        if bool in options:
            return True
        return True
