"""Hostile typed texts through the real dispatcher on SQLite and PostgreSQL: a NUL (PostgreSQL stores none: it
failed the update, or a form's submission, until ``bot.middlewares.NoNul``), control and format characters,
markup and huge texts in a form, in commands and in /report; each is refused or kept, never a failure, and a
record holding one is still found."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.local_chat import LocalChat
from storage.models import Hazard
from tests.chat_helpers import SUBMIT
from tests.conftest import FailureLog, Harness
from tests.forms_flow import PHOTOS, answer_hazard_from_person, finish_hazard, hazard_site

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently


async def _submit_from_person(chat: LocalChat, failures: FailureLog) -> None:
    """From the person in charge to 提交, one photo; submitted without a failure."""
    await answer_hazard_from_person(chat)
    await chat.photo(PHOTOS / "landscape_1.jpg")
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press(SUBMIT)
    assert not failures.records, failures.messages()
    assert "隐患已提交" in chat.last_text(), chat.last_text()


ODD = ["张\x00仓库", "张\x07\x1b[31m仓库", "\u202e库仓张", "张\u200b仓库\ufeff", "张" * 5000, "<b>张</b>&amp;仓库"]


@pytest.mark.parametrize("site", ODD, ids=["nul", "bell-escape", "rtl", "zero-width", "huge", "markup"])
async def test_an_odd_site_name_is_kept_or_refused_never_a_failure(harness: Harness, failures: FailureLog,
                                                                  site: str) -> None:
    h = harness
    chat = await h.bind(85501, "inspector", "110105001", "王检查")
    await hazard_site(chat, site)
    if "名称" in chat.last_text() and "⚠️" in chat.last_text():
        await chat.say("张XX出租房")  # refused, asked again
    await chat.location(39.9087, 116.4605)
    await chat.say("建国门外大街永安里8号")
    await _submit_from_person(chat, failures)
    async with h.core.uow() as u:
        [hazard] = (await u.session.exec(select(Hazard))).all()
    assert "\x00" not in hazard.site_name, hazard.site_name
    sent = await chat.say("/find 张")  # the record is found by its text
    assert not failures.records, failures.messages()
    assert "共找到 1 项" in chat.last_text() and (hazard.draft_number or "?") in chat.last_text(), chat.texts(sent)


@pytest.mark.parametrize("typed", ["/find 张\x00仓库", "/bind AB\x00CD", "/find 文字:\x00", "/report", "/status\x00"])
async def test_a_nul_in_a_command_is_answered_never_a_failure(harness: Harness, failures: FailureLog,
                                                              typed: str) -> None:
    h = harness
    chat = await h.bind(85502, "inspector", "110105001", "王检查")
    sent = await chat.say(typed)
    if typed == "/report":
        sent = await chat.say("幸福村中路12号地下室住了很多人\x00楼道里还在给电动车充电")
    assert chat.texts(sent), sent
    assert not failures.records, failures.messages()


async def test_a_nul_in_a_name_or_a_venue_is_answered_never_a_failure(harness: Harness, failures: FailureLog) -> None:
    h = harness
    stranger = h.chat(85503, "张\x00三")
    assert stranger.texts(await stranger.say("/start")), "no answer"
    chat = await h.bind(85504, "inspector", "110105001", "王检查")
    await hazard_site(chat)
    await chat.location(39.9087, 116.4605, "建国门外大街\x00永安里8号")
    if "门牌号" in chat.last_text() or "地址" in chat.last_text().splitlines()[-1]:
        await chat.say("建国门外大街永安里8号")
    await _submit_from_person(chat, failures)


async def test_a_nul_in_a_files_name_is_answered_never_a_failure(harness: Harness, failures: FailureLog) -> None:
    from bot.domain import HazardState
    from tests.chat_helpers import KEEP, actor_of, open_first
    from tests.lifecycle_factories import hazard

    h = harness
    inspector = await h.bind(85505, "inspector", "建外街道", "李检查")
    hid = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.REGISTERED)
    await open_first(inspector, "/rectify")
    await inspector.press("报告整改")
    await inspector.say("房东张三")
    while any(b.text.endswith(KEEP) for b in inspector.buttons()):
        await inspector.press(KEEP)
    await inspector.file(b"%PDF-1.4 acceptance", "验收\x00单.pdf", "application/pdf")
    await inspector.press("完成")
    await inspector.press(SUBMIT)
    assert not failures.records, failures.messages()
    assert "已整改，待复查" in inspector.last_text(), (hid, inspector.last_text())
