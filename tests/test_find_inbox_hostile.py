"""Hostile and careless input to /find and /submissions (issue 16), through the dispatcher on SQLite and PostgreSQL:
a date at the calendar's end typed to /find, a very long or very many words not understood, full-width digits,
and an office button carrying a forged month. Each is refused in words (or understood), nothing fails, and every
answer fits one Telegram message."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery

from bot.domain import Role
from bot.local_chat import Button, LocalChat
from handlers.inbox import InboxCb
from handlers.message_limits import TELEGRAM_TEXT_LIMIT, utf16_len
from handlers.paging import PageCb
from tests.conftest import FailureLog, Harness


def _forged(chat: LocalChat, data: str) -> Button:
    return Button("forged", data, None, chat.buttons()[0].message)


async def test_find_refuses_dates_at_the_calendars_end_and_reads_full_width_digits(
        harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9601, "office", "区安委会办公室")
    for words, day in (("9999-12", "9999-12"), ("上账:..9999-12-31", "9999-12-31"), ("上账 9999-12-31", "9999-12-31"),
                       ("期限 2026-01-01..9999-12-31", "9999-12-31")):
        await office.say(f"/find {words}")
        assert office.last_text().startswith(f"{day} 是日期，但远在专项行动的时间之外：/find 只查 2000 年至 2099 年"), \
            (words, office.last_text())
        assert "/find 认识的词" in office.last_text()
    await office.say("/find ２０２６-１１-０１")
    assert "整改期限：2026-11-01 – 2026-11-01" in office.last_text()
    assert failures.messages() == []


async def test_find_words_not_understood_are_named_short_and_the_answer_fits_one_message(
        harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9602, "office", "区安委会办公室")
    en = harness.chat(9603, "Eve", "en")
    issued = await harness.core.services.invites.issue(Role.OFFICE, "区安委会办公室", issuer=None)
    await en.say(f"/bind {issued.code}")
    for chat, words, first in ((office, "x" * 4000, "无法识别：" + "x" * 29 + "…"),
                               (office, " ".join(["ab"] * 1300), "无法识别：ab、ab"),
                               (en, "y" * 4000, "I do not understand: " + "y" * 29 + "…")):
        await chat.say(f"/find {words}")
        answer = chat.last_text()
        assert answer.startswith(first), answer[:80]
        assert utf16_len(answer) <= TELEGRAM_TEXT_LIMIT
    assert failures.messages() == []


async def test_an_inbox_button_with_a_forged_month_is_refused_and_the_list_stops_at_its_years(
        harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9604, "office", "区安委会办公室")
    await office.say("/submissions 2000-01")
    labels = [b.text for b in office.buttons()]
    assert "2000-02 ▶" in labels and not any(t.startswith("◀ 1999") for t in labels)
    for data in (InboxCb(a="f", k="000001a").pack(), InboxCb(a="f", k="999912a").pack(),
                 InboxCb(a="u", k="999912a").pack(), PageCb(v="sb", n=1, k="999912a").pack()):
        sent = await office.press_button(_forged(office, data))
        alerts = [m.text for m in sent if isinstance(m, AnswerCallbackQuery) and m.text]
        assert alerts and "未找到" in alerts[-1], (data, alerts)
    assert failures.messages() == []


async def test_a_button_nobody_knows_names_the_ways_back(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9607, "office", "区安委会办公室")
    await office.say("/submissions 2018-10")
    sent = await office.press_button(_forged(office, "zz9:an-old-keyboard"))
    alerts = [m for m in sent if isinstance(m, AnswerCallbackQuery) and m.text]
    assert alerts and alerts[-1].show_alert and "/review" in alerts[-1].text and "/resume" in alerts[-1].text
    assert failures.messages() == []


async def test_publishing_a_typical_case_again_says_it_was_published_and_sends_it_to_no_one_twice(
        harness: Harness, failures: FailureLog) -> None:
    contact = await harness.bind(9605, "contact", "朝外街道", "王联系")
    await contact.say("/report_info")
    await contact.press("工作信息或典型案例")
    await contact.say("十月典型案例：出租房屋隐患整改。")
    await contact.say("/done")
    office = await harness.bind(9606, "office", "区安委会办公室")
    await office.say("/submissions 2018-10")
    await office.press(1)
    await office.press("标记为典型案例")
    publish = [b for b in office.buttons() if "发布" in b.text][0]
    await office.press_button(publish)
    assert office.last_text().startswith("已通过发送队列发布给1位联系人")
    await office.press_button(publish)  # a double tap, or the button of the older message
    assert office.last_text().startswith("该典型案例已于2018-10-15 09:30发布；本次另向0位此前未收到的联系人发送。"), \
        office.last_text()
    assert len([t for t in contact.texts() if t.startswith("【典型案例】")]) == 1
    assert failures.messages() == []


async def test_a_date_range_typed_after_its_button_is_explained_as_a_date_range_when_not_understood(
        harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9607, "office", "区安委会办公室")
    await office.say("/find")
    await office.press("＋ 整改期限")
    for words in ("下个月", "2018-10-01 2018-10-31", "next month"):
        await office.say(words)
        assert office.last_text().startswith(f"{words} 不是日期范围：请写 YYYY-MM-DD..YYYY-MM-DD"), office.last_text()
        assert office.last_text().endswith("请发送整改期限范围，例如 2026-11-01..2026-11-30、2026-11（整月）或 ..2026-11-30。"
                                           "发送 /cancel 取消。")
    await office.say("2018-10")
    assert "· 整改期限：2018-10-01 – 2018-10-31" in office.last_text()
    assert failures.messages() == []
