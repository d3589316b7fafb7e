"""The dispatcher's ``I18n``: aiogram's, reading the same ``.po`` catalogs as ``bot.i18n``."""

from __future__ import annotations

import gettext

from aiogram.utils.i18n import I18n

from bot.i18n import DEFAULT_LOCALE, DOMAIN, LOCALES_DIR, load_catalogs


class CatalogI18n(I18n):
    """aiogram's ``I18n`` reading ``.po`` catalogs directly."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return load_catalogs(self.path, self.domain)


# aiogram keeps "the current I18n" in a context variable per class; gettext() reads I18n's, so the
# subclass must share it or handlers would find no catalog.
CatalogI18n._ContextInstanceMixin__context_instance = I18n._ContextInstanceMixin__context_instance  # type: ignore[attr-defined]


def build_i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)
