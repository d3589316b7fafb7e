"""The dispatcher's ``I18n``: aiogram's, reading the same ``.po`` catalogs as ``bot.i18n``."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from typing_extensions import override

from bot.i18n import DEFAULT_LOCALE, DOMAIN, LOCALES_DIR, compiled_catalogs


class CatalogI18n(I18n):
    """aiogram's ``I18n`` reading ``.po`` catalogs directly."""

    @override
    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return dict(compiled_catalogs(Path(self.path), self.domain))

    @contextmanager
    def context(self) -> Iterator[I18n]:
        """Make this catalog "the current I18n" where aiogram's ``gettext()`` looks for it.

        aiogram keeps the current instance in a context variable per class and ``gettext()`` reads
        ``I18n``'s, so a subclass setting its own (what the inherited ``context`` does) would leave handlers
        without a catalog. Setting ``I18n``'s through its public classmethods replaces writing the
        name-mangled ``_ContextInstanceMixin__context_instance`` of aiogram's mixin."""
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)


def build_i18n() -> CatalogI18n:
    """The gettext catalogs of ``LOCALES_DIR`` with Chinese as the default."""
    return CatalogI18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)
