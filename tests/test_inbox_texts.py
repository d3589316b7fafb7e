"""Every refusal of a submission's file or of an inbox action reads as its own sentence in both languages, with
its numbers (escaped) and "?" for a number the error did not carry (``handlers.inbox_texts``)."""

from __future__ import annotations

import pytest

from bot.i18n_telegram import build_i18n
from bot.services.inbox import NotTypical
from bot.services.inbox_export import ExportTooBig, NothingToExport
from handlers.error_texts import error_text
from reminders.submissions import TooManyFiles
from storage.errors import DomainError
from storage.upload_kinds import ACCEPTED, ACCEPTED_KINDS, FileKindRefused, UploadTooBig

CASES = [
    (UploadTooBig(size_mb=21.5, max_mb=20), "该文件为21.5 MB", "That file is 21.5 MB; the bot can receive at most 20 MB"),
    (FileKindRefused(), f"（{'、'.join(ACCEPTED_KINDS)}）", f"not one of the kinds kept ({ACCEPTED})"),
    (TooManyFiles(limit=30), "30", "already holds 30 files"),
    (NotTypical(), "只有标记为典型案例的报送材料才能发布", "Only a submission marked as a typical case"),
    (NothingToExport(), "所选范围内没有报送材料", "Nothing was submitted under this selection"),
    (ExportTooBig(size_mb=900, max_mb=200), "200", "The files come to 900 MB, more than the 200 MB"),
]


@pytest.mark.parametrize(("error", "zh", "en"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_each_inbox_refusal_says_its_own_words(error: DomainError, zh: str, en: str) -> None:
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        chinese = error_text(error)
    with i18n.context(), i18n.use_locale("en"):
        english = error_text(error)
    assert zh in chinese and en in english
    assert "{" not in chinese + english and "?" not in chinese + english


def test_a_number_the_error_did_not_carry_reads_as_a_question_mark_and_typed_text_is_escaped() -> None:
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("en"):
        assert "That file is ? MB" in error_text(UploadTooBig())
        assert "The files come to ? MB, more than the ? MB" in error_text(ExportTooBig())
        assert "already holds &lt;b&gt; files" in error_text(TooManyFiles(limit="<b>"))
