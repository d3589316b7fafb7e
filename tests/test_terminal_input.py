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
    script = "/start\n#99\n/as abc\n/photo /nonexistent.jpg\n/location north east\n/quit\n"
    asyncio.run(run_chat(Settings(data_dir=tmp_path), 4646, "市民", "zh-hans", stdin=io.StringIO(script), out=out))
    text = out.getvalue()
    assert "没有这个按钮" in text and "用法：/as 用户ID [姓名]" in text and "用法：/location 纬度 经度 [地址]" in text
    assert "无法读取文件：/nonexistent.jpg" in text
    assert "invalid literal" not in text and "Errno" not in text and "out of range" not in text
