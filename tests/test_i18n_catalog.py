"""Every text the bot can say has a Simplified Chinese translation (run ``python -m bot.catalog``)."""

from __future__ import annotations

from bot.catalog import extracted_ids, untranslated


def test_every_message_id_in_the_code_is_translated_to_chinese() -> None:
    assert len(extracted_ids()) > 50
    assert untranslated() == []
