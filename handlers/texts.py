"""Localized texts shared by the handlers. Message ids are English; see ``bot/locales``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import labels
from bot.domain import Role
from bot.i18n import DEFAULT_LOCALE
from bot.services import notice_texts
from reminders.texts import Text


def localized(words: Callable[..., str], *args: Any) -> str:
    """``words(*args)`` — framework-free words (``bot.services.notice_texts``) — in the language of the update
    being handled."""
    i18n = I18n.get_current(no_error=True)
    return Text(words, args).render(i18n.current_locale if i18n is not None else DEFAULT_LOCALE)


def q(text: object) -> str:
    """Escape anything a user typed (or that came from the database) for an HTML message."""
    return escape(str(text), quote=False)


def local_time(at: datetime, tz: ZoneInfo) -> str:
    """An aware instant as the chat shows it: ``YYYY-MM-DD HH:MM`` in the deployment's zone ``tz`` (Beijing)."""
    return f"{at.astimezone(tz):%Y-%m-%d %H:%M}"


def role_name(role: Role) -> str:
    """The role's name in the language of the update being handled."""
    return localized(notice_texts.role_name, role.value)


def listed(items: Iterable[str]) -> str:
    """``items`` as a list in the language of the update: ``、`` between them in Chinese, ``, `` in English."""
    return _(", ").join(items)


def file_size(size: int | None) -> str:
    """A file's size for a listing: bytes under 1 KB (``125 B``), else KB rounded up, MB from 1 MB."""
    size = size or 0
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{-(-size // 1024)} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def level_name(level: str) -> str:
    """A hazard's level as stored (``重大隐患``, ``一般隐患``) in the language of the update being handled."""
    return labels.name(labels.LEVELS, level, _)
