"""/status with view words and unit names in odd forms, through the dispatcher on SQLite and PostgreSQL: full-width
letters, mixed case, 5000 characters, HTML, only spaces. Each is understood or refused in words, nothing fails,
and every answer fits one Telegram message."""

from __future__ import annotations

from aiogram.methods import SendDocument, SendMessage, SendPhoto

from handlers.message_limits import TELEGRAM_TEXT_LIMIT, utf16_len
from tests.conftest import FailureLog, Harness


async def test_status_words_in_odd_forms(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(76101, "office", "区安委会办公室")
    seen: dict[str, list[str]] = {}
    for words in ("ＸＬＳＸ", "Excel 建外", "建外 EXCEL", "按行业　建外街道", "ＣＢＤ", "cbd 资金", "全区", "全　区",
                  "<b>x</b>", "建" * 5000, "   ", "　　", "按行业 " + "<i>" * 1000, "xlsx xlsx", "按街乡 按行业"):
        sent = await office.say(f"/status {words}")
        kinds = [type(m).__name__ for m in sent if isinstance(m, SendMessage | SendPhoto | SendDocument)]
        texts = office.texts(sent)
        seen[words[:20]] = kinds + [t[:80] for t in texts]
        assert all(utf16_len(t) <= TELEGRAM_TEXT_LIMIT for t in texts), words[:20]
    assert failures.messages() == [], failures.messages()
    # a view word read as the unit names are: full-width (a Chinese keyboard's), any case
    for words in ("ＸＬＳＸ", "Excel 建外", "建外 EXCEL"):
        assert seen[words] == ["SendDocument"], (words, seen[words])
    assert seen["ＣＢＤ"][0] == "SendPhoto" and "CBD管委会" in seen["ＣＢＤ"][2]
    for blank in ("   ", "　　"):  # nothing but spaces: the sender's own scope, the district for the office
        assert seen[blank][0] == "SendPhoto" and "全区" in seen[blank][2], seen[blank]
    assert "没有名为“<b>x</b>”的单位" in seen["<b>x</b>"][1]  # shown as typed, not as markup


async def test_status_refused_shows_no_upload_first(harness: Harness, failures: FailureLog) -> None:
    """A citizen's /status is refused in words alone: no "uploading photo" before it, and none before the office's
    answer either (it takes well under a second; the action would spend the chat's message a second)."""
    from aiogram.methods import SendChatAction

    citizen = harness.chat(76102, "市民")
    sent = await citizen.say("/status")
    assert not any(isinstance(m, SendChatAction) for m in sent), sent
    assert "尚未绑定" in " ".join(citizen.texts(sent)), citizen.texts(sent)
    office = await harness.bind(76103, "office", "区安委会办公室")
    sent = await office.say("/status")
    assert [type(m).__name__ for m in sent] == ["SendPhoto", "SendMessage"], sent
    assert failures.messages() == [], failures.messages()
