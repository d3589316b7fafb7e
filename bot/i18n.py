"""Texts through gettext catalogs (``bot/locales/<locale>/LC_MESSAGES/hazardbot.po``).

Message ids are English; Simplified Chinese (``zh``) is the default locale, English (``en``) the second,
chosen by the user's Telegram language. Catalogs are compiled in memory from the ``.po`` files at start,
so no binary ``.mo`` is kept in the repository. Nothing here imports aiogram: services and reminders
render texts with ``translate``; ``bot.i18n_telegram`` gives the dispatcher its ``I18n``.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "hazardbot"
DEFAULT_LOCALE = "zh"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def load_catalogs(path: Path = LOCALES_DIR, domain: str = DOMAIN) -> dict[str, gettext.GNUTranslations]:
    """The compiled catalog of each locale under ``path`` (``zh``); English needs none (the message ids)."""
    translations: dict[str, gettext.GNUTranslations] = {}
    for po_path in sorted(path.glob(f"*/LC_MESSAGES/{domain}.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations[po_path.parent.parent.name] = gettext.GNUTranslations(buffer)
    return translations


@cache
def compiled_catalogs(path: Path = LOCALES_DIR, domain: str = DOMAIN) -> dict[str, gettext.GNUTranslations]:
    """``load_catalogs`` once per process: compiling the ``.po`` files takes about 0.1 s, and every
    dispatcher built (one per test, in the tests) and every text outside an update reads them. Read only."""
    return load_catalogs(path, domain)


def translate(locale: str, message: str) -> str:
    """``message`` (an English message id) in ``locale``, outside any update (reminders, the outbox)."""
    catalog = compiled_catalogs().get(locale)
    return catalog.gettext(message) if catalog is not None else message


def locale_for(language_code: str | None) -> str:
    """``en`` for English-speaking Telegram clients, otherwise the default ``zh``."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LOCALE
