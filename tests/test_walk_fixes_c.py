"""What a newcomer met walking the README, third round: the terminal chat keeps a stored name when no --name is
given, tells how to get buttons back after a restart, gives its own usage lines, and suggests an invite only
when nobody is bound yet."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import fixed_clock
from bot.core import open_core
from bot.domain import Role
from bot.settings import Settings
from bot.terminal import run_chat
from storage.models import User
from tests.chat_script import refused
from tests.conftest import Harness, open_harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently


def _chat(settings: Settings, user_id: int, name: str | None, script: str, language: str = "zh-hans") -> str:
    out = io.StringIO()
    asyncio.run(run_chat(settings, user_id, name, language, stdin=io.StringIO(script + "/quit\n"), out=out))
    return out.getvalue()


async def _invite(settings: Settings) -> str:
    async with open_core(settings) as core:
        return (await core.services.invites.issue(Role("inspector"), "110105001", issuer=None)).code


async def _names(settings: Settings) -> dict[str, str]:
    async with open_core(settings) as core, core.uow() as u:
        return {a: n for a, n in (await u.session.exec(select(User.address, User.full_name))).all()}


def test_a_known_person_keeps_their_name_without_name_and_a_new_one_gets_it_in_their_language(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    _chat(settings, 20002, "陈军", "/start\n")
    assert "陈军" in _chat(settings, 20002, None, "/start\n/as 4848\n/start\n/as 20002\n/start\n")
    assert (await_names := asyncio.run(_names(settings)))["20002"] == "陈军", await_names
    english = _chat(settings, 30003, None, "/start\n", language="en")
    assert "Local user" in english and "本地用户" not in english, english
    assert _chat(settings, 30004, None, "/start\n").count("本地用户") >= 1


def test_a_button_number_after_a_restart_points_to_resume(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    chinese = _chat(settings, 4646, "市民", "#1\n")
    assert "/resume" in chinese and "没有这个按钮" in chinese, chinese
    english = _chat(settings, 4646, "Ann", "#1\n", language="en")
    assert "/resume" in english and "No such button" in english, english


def test_photo_without_a_path_and_location_with_one_number_get_their_usage_line(tmp_path: Path) -> None:
    text = _chat(Settings(data_dir=tmp_path), 4747, "市民", "/photo\n/location 1\n/file\n")
    assert "用法：/photo 路径" in text and "用法：/location 纬度 经度 [地址]" in text and "用法：/file 路径" in text, text
    assert "无法识别" not in text, text


def test_the_opening_lines_suggest_an_invite_only_while_nobody_is_bound(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = _chat(settings, 20002, "陈军", f"/bind {asyncio.run(_invite(settings))}\n")
    assert "invite --role inspector --unit 110105001" in first and "已绑定" in first, first
    later = _chat(settings, 4848, "市民", "")
    assert "invite --role" not in later and "/as 20002" in later and "陈军" in later, later


def test_chat_and_demo_help_list_the_data_dir_the_demo_tells_people_to_use(tmp_path: Path) -> None:
    from bot.cli import build_parser
    from bot.cli.demo import chat_command

    parser = build_parser()
    assert "--data-dir" in chat_command(tmp_path, 20002, "陈军", {})
    for command in ("chat", "demo"):
        sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
        assert "--data-dir DATA_DIR " in sub.format_help(), sub.format_help()
    args = parser.parse_args(["chat", "--data-dir", str(tmp_path), "--user-id", "20002"])
    assert args.data_dir == str(tmp_path) and args.name is None


async def test_invite_with_a_name_lacking_its_prefix_says_how_and_invites_shows_the_name(harness: Harness) -> None:
    office = await harness.bind(7801, "office", "区安委会办公室")
    await office.say("/invite inspector 建外 张三")
    said = office.last_text()
    assert "未知单位" not in said and "姓名:" in said and "/invite inspector 建外 姓名:张三" in said, said
    await office.say("/invite inspector 不存在的地方")
    assert "未知单位" in office.last_text(), office.last_text()
    await office.say("/invite inspector 建外 姓名:张三")
    await office.say("/invite reviewer 朝外街道")
    await office.say("/invites")
    lines = office.last_text().splitlines()
    assert any("建外街道" in line and "姓名：张三" in line for line in lines), lines
    assert any("朝外街道" in line and "姓名" not in line for line in lines), lines


async def test_submissions_of_an_impossible_month_say_the_month_is_not_valid(harness: Harness) -> None:
    office = await harness.bind(7811, "office", "区安委会办公室")
    await office.say("/submissions 2026-13")
    said = office.last_text()
    assert "2026-13 不是有效的月份" in said and "2026-11" in said and "未找到" not in said, said


async def test_a_past_deadline_is_refused_as_past_and_today_keeps_its_words(database_url: str, tmp_path: Path) -> None:
    from tests.test_walk_fixes_b import DECEMBER, _until_deadline

    async with open_harness(database_url, tmp_path, clock=fixed_clock(DECEMBER)) as december:
        chat = await december.bind(9401, "inspector", "110105001")
        await _until_deadline(chat)
        await refused(chat, "昨天", "2026-12-06 已经过去：整改时限必须晚于今天（2026-12-07），最早可填明天（2026-12-08）。",
                      "整改时限")
        await refused(chat, "今天", "整改时限必须晚于今天：今天（2026-12-07）不能作为整改时限，最早可填明天（2026-12-08）。",
                      "整改时限")


def test_export_finds_a_unit_by_its_short_and_former_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main as cli_main

    for typed in ("区安监局", "建外", "110105001"):
        out = tmp_path / f"{typed}.xlsx"
        assert cli_main(["--data-dir", str(tmp_path / "d"), "export", "hazards", "--unit", typed, "-o", str(out)]) == 0
        assert out.is_file()
    with pytest.raises(SystemExit, match="没有这个单位：'不存在'"):
        cli_main(["--data-dir", str(tmp_path / "d"), "export", "hazards", "--unit", "不存在", "-o", str(tmp_path / "x.xlsx")])


async def test_the_readme_says_what_a_township_leader_gets_from_submissions(harness: Harness) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "A township's leader has no `/submissions`" in readme
    assert "A township's leader opens only their own unit's" not in readme
    leader = await harness.bind(7821, "leader", "建外街道")
    await leader.say("/submissions")
    assert "无权" in leader.last_text(), leader.last_text()
    district = await harness.bind(7822, "leader", "区安监局")
    await district.say("/submissions")
    assert "报送材料" in district.last_text(), district.last_text()


@pytest.mark.parametrize("typed", ["2026-11-01", "2026-001", "2026年11月1日"])
async def test_submissions_of_a_date_say_the_month_is_not_valid(harness: Harness, typed: str) -> None:
    office = await harness.bind(7812, "office", "区安委会办公室")
    await office.say(f"/submissions {typed}")
    said = office.last_text()
    assert f"{typed} 不是有效的月份" in said and "未知单位" not in said, said


@pytest.mark.parametrize("typed", ["区安监局", "应急局", "建外"])
async def test_submissions_read_a_unit_as_status_does(harness: Harness, typed: str) -> None:
    office = await harness.bind(7813, "office", "区安委会办公室")
    await office.say(f"/submissions {typed}")
    said = office.last_text()
    assert "未知单位" not in said and ("区应急局" in said or "建外街道" in said), said
