"""A local Bot API stand-in (aiohttp) implementing ``sendMessage`` with Telegram's limits, and enough else for a
manual walk of ``hazardbot run --webhook`` with photos: ``getFile`` and the file download for the files it is given
(``files``: file id → path; as a script, ``--files DIR`` serves each file of DIR under its name as the file id),
and minimal OK answers to ``answerCallbackQuery``, ``editMessageText``, ``sendPhoto``, ``sendDocument``,
``sendMediaGroup`` (an album: one message per item), ``sendLocation`` and the start's
``getMe``/``setWebhook``/``setMyCommands`` (recorded in ``calls``, a file uploaded as ``<file NAME>``, without
limits).

It accepts at most ``global_limit`` messages in any ``window`` seconds and one message per chat per
``per_chat_interval`` seconds; beyond that it answers 429 with ``retry_after``. Chats in ``blocked``
get 403 ("bot was blocked by the user"); ``fail_first[chat] = n`` answers the first n requests for
that chat with 500, ``throttle_first[chat] = n`` the next n with 429 (``retry_after``), as Telegram
answers a chat that just got a message from elsewhere. Every accepted message is recorded in
``delivered``. With ``hold_after`` = n, the answers to the messages accepted after the first n are held
back (the message is delivered, its sender hears nothing) until ``release()``: requests in flight, for
as long as a test needs them.
Used by the reminder tests and ``benchmarks/reminder_fanout.py``.

``FakeBotApi`` (``fake_api()``) answers every method at once and records it: the webhook tests and
``benchmarks/webhook_throughput.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web


@dataclass
class Delivered:
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None
    at: float
    parse_mode: str | None = None


@dataclass
class BotApiStandIn:
    """The Bot API's ``sendMessage`` as the module's docstring tells: who has blocked the bot (``blocked``), which
    chats fail first (``fail_first``) or are refused with 429 first (``throttle_first``), and Telegram's limits
    (``global_limit`` messages in ``window`` seconds, one per chat per ``per_chat_interval`` seconds,
    ``retry_after`` seconds asked of a sender over them); give them by keyword."""

    blocked: set[int] = field(default_factory=set)
    fail_first: dict[int, int] = field(default_factory=dict)
    throttle_first: dict[int, int] = field(default_factory=dict)
    global_limit: int = 30
    window: float = 1.0
    per_chat_interval: float = 1.0
    retry_after: int = 1
    delivered: list[Delivered] = field(default_factory=list)
    status_counts: Counter[int] = field(default_factory=Counter)
    rejected_at: list[float] = field(default_factory=list)
    refused_at: list[float] = field(default_factory=list)
    rejected_why: Counter[str] = field(default_factory=Counter)
    hold_after: int | None = None
    held: int = 0
    files: dict[str, Path] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_001))
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _recent: deque[float] = field(default_factory=deque)
    _last_per_chat: dict[int, float] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_get("/_record", self._record)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for_deliveries(self, n: int, timeout: float = 30) -> None:
        """Return once ``n`` messages have been accepted."""
        if len(self.delivered) >= n:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((n, fut))
        await asyncio.wait_for(fut, timeout)

    async def wait_until(self, predicate: Callable[[BotApiStandIn], bool], timeout: float = 60) -> None:
        """Return once ``predicate(self)`` holds (checked at every accepted message)."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                await self._changed.wait()
                self._changed.clear()

    def release(self) -> None:
        """Answer the held requests, and hold no more."""
        self.hold_after = None
        self._released.set()

    def _reply(self, status: int, payload: dict[str, Any]) -> web.Response:
        self.status_counts[status] += 1
        return web.json_response(payload, status=status)

    async def _record(self, request: web.Request) -> web.Response:
        """Everything seen so far, for a benchmark running the stand-in in another process."""
        return web.json_response({
            "delivered": [[d.chat_id, d.text, d.at, d.reply_markup] for d in self.delivered],
            "status_counts": {str(k): v for k, v in self.status_counts.items()},
            "refused_at": self.refused_at,
            "rejected_at": self.rejected_at,
            "rejected_why": dict(self.rejected_why),
            "calls": [[method, form] for method, form in self.calls],
        })

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()  # before reading the body: the limit counts arrivals
        method = request.match_info["method"].lower()
        form = await request.post()
        if method != "sendmessage":
            return self._other(request.match_info["method"], {k: _field(v) for k, v in form.items()})
        chat_id = int(str(form["chat_id"]))
        if self.fail_first.get(chat_id, 0) > 0:
            self.fail_first[chat_id] -= 1
            return self._reply(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
        if chat_id in self.blocked:
            self.refused_at.append(time.monotonic())
            return self._reply(403, {"ok": False, "error_code": 403,
                                     "description": "Forbidden: bot was blocked by the user"})
        throttled = self.throttle_first.get(chat_id, 0) > 0
        if throttled:
            self.throttle_first[chat_id] -= 1
        now = arrived
        while self._recent and now - self._recent[0] >= self.window:
            self._recent.popleft()
        last = self._last_per_chat.get(chat_id)
        over_global = len(self._recent) >= self.global_limit
        if throttled or over_global or (last is not None and now - last < self.per_chat_interval):
            self.rejected_at.append(now)
            self.rejected_why["global" if over_global else "per_chat"] += 1
            return self._reply(429, {"ok": False, "error_code": 429,
                                     "description": f"Too Many Requests: retry after {self.retry_after}",
                                     "parameters": {"retry_after": self.retry_after}})
        self._recent.append(now)
        self._last_per_chat[chat_id] = now
        markup = json.loads(str(form["reply_markup"])) if "reply_markup" in form else None
        parse_mode = str(form["parse_mode"]) if "parse_mode" in form else None
        self.delivered.append(Delivered(chat_id, str(form["text"]), markup, now, parse_mode))
        for n, fut in self._waiters:
            if len(self.delivered) >= n and not fut.done():
                fut.set_result(None)
        if self.hold_after is not None and len(self.delivered) > self.hold_after:
            self.held += 1
            self._changed.set()
            await self._released.wait()
        self._changed.set()
        return self._reply(200, {"ok": True, "result": {
            "message_id": len(self.delivered), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"}, "text": str(form["text"]),
        }})

    def _other(self, method: str, form: dict[str, str]) -> web.Response:
        """Any method but ``sendMessage``: recorded, answered as Telegram would in the simplest case."""
        self.calls.append((method, form))
        name = method.lower()
        if name in TRUE_METHODS:
            return self._reply(200, {"ok": True, "result": True})
        if name == "getme":
            return self._reply(200, {"ok": True, "result": {"id": 4242, "is_bot": True, "first_name": "hazardbot",
                                                            "username": "hazardbot"}})
        if name == "getfile":
            path = self.files.get(form.get("file_id", ""))
            if path is None:
                return self._reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"})
            return self._reply(200, {"ok": True, "result": {
                "file_id": form["file_id"], "file_unique_id": form["file_id"], "file_size": path.stat().st_size,
                "file_path": f"files/{form['file_id']}"}})
        if name == "sendmediagroup":
            try:
                items = json.loads(form.get("media", ""))
            except ValueError:
                items = None
            if not (isinstance(items, list) and 2 <= len(items) <= 10 and all(isinstance(i, dict) for i in items)):
                return self._reply(400, {"ok": False, "error_code": 400,
                                         "description": "Bad Request: wrong number of media in the album"})
            group = f"album-{len(self.calls)}"
            album = [self._message(form, "photo" if item.get("type") == "photo" else "document",
                                   item.get("caption")) | {"media_group_id": group} for item in items]
            return self._reply(200, {"ok": True, "result": album})
        if name in MESSAGE_METHODS:
            if "inline_message_id" in form:
                return self._reply(200, {"ok": True, "result": True})
            kind = {"editmessagetext": "text", "sendphoto": "photo", "sendlocation": "location"}.get(name, "document")
            return self._reply(200, {"ok": True, "result": self._message(form, kind, form.get("caption"))})
        return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _message(self, form: dict[str, str], kind: str, caption: str | None) -> dict[str, Any]:
        """The message a send or an edit gives back: its ``kind`` of content (text, photo, document, location) as
        Telegram's answer holds it, with ``caption`` when given."""
        message: dict[str, Any] = {
            "message_id": int(form.get("message_id") or next(self._message_ids)), "date": int(time.time()),
            "chat": {"id": int(form.get("chat_id") or 0), "type": "private"}}
        sent = f"sent-{message['message_id']}"
        if kind == "text":
            message["text"] = form.get("text", "")
        elif kind == "photo":
            message["photo"] = [{"file_id": sent, "file_unique_id": sent, "width": 1, "height": 1}]
        elif kind == "location":
            message["location"] = {"latitude": float(form.get("latitude") or 0),
                                   "longitude": float(form.get("longitude") or 0)}
        else:
            message["document"] = {"file_id": sent, "file_unique_id": sent}
        if caption is not None:
            message["caption"] = caption
        return message

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """``GET /file/bot<token>/files/<file id>``: the bytes of a file given in ``files``."""
        folder, _slash, file_id = request.match_info["path"].partition("/")
        path = self.files.get(file_id) if folder == "files" else None
        if path is None:
            return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.FileResponse(path)


TRUE_METHODS = frozenset({"answercallbackquery", "setwebhook", "deletewebhook", "setmycommands", "sendchataction",
                          "deletemessage", "editmessagereplymarkup"})
MESSAGE_METHODS = frozenset({"editmessagetext", "sendphoto", "senddocument", "sendlocation"})


def _field(value: Any) -> str:
    """A form field as recorded in ``calls``: its text, or ``<file NAME>`` for a file uploaded."""
    return f"<file {value.filename}>" if isinstance(value, web.FileField) else str(value)


def files_in(folder: Path) -> dict[str, Path]:
    """Each file of ``folder`` under its name as the file id (``--files``)."""
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file()}


