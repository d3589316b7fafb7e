"""A role typed in Chinese — the names the bot itself shows (/invites, /users: 检查人员, 单位审核人, 安委办…) and
their short forms — is taken wherever a role is typed: /invite, /setrole, /unsetrole through the dispatcher on
SQLite and PostgreSQL, and ``hazardbot invite --role`` on the command line; the usage shows a Chinese example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.domain import Role
from bot.services.role_words import parse_role
from tests.conftest import Harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

OFFICE = "区安委会办公室"


def _code(text: str) -> str:
    m = re.search(r"/bind ([A-Z0-9]{8})", text)
    assert m, text
    return m.group(1)


@pytest.mark.parametrize(("typed", "shown"), [
    ("检查人员", "检查人员"), ("检查员", "检查人员"), ("单位审核人", "单位审核人"), ("审核人", "单位审核人"),
    ("主管领导", "主管领导"), ("联系人", "联系人员"), ("Inspector", "检查人员"),
])
async def test_invite_takes_the_chinese_role_name(harness: Harness, typed: str, shown: str) -> None:
    office = await harness.bind(7801, "office", OFFICE)
    await office.say(f"/invite {typed} 建外")
    said = office.last_text()
    assert f"{shown}" in said and "建外街道" in said and "/bind" in said, said
    invited = harness.chat(7802, "小李")
    await invited.say(f"/bind {_code(said)}")
    assert "已绑定" in invited.last_text() and shown in invited.last_text(), invited.last_text()


async def test_the_district_office_by_its_chinese_names(harness: Harness) -> None:
    office = await harness.bind(7803, "admin", OFFICE)  # the office may not invite its own
    for typed in ("安委办", "安委办工作人员", "工作人员（安委办）"):
        await office.say(f"/invite {typed} {OFFICE}")
        assert "工作人员（安委办）" in office.last_text() and "/bind" in office.last_text(), office.last_text()


async def test_an_unknown_role_gets_the_usage_with_a_chinese_example(harness: Harness) -> None:
    office = await harness.bind(7804, "office", OFFICE)
    await office.say("/invite 厨师 建外")
    said = office.last_text()
    assert "/invite 检查人员 建外街道" in said and "检查人员(inspector)" in said and "/bind" not in said, said


async def test_setrole_and_unsetrole_take_chinese_role_names(harness: Harness) -> None:
    office = await harness.bind(7805, "office", OFFICE)
    await harness.bind(7806, "inspector", "建外街道")
    await office.say("/users 建外街道")
    m = re.search(r"#(\d+) ", office.last_text())
    assert m, office.last_text()
    uid = int(m.group(1))
    await office.say(f"/setrole {uid} 建外街道 审核人 检查人员")  # swaps 检查人员 for 单位审核人
    said = office.last_text()
    assert "单位审核人" in said and "检查人员" not in said, said
    await office.say(f"/unsetrole {uid} 建外街道 单位审核人")
    assert "单位审核人" not in office.last_text() and "—" in office.last_text(), office.last_text()


def test_parse_role_refuses_the_public_and_strangers() -> None:
    assert parse_role("public") is None and parse_role("群众") is None and parse_role("") is None
    assert parse_role(" 工作人员 (安委办) ") is Role.OFFICE and parse_role("ADMIN") is Role.ADMIN


def _run(tmp_path: Path, *argv: str) -> int:
    try:
        return cli_main(["--data-dir", str(tmp_path / "data"), *argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def test_cli_invite_takes_the_role_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAZARDBOT_DATABASE_URL", raising=False)
    assert _run(tmp_path, "invite", "--role", "检查人员", "--unit", "建外") == 0
    out = capsys.readouterr()
    assert "检查人员" in out.out and re.search(r"^[A-Z0-9]{8}$", out.out.strip().splitlines()[-1], re.M), out
    assert _run(tmp_path, "invite", "--role", "厨师", "--unit", "建外") == 2
    err = capsys.readouterr().err
    assert "没有这个角色" in err and "检查人员(inspector)" in err and "Traceback" not in err, err
