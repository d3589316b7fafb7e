"""Structured logs without personal data.

Every record becomes one line of ``key=value`` pairs (or one JSON object), after redaction:
mainland mobile numbers, bot tokens (also inside Bot API URLs), chat ids in aiogram's errors and the personal
fields of Telegram objects printed by ``repr`` (message text, captions, names, usernames, phone numbers,
addresses) are replaced by ``<phone>``, ``<token>``, ``<chat>`` and ``<redacted>``. Telegram objects passed as log
arguments are reduced to their type and ids. Handlers must still never log texts on purpose:
the redaction is a net, not a licence.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from typing_extensions import override

PHONE = re.compile(r"(?<![\d.])(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![\d.])")
TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
PERSONAL_FIELD = re.compile(
    r"\b(text|caption|first_name|last_name|username|full_name|phone_number|address|title|vcard|query|data)"
    r"=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
)
# a chat named by its id: aiogram's errors say "… in chat 123456789" and a method's repr "chat_id=123456789"; a
# private chat's id is the person's Telegram id (a tip-off's reporter is anonymous)
CHAT_ID = re.compile(r"\b(in chat |chat_id=)-?\d+")
_IDS = ("update_id", "message_id", "id")
# These log SQL statements with their parameters (names, phone numbers, answers) at DEBUG/INFO.
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg")
# one line per update or request: at INFO they cost more CPU than a bare aiogram bot spends on the
# update itself (benchmarks/RESULTS-scale.md) and the reverse proxy logs requests anyway; --verbose shows them
PER_UPDATE_LOGGERS = ("aiogram.event", "aiohttp.access")
# Only these namespaces may log below WARNING, also under --verbose: our own code, and the libraries whose
# debug lines carry ids, not content. Every other logger, present or future, is held at WARNING: Pillow
# writes every EXIF tag of every photo at DEBUG (GPS position, camera, time), tip-offs included.
VERBOSE_NAMESPACES = ("hazardbot", "bot", "handlers", "storage", "reminders", "aiogram", "aiohttp.access",
                      "apscheduler", "alembic")
# held at WARNING by level too, so that their debug records are not even made
QUIET_LIBRARIES = ("PIL", "pillow_heif", "matplotlib", "fontTools", "openpyxl", "asyncio")


def _within(name: str, namespaces: tuple[str, ...]) -> bool:
    return any(name == n or name.startswith(n + ".") for n in namespaces)


def redact(text: str) -> str:
    """``text`` with tokens, mainland mobile numbers, chat ids and personal ``field='…'`` values masked."""
    text = TOKEN.sub("<token>", text)
    text = CHAT_ID.sub(lambda m: f"{m.group(1)}<chat>", text)
    text = PERSONAL_FIELD.sub(lambda m: f"{m.group(1)}=<redacted>", text)
    return PHONE.sub("<phone>", text)


def _safe_arg(value: Any) -> Any:
    from aiogram.types import TelegramObject

    if isinstance(value, TelegramObject):
        ids = {k: getattr(value, k) for k in _IDS if isinstance(getattr(value, k, None), int | str)}
        return f"<{type(value).__name__} {' '.join(f'{k}={v}' for k, v in ids.items())}>".replace(" >", ">")
    return value


class RedactingFilter(logging.Filter):
    """Drops records below WARNING from outside ``VERBOSE_NAMESPACES`` (the database drivers' statements
    carry parameters, Pillow's carry EXIF) and reduces Telegram objects among a record's arguments to
    their type and ids."""

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and (
            record.name.startswith(PARAMETER_LOGGERS) or not _within(record.name, VERBOSE_NAMESPACES)
        ):
            return False
        if isinstance(record.args, tuple):
            record.args = tuple(_safe_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _safe_arg(v) for k, v in record.args.items()}
        return True


def _quote(value: str) -> str:
    if value and not re.search(r"[\s\"=]", value):
        return value
    return json.dumps(value, ensure_ascii=False)


class StructuredFormatter(logging.Formatter):
    """``ts=… level=… logger=… msg=… [exc=…]`` on one line, or JSON with the same keys."""

    def __init__(self, fmt: str = "kv") -> None:
        super().__init__()
        if fmt not in ("kv", "json"):
            raise ValueError(f"log format must be 'kv' or 'json', not {fmt!r}")
        self.kind = fmt

    @override
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, str] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if record.exc_info:
            fields["exc"] = redact(self.formatException(record.exc_info))
        if self.kind == "json":
            return json.dumps(fields, ensure_ascii=False)
        return " ".join(f"{k}={_quote(v)}" for k, v in fields.items())


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``stream``, or to whatever ``sys.stderr`` is at the time of each record."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property
    def stream(self) -> TextIO:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        self._fixed = value


def configure_logging(level: int = logging.WARNING, fmt: str = "kv", stream: TextIO | None = None) -> logging.Handler:
    """Install one redacting, structured handler on the root logger, replacing the one a previous
    call installed (other handlers, such as a test runner's, are left alone); returns it."""
    handler = _Handler(stream)
    handler.setFormatter(StructuredFormatter(fmt))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _Handler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in PARAMETER_LOGGERS + QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in PER_UPDATE_LOGGERS:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    return handler
