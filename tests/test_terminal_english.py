"""The terminal chat's own words (its opening help, its answers to a mistyped button, path or user id) follow the
client's language as the bot's do (English message ids through the gettext catalog): English for ``--lang en``,
Simplified Chinese by default."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

from bot.settings import Settings
from bot.terminal import run_chat

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _chat(tmp_path: Path, language: str, script: str) -> str:
    out = io.StringIO()
    asyncio.run(run_chat(Settings(data_dir=tmp_path), 4949, "Ann", language, stdin=io.StringIO(script), out=out))
    return out.getvalue()


def test_the_terminal_speaks_english_to_an_english_client(tmp_path: Path) -> None:
    said = _chat(tmp_path, "en", "#99\n/as abc\n/location north east\n/photo \"~/a b.jpg\n/photo /nonexistent.jpg\n"
                                 "/as 20002\n/quit\n")
    opening = said.split("\n> ")[0]
    assert opening.startswith("Local chat (no network, no token).") and "/as USER_ID [NAME]   switch user" in opening
    assert "invite --role inspector --unit 110105001" in opening and not CJK.search(opening), opening
    own = [line for line in said.splitlines() if line.startswith("  ")]
    assert any(line.startswith("  ! No such button") and "/resume" in line for line in own), own
    assert "  ! Usage: /as USER_ID [NAME]" in own and "  ! Usage: /location LAT LON [ADDRESS]" in own, own
    assert "  ! Unpaired quotes, e.g.: /photo \"~/photos 1.jpg\"" in own, own
    assert "  ! Cannot read the file: /nonexistent.jpg" in own, own
    assert "  (now talking as user 20002 “user 20002”)" in own, own
    assert not [line for line in own if CJK.search(line)], own


def test_the_terminal_speaks_chinese_by_default(tmp_path: Path) -> None:
    said = _chat(tmp_path, "zh-hans", "/as 20002\n/quit\n")
    assert said.startswith("本地对话模式（无需网络和令牌）。直接输入文字或命令与机器人对话；\n  #编号"), said
    assert "（现在以用户 20002「用户20002」的身份对话）" in said
