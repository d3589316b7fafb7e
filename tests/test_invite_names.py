"""An invite may name the person it invites (their registered name, printed on records and papers instead of
their Telegram display name): ``/invite ROLE UNIT 姓名:NAME`` through the dispatcher and ``hazardbot invite
--name``, on SQLite and PostgreSQL; the name is checked as the contact form's import checks names (length, no
control or invisible character); a person the contact form (附件4) names keeps the form's name; /help shows how."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from aiogram.types import Contact as TgContact

from bot.channels import telegram_address
from bot.cli import main as cli_main
from bot.local_chat import LocalChat
from tests.conftest import Harness
from tests.reminders import factories as f

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

OFFICE = "区安委会办公室"
NICK = "小王🐶"


def _code(text: str) -> str:
    m = re.search(r"/bind ([A-Z0-9]{8})", text)
    assert m, text
    return m.group(1)


async def _record_name(h: Harness, user_id: int, full_name: str = NICK) -> str:
    return (await h.core.services.users.touch(telegram_address(user_id), full_name, "zh-hans")).record_name


async def _bound_with(h: Harness, code: str, user_id: int) -> LocalChat:
    invited = h.chat(user_id, NICK)
    await invited.say(f"/bind {code}")
    assert "已绑定" in invited.last_text(), invited.last_text()
    return invited


@pytest.mark.parametrize("named", ["姓名:王建国", "姓名：王建国", "name: 王建国", "--name 王建国", "—name 王建国"])
async def test_an_invite_naming_its_person_gives_them_that_name_on_records(harness: Harness, named: str) -> None:
    office = await harness.bind(7701, "office", OFFICE)
    await office.say(f"/invite inspector 建外街道 {named}")
    said = office.last_text()
    assert "建外街道" in said and "记录和文书中将登记其姓名为 王建国。" in said, said
    await _bound_with(harness, _code(said), 7702)
    assert await _record_name(harness, 7702) == "王建国"


async def test_a_name_with_spaces_in_english_and_no_name_at_all(harness: Harness) -> None:
    office = harness.chat(7703, "Office", "en")
    await harness.bind(7703, "office", OFFICE)
    await office.say("/invite reviewer 朝外街道 name:John Smith")
    assert "Records and papers will name them John Smith." in office.last_text(), office.last_text()
    await _bound_with(harness, _code(office.last_text()), 7704)
    assert await _record_name(harness, 7704) == "John Smith"
    await office.say("/invite reviewer 朝外街道")  # no name: the Telegram name, as before
    assert "Records and papers" not in office.last_text()
    await _bound_with(harness, _code(office.last_text()), 7705)
    assert await _record_name(harness, 7705) == NICK


@pytest.mark.parametrize(("named", "why"), [
    ("姓名:王\u202e建国", "姓名中含有控制字符或不可见字符"),
    ("姓名:王\u200b建国", "姓名中含有控制字符或不可见字符"),
    ("姓名:王\n建国", "姓名中含有控制字符或不可见字符"),
    ("姓名:" + "王" * 65, "姓名过长：最多 64 个字。"),
    ("姓名:", "缺少姓名"),
])
async def test_a_bad_name_is_refused_and_no_code_issued(harness: Harness, named: str, why: str) -> None:
    office = await harness.bind(7711, "office", OFFICE)
    await office.say(f"/invite inspector 建外街道 {named}")
    said = office.last_text()
    assert said.startswith(why) and "/bind" not in said, said
    assert await harness.core.services.admin.pending_invites(
        await harness.core.services.users.touch(telegram_address(7711), "测试用户", "zh-hans")) == []


async def test_the_contact_forms_name_wins_over_the_invites(harness: Harness) -> None:
    async with harness.core.uow() as u:
        await f.contact(u.session, await f.unit_id(u.session, "朝外街道"), "contact", "王联系", "13901230009")
        await u.commit()
    person = harness.chat(7721, NICK)
    await person._feed(harness.factory.message(person.user, contact=TgContact(
        phone_number="13901230009", first_name="王", user_id=person.user.id)))
    assert "已通过手机号码绑定" in person.last_text(), person.last_text()
    office = await harness.bind(7722, "office", OFFICE)
    await office.say("/invite reviewer 朝外街道 姓名:王某")
    await person.say(f"/bind {_code(office.last_text())}")
    assert "已绑定" in person.last_text(), person.last_text()
    assert await _record_name(harness, 7721) == "王联系"


async def test_help_shows_how_to_name_the_person(harness: Harness) -> None:
    office = await harness.bind(7731, "office", OFFICE)
    await office.say("/help")
    assert "/invite 角色 单位 [姓名:姓名]" in office.last_text(), office.last_text()
    await office.say("/invite")
    assert office.last_text().startswith("请发送 /invite 角色 单位 [姓名:姓名]，例如：/invite 检查人员 建外街道 姓名:张三")


def test_the_command_line_names_the_person_and_refuses_a_bad_name(
        at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    at_head(tmp_path)
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "inspector", "--unit", "建外",
                     "--name", " 张三\u3000"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("邀请码：建外街道 · 检查人员，登记姓名 张三，有效期至"), first
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "inspector", "--unit", "建外",
                     "--name", "张\u202e三"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.strip() == "--name '张\\u202e三'：含有控制字符或不可见字符。", captured