async def _serve(port_file: str, blocked_file: str | None, folder: Path | None = None) -> None:
    blocked = set()
    if blocked_file:
        with open(blocked_file, encoding="utf-8") as fh:
            blocked = {int(line) for line in fh if line.strip()}
    server = BotApiStandIn(blocked=blocked, files=files_in(folder) if folder is not None else {})
    url = await server.start()
    with open(port_file, "w", encoding="utf-8") as fh:
        fh.write(url)
    await asyncio.Event().wait()

def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FakeBotApi:
    """Answers any Bot API call like Telegram, without limits; records ``(method, params)``.
    Used by the webhook tests and ``benchmarks/webhook_throughput.py``."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook_set: asyncio.Event = field(default_factory=asyncio.Event)
    message_id: int = 100

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {k: v for k, v in (await request.post()).items()}
        self.calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = {"id": 4242, "is_bot": True, "first_name": "hazardbot", "username": "hazardbot"}
        elif method == "sendMessage":
            self.message_id += 1
            result = {"message_id": self.message_id, "date": 1539567000,
                      "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text")}
        elif method == "setWebhook":
            self.webhook_set.set()
        return web.json_response({"ok": True, "result": result})

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == method]


@asynccontextmanager
async def fake_api() -> AsyncIterator[tuple[FakeBotApi, str]]:
    """A ``FakeBotApi`` served on a free port of 127.0.0.1, and its base URL."""
    api = FakeBotApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield api, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    import argparse

    cli = argparse.ArgumentParser(description="A local Bot API stand-in; its URL is written to PORT_FILE.")
    cli.add_argument("port_file")
    cli.add_argument("blocked_file", nargs="?", help="chat ids that have blocked the bot, one a line")
    cli.add_argument("--files", type=Path, help="serve each file of this folder under its name as the file id")
    args = cli.parse_args()
    asyncio.run(_serve(args.port_file, args.blocked_file, args.files))
