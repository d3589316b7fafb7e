"""What a newcomer met walking the README (``hazardbot demo``, then ``hazardbot chat``), through the dispatcher:
a deadline's month-day typed in December is next year's, hints and refusals show dates near today; /export
takes Chinese words; the hazard card names its unit once and its level in the reader's language; /rank UNIT;
the /find export's caption has no stray space; the terminal chat numbers its files on and speaks English."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile
from sqlmodel import select

from bot.clock import fixed_clock
from bot.map_chart import TEXTS
from bot.settings import Settings
from bot.terminal import Printer, run_chat
from bot.updates import UpdateFactory
from storage.models import Draft
from tests.chat_helpers import card
from tests.chat_script import Tap, answer, refused, shows
from tests.conftest import Harness, open_harness
from tests.forms_flow import fill_hazard_until_review

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

DECEMBER = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def december(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(DECEMBER)) as harness:
        yield harness


async def _until_deadline(chat) -> str:  # type: ignore[no-untyped-def]
    """/hazard answered up to its deadline question; that question's text."""
    await answer(chat, "/hazard", Tap("保持当前值"), "某某餐馆", "朝阳路2号", "赵六", "13912345678", Tap("个人"), "8",
                 Tap("跳过"), Tap("跳过"), Tap("跳过"), Tap("保持当前值"), "厨房燃气管道老化，无报警装置",
                 Tap("城市运行"), Tap("燃气"), Tap("一般隐患"), Tap("其他"), "50", "20", "更换管道")
    return chat.last_text()


async def test_a_deadline_typed_without_a_year_in_december_is_next_years(december: Harness) -> None:
    chat = await december.bind(9301, "inspector", "110105001")
    question = await _until_deadline(chat)
    assert "整改时限" in question and "2018" not in question, question
    await refused(chat, "今天", "整改时限必须晚于今天：今天（2026-12-07）不能作为整改时限，最早可填明天（2026-12-08）。",
                  "整改时限")
    await refused(chat, "下周", "无法识别该日期。可输入 2027-01-06、2027/01/06、1月6日 或 明天。", "整改时限")
    await shows(chat, "10月15日", "隐患照片")
    async with december.core.uow() as u:
        data = (await u.session.exec(select(Draft).where(Draft.status == "active"))).one().data
    assert data["deadline"] == "2027-10-15"
    # a past-date question keeps this year's meaning: 12月1日 is last week, not next December
    other = await december.bind(9307, "inspector", "110105001")
    await other.say("/inspect")
    await refused(other, "下周", "无法识别该日期。可输入 2026-11-30、2026/11/30、11月30日、今天 或 昨天。", "检查时间")
    await other.say("12月1日")
    async with december.core.uow() as u:
        drafts = (await u.session.exec(select(Draft).where(Draft.status == "active"))).all()
    assert [d.data["inspected_on"] for d in drafts if "inspected_on" in d.data] == ["2026-12-01"]


JANUARY = datetime(2027, 1, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


async def test_an_inspection_day_typed_without_a_year_in_january_is_last_decembers(
        database_url: str, tmp_path: Path) -> None:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(JANUARY)) as january:
        chat = await january.bind(9308, "inspector", "110105001")
        await chat.say("/inspect")
        await chat.say("12月28日")  # the inspection was last week, not next December
        async with january.core.uow() as u:
            drafts = (await u.session.exec(select(Draft).where(Draft.status == "active"))).all()
        assert [d.data["inspected_on"] for d in drafts if "inspected_on" in d.data] == ["2026-12-28"]


async def test_the_card_names_a_townships_unit_once_and_the_level_in_english(harness: Harness) -> None:
    chat = await harness.bind(9305, "inspector", "110105001", name="王检查")
    await fill_hazard_until_review(chat)
    await chat.press("提交")
    await card(chat, "D001201810150001")
    text = chat.last_text()
    assert "单位：建外街道\n" in text + "\n" and "建外街道 · 建外街道" not in text, text
    chat.user = UpdateFactory.user(9305, "王检查", "en")
    await card(chat, "D001201810150001")
    head = chat.last_text().splitlines()[0]
    assert head.endswith("· major hazard") and "重大隐患" not in head, head
    await chat.say("/start")
    assert "• 建外街道: inspector" in chat.last_text(), chat.last_text()


def test_the_map_tells_a_user_what_to_do_in_the_bot_not_on_the_server() -> None:
    for words in TEXTS.values():
        assert "hazardbot" not in words["more"] and "/find" in words["more"], words["more"]


def test_the_terminal_numbers_files_on_across_sessions_and_speaks_english(tmp_path: Path) -> None:
    photo = SendPhoto(chat_id=1, photo=BufferedInputFile(b"png", "status.png"))
    Printer(io.StringIO(), tmp_path)(photo)
    out = io.StringIO()
    Printer(out, tmp_path, "en")(photo)  # a new session
    assert sorted(p.name for p in tmp_path.iterdir()) == ["001-status.png", "002-status.png"]
    assert out.getvalue().strip().startswith("[bot] [photo ")
    out = io.StringIO()
    asyncio.run(run_chat(Settings(data_dir=tmp_path / "d"), 9306, "Ann", "en", stdin=io.StringIO("/start\n/quit\n"),
                         out=out))
    assert "[bot]" in out.getvalue() and "[机器人]" not in out.getvalue()
