"""breaker6: hostile and clumsy invites naming their person (``/invite ROLE UNIT 姓名:NAME``, ``hazardbot invite
--name``) and the district emergency bureau's names (区应急局, 区安监局, 应急局…) wherever units are looked up,
through the dispatcher on SQLite and PostgreSQL: the name is kept exactly and escaped wherever it is shown, a name
written twice is refused, and /users, /setrole, /unsetrole read a unit as /invite and /status do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from tests.conftest import FailureLog, Harness
from tests.test_invite_names import _bound_with, _code, _record_name

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

OFFICE = "区安委会办公室"


@pytest.mark.parametrize("name", ["<b>张</b>&三", "王🐶", "❤️李", "朝外街道", "a\u0301", "王" * 64, "O'Neil &amp; Co"])
async def test_an_odd_but_printable_name_is_kept_exactly_and_escaped(harness: Harness, name: str) -> None:
    office = await harness.bind(7951, "office", OFFICE)
    sent = await office.say(f"/invite inspector 建外 姓名:{name}")
    html = sent[-1].text  # type: ignore[attr-defined]
    assert "<b>张" not in html and "&三" not in html, html  # escaped in the HTML sent
    assert office.last_text().endswith(f"记录和文书中将登记其姓名为 {name}。"), office.last_text()
    code = _code(office.last_text())
    sent = await office.say("/invites")
    assert "<b>张" not in sent[-1].text and f"姓名：{name}" in office.last_text()  # type: ignore[attr-defined]
    await _bound_with(harness, code, 7952)
    assert await _record_name(harness, 7952) == name


@pytest.mark.parametrize("named", ["姓名:张三 姓名:李四", "姓名:张三 name:李四", "name:张三 姓名：李四"])
async def test_a_name_written_twice_is_refused_and_no_code_issued(harness: Harness, named: str) -> None:
    office = await harness.bind(7953, "office", OFFICE)
    await office.say(f"/invite inspector 建外 {named}")
    said = office.last_text()
    assert said == "姓名写了两次：请只写一次“姓名:”，其后写一个姓名，例如 姓名:张三。", said
    await office.say("/invites")
    assert "暂无" in office.last_text(), office.last_text()


@pytest.mark.parametrize("named", ["姓名:   ", "姓名:\u3000\u3000", "姓名:\u200d", "姓名:\ufeff张", "姓名:\u2066张\u2069",
                                   "姓名:张\u00ad三", "姓名:" + "王" * 65])
async def test_a_blank_hidden_or_long_name_is_refused(harness: Harness, named: str, failures: FailureLog) -> None:
    office = await harness.bind(7954, "office", OFFICE)
    await office.say(f"/invite inspector 建外 {named}")
    assert office.last_text().startswith(("缺少姓名", "姓名中含有控制字符或不可见字符", "姓名过长")), office.last_text()
    assert "/bind" not in office.last_text() and failures.messages() == []


async def test_a_later_named_invite_renames_someone_named_by_an_earlier_one(harness: Harness) -> None:
    office = await harness.bind(7955, "office", OFFICE)
    await office.say("/invite inspector 建外 姓名:张三")
    await _bound_with(harness, _code(office.last_text()), 7956)
    await office.say("/invite reviewer 朝外街道 姓名:张三丰")
    await _bound_with(harness, _code(office.last_text()), 7956)
    assert await _record_name(harness, 7956) == "张三丰"
    await office.say("/users")
    line = next(ln for ln in office.last_text().splitlines() if "7956" in ln)
    assert "建外街道 检查人员" in line and "朝外街道 单位审核人" in line, line


@pytest.mark.parametrize("typed", ["区安监局", "安监局", "应急局", "区应急局", "110105001", "建外"])
async def test_users_and_roles_read_a_unit_as_invite_does(harness: Harness, typed: str) -> None:
    unit = "建外街道" if typed in ("110105001", "建外") else "区应急局"
    office = await harness.bind(7957, "office", OFFICE)
    await office.say(f"/invite leader {typed}")
    await _bound_with(harness, _code(office.last_text()), 7958)
    await office.say(f"/users {typed}")
    assert f"{unit} 主管领导" in office.last_text() and "7958" in office.last_text(), office.last_text()
    user_id = next(ln for ln in office.last_text().splitlines() if "7958" in ln).split()[0].lstrip("#")
    await office.say(f"/setrole {user_id} {typed} reviewer")
    assert office.last_text().endswith(f"{unit} 单位审核人"), office.last_text()
    await office.say(f"/unsetrole {user_id} {typed} reviewer")
    assert "单位审核人" not in office.last_text() and f"{unit} 主管领导" in office.last_text(), office.last_text()


async def test_users_of_an_unknown_unit_says_so(harness: Harness) -> None:
    office = await harness.bind(7959, "office", OFFICE)
    await office.say("/users 不存在的地方")
    assert office.last_text().startswith("未知单位：不存在的地方"), office.last_text()
    await office.say("/users <b>x</b>")
    assert "<b>x</b>" in office.last_text(), office.last_text()


async def test_an_unknown_unit_is_answered_with_names_like_it(harness: Harness) -> None:
    """``安监`` (the bureau's old short name, not an alias of its own) names no unit; the answer offers the bureau
    as it is called now, for /invite as for /users, and "<b>" typed stays text."""
    office = await harness.bind(7960, "office", OFFICE)
    await office.say("/invite leader 安监")
    assert office.last_text().startswith("未知单位：安监。您是否要找：区应急局？"), office.last_text()
    await office.say("/users <b>安监</b>")
    assert office.last_text().startswith("未知单位：<b>安监</b>。您是否要找：区应急局"), office.last_text()


@pytest.mark.parametrize(("typed", "unit"), [("区安监局", "区应急局"), ("应急局", "区应急局"), ("dept-21", "区应急局")])
def test_the_command_line_invites_the_bureau_by_any_of_its_names(
        at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str,
        unit: str) -> None:
    at_head(tmp_path)
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "leader", "--unit", typed,
                     "--name", "<b>王</b>&"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"邀请码：{unit} · 主管领导，登记姓名 <b>王</b>&，有效期至"), first


@pytest.mark.parametrize(("name", "why"), [("", "缺少姓名"), ("   ", "缺少姓名"), ("王" * 65, "过长")])
def test_the_command_line_refuses_a_blank_or_long_name(
        at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
        why: str) -> None:
    at_head(tmp_path)
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "inspector", "--unit", "建外",
                     "--name", name]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("--name ") and why in captured.err, captured


async def test_find_reads_a_unit_as_status_does(harness: Harness) -> None:
    office = await harness.bind(7964, "office", OFFICE)
    await office.say("/status 应急")
    assert "区应急局" in office.last_text()
    await office.say("/find 单位:应急")
    assert "无法识别" not in office.last_text() and "区应急局" in office.last_text(), office.last_text()


async def test_users_shows_the_name_a_named_invite_registered(harness: Harness) -> None:
    office = await harness.bind(7965, "office", OFFICE)
    await office.say("/invite inspector 建外 姓名:王建国")
    await _bound_with(harness, _code(office.last_text()), 7966)
    await office.say("/users 建外")
    assert "王建国" in office.last_text(), office.last_text()


@pytest.mark.parametrize("typed", ["建外 --name", "建外 姓名", "建外 name", "建外 姓名：", "建外 名字"])
async def test_a_name_marker_with_no_name_says_the_name_is_missing(harness: Harness, typed: str) -> None:
    office = await harness.bind(7967, "office", OFFICE)
    await office.say(f"/invite inspector {typed}")
    assert office.last_text() == "缺少姓名：请写在“姓名:”之后，例如 姓名:张三。", office.last_text()


@pytest.mark.parametrize(("typed", "name"), [("建外街道姓名:张三", "张三"), ("建外 名字:张三", "张三"),
                                             ("建外 姓名:Tom Name", "Tom Name"), ("建外\n姓名:张三", "张三")])
async def test_a_name_typed_without_a_space_or_as_名字_is_read(harness: Harness, typed: str, name: str) -> None:
    office = await harness.bind(7968, "office", OFFICE)
    await office.say(f"/invite inspector {typed}")
    said = office.last_text()
    assert said.startswith("建外街道检查人员的邀请码") and said.endswith(f"记录和文书中将登记其姓名为 {name}。"), said
