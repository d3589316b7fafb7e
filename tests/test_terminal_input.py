"""The terminal chat passes what the user typed to the bot as typed; only its own commands (/photo,
/album, /file, /location, /as) read quoted arguments."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.settings import Settings
from bot.terminal import run_chat


def test_an_apostrophe_reaches_the_bot_and_a_bad_quote_in_a_path_is_explained(tmp_path: Path) -> None:
    out = io.StringIO()
    script = "/find O'Brien\n/photo \"~/照片 1.jpg\n/quit\n"
    asyncio.run(run_chat(Settings(data_dir=tmp_path), 4545, "市民", "zh-hans", stdin=io.StringIO(script), out=out))
    text = out.getvalue()
    assert "No closing quotation" not in text
    assert "尚未绑定" in text or "未绑定" in text, text  # the bot answered /find (the user is not bound)
    assert "引号不配对" in text


def test_the_terminals_own_mistakes_are_explained_in_chinese(tmp_path: Path) -> None:
    out = io.StringIO()
    script = "/start\n#99\n/as abc\n/as -5\n/as 0\n/as\n/photo /nonexistent.jpg\n/location north east\n/quit\n"
    asyncio.run(run_chat(Settings(data_dir=tmp_path), 4646, "市民", "zh-hans", stdin=io.StringIO(script), out=out))
    text = out.getvalue()
    assert text.count("用法：/as 用户ID [姓名]") == 4, text  # abc, -5, 0 and a bare /as: ids the bot would ignore
    assert "没有这个按钮" in text and "用法：/as 用户ID [姓名]" in text and "用法：/location 纬度 经度 [地址]" in text
    assert "无法读取文件：/nonexistent.jpg" in text
    assert "invalid literal" not in text and "Errno" not in text and "out of range" not in text


def test_a_message_to_someone_else_names_its_recipient_and_as_keeps_names(tmp_path: Path) -> None:
    from aiogram.methods import SendMessage

    from bot.terminal import Printer

    out = io.StringIO()
    script = "/as 20001 张科长\n/as 4747\n/as 20001\n/quit\n"
    asyncio.run(run_chat(Settings(data_dir=tmp_path), 4747, "市民", "zh-hans", stdin=io.StringIO(script), out=out))
    assert out.getvalue().count("以用户 20001「张科长」") == 2, out.getvalue()  # the second /as 20001 kept the name
    assert "以用户 4747「市民」" in out.getvalue()

    out = io.StringIO()
    printer = Printer(out)
    printer.speaker(20001, "张科长")
    printer.speaker(4747, "市民")
    printer(SendMessage(chat_id=4747, text="您的举报已受理"))
    printer(SendMessage(chat_id=20001, text="新的举报待核实"))
    printer(SendMessage(chat_id=30003, text="待审核"))
    lines = [line for line in out.getvalue().splitlines() if line]
    assert lines == ["[机器人] 您的举报已受理", "[机器人 → 张科长（20001）] 新的举报待核实",
                     "[机器人 → 用户30003（30003）] 待审核"], lines


def test_a_person_met_in_an_earlier_session_keeps_their_name(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    asyncio.run(run_chat(settings, 20002, "王科长", "zh-hans", stdin=io.StringIO("/start\n/quit\n"), out=io.StringIO()))
    out = io.StringIO()
    asyncio.run(run_chat(settings, 4848, "市民", "zh-hans", stdin=io.StringIO("/as 20002\n/quit\n"), out=out))
    assert "以用户 20002「王科长」" in out.getvalue(), out.getvalue()  # the name the database keeps, not 用户20002


def test_buttons_that_replace_others_are_printed_and_a_taken_keyboard_prints_nothing() -> None:
    """A sub-menu (转交's townships) replaces the buttons under a message: the terminal must show them, or a chat
    user cannot know which #N to press (the walk of session 13 found 望京 at #26 only by guessing)."""
    from aiogram.methods import EditMessageReplyMarkup
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.terminal import Printer

    out = io.StringIO()
    printer = Printer(out)
    printer.speaker(4848, "办公室")
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="望京街道", callback_data="x:1")],
                                                   [InlineKeyboardButton(text="« 返回", callback_data="x:2")]])
    printer(EditMessageReplyMarkup(chat_id=4848, message_id=7, reply_markup=markup))
    assert "按钮已更新" in out.getvalue() and "[#1 望京街道]" in out.getvalue() and "[#2 « 返回]" in out.getvalue()
    out.truncate(0)
    out.seek(0)
    printer(EditMessageReplyMarkup(chat_id=4848, message_id=7, reply_markup=None))
    assert out.getvalue() == ""
