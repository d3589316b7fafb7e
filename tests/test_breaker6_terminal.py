"""breaker6: the terminal chat (``hazardbot chat``) driven clumsily: ``--user-id`` Telegram cannot have is refused
by the command line instead of a chat where the bot stays silent; ``/as`` refuses the same ids; ``/photo`` and
``/file`` of a folder or a missing file say they cannot read it; a stored name is kept across runs and languages;
a name holding HTML is shown as typed."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.settings import Settings
from bot.terminal import run_chat


def _chat(settings: Settings, user_id: int, name: str | None, script: str, language: str = "zh-hans") -> str:
    out = io.StringIO()
    asyncio.run(run_chat(settings, user_id, name, language, stdin=io.StringIO(script + "/quit\n"), out=out))
    return out.getvalue()


@pytest.mark.parametrize("user_id", ["0", "-5", "9223372036854775808", "4503599627370496", "４２", "abc"])
def test_a_user_id_telegram_cannot_have_is_refused_on_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], user_id: str) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main(["--data-dir", str(tmp_path), "chat", f"--user-id={user_id}"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --user-id: {user_id!r} 不是有效的用户 ID：请给出 1 到 4503599627370495 之间的整数" in err, err


def test_the_largest_user_id_is_answered(tmp_path: Path) -> None:
    said = _chat(Settings(data_dir=tmp_path), 2**52 - 1, "大号", "/start\n")
    assert "大号，您好" in said, said


def test_as_refuses_ids_telegram_cannot_have_and_keeps_talking(tmp_path: Path) -> None:
    said = _chat(Settings(data_dir=tmp_path), 5001, "甲",
                 "/as -5\n/as 0\n/as 99999999999999999999999\n/as ４２\n/as 12abc\n/as\n/start\n")
    assert said.count("  ! 用法：/as 用户ID [姓名]") == 6 and "甲，您好" in said, said


def test_a_name_with_html_is_shown_as_typed(tmp_path: Path) -> None:
    said = _chat(Settings(data_dir=tmp_path), 5002, "<b>x</b>&", "/start\n/as 5003 <i>名</i>\n/start\n")
    assert "<b>x</b>&，您好" in said and "（现在以用户 5003「<i>名</i>」的身份对话）" in said and "<i>名</i>，您好" in said, said
    assert "&amp;" not in said and "&lt;" not in said, said


def test_photo_and_file_of_a_folder_or_a_missing_path_cannot_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    said = _chat(Settings(data_dir=tmp_path / "d"), 5004, "乙",
                 f"/photo {folder}\n/file {folder}\n/photo {tmp_path / 'none.jpg'}\n/album {folder} {folder}\n")
    for path in (folder, folder, tmp_path / "none.jpg"):
        assert f"  ! 无法读取文件：{path}" in said, said
    assert "Traceback" not in said and said.count("无法读取文件") >= 4, said


def test_a_stored_name_is_kept_in_english_and_a_button_after_a_restart_points_to_resume(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    _chat(settings, 5005, "陈军", "/start\n")
    english = _chat(settings, 5005, None, "/start\n#1\n#0\n", language="en")
    assert "Hello 陈军!" in english and "Local user" not in english, english
    assert english.count("No such button") == 2 and "/resume" in english, english
    renamed = _chat(settings, 5005, "陈军二", "/start\n")
    assert "陈军二，您好" in renamed, renamed
