"""/find by any field (issue 16 item 2), through the dispatcher on a generated district of 78 units and
3 000 hazards (``tests.find_district``, inserted once per module and database): each filter and some
combinations return exactly what an independent SQL query over the same rows returns; typed words and the
filter card's buttons give the same result; the pager reaches the last item; the export holds the filtered
ledger rows; unknown words are told in the user's language; a district leader and the office find across the
district."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendDocument
from openpyxl import load_workbook
from sqlalchemy import bindparam, text

from bot.channels import telegram_address
from bot.clock import fixed_clock
from bot.local_chat import Button, LocalChat
from bot.services.hazard_filter import parse
from handlers.hazard_view import number_of
from storage.db import create_engine, make_uow_factory
from storage.migrate import upgrade_async
from storage.types import UTCDateTime
from tests.chat_script import Tap, answer, shows
from tests.conftest import Harness, _admin, _copy_sqlite, _sync_registry, open_harness
from tests.find_district import HAZARDS, NOW, SHANGHAI, TODAY, generate

OPEN_STATES = "('registered', 'rectified', 'closure_requested')"
OVERDUE = f"(state = 'registered' AND deadline < '{TODAY.isoformat()}')"
SUPERVISED = "EXISTS (SELECT 1 FROM supervision s WHERE s.hazard_id = hazard.id AND s.ended_at IS NULL)"
HOUSING = "(district_department = '区房管局' OR unit_id = (SELECT id FROM unit WHERE name = '区房管局'))"
FIRE_BRIGADE = "(district_department = '朝阳消防支队' OR unit_id = (SELECT id FROM unit WHERE name = '朝阳消防支队'))"
NOV_REGISTERED = "(registered_at >= :reg_from AND registered_at < :reg_to)"
SHOWN = "state <> 'rejected'"  # without a state word or a text rejected hazards are left out, as /status does
URGENCY = (f"CASE WHEN {OVERDUE} THEN 0 ELSE 1 END, CASE WHEN state IN ('closed', 'rejected') THEN 1 ELSE 0 END, "
           "CASE WHEN level = '重大隐患' THEN 0 ELSE 1 END, created_at, id")

# typed words → the same selection in plain SQL, written independently of bot.services.hazard_filter
CASES: list[tuple[str, str]] = [
    ("超期", f"{OVERDUE} AND {SHOWN}"),
    ("重大", f"level = '重大隐患' AND {SHOWN}"),
    ("general", f"level = '一般隐患' AND {SHOWN}"),
    ("建外街道", f"township_code = '110105001' AND {SHOWN}"),
    ("房管局", f"{HOUSING} AND {SHOWN}"),
    ("重点消防", f"category = '重点消防' AND {SHOWN}"),
    ("消防", f"{FIRE_BRIGADE} AND {SHOWN}"),  # a department's alias, as /status 消防; the text is 文字:消防
    ("老旧小区", f"category = '重点消防' AND subtype = '老旧小区' AND {SHOWN}"),
    ("类型:交通领域/其他", f"category = '交通领域' AND subtype = '其他' AND {SHOWN}"),
    ("举报", f"source = '举报' AND {SHOWN}"),
    ("来源:其他", f"source = '其他' AND {SHOWN}"),
    ("已销账", "state = 'closed'"),
    ("未销账", f"state IN {OPEN_STATES}"),
    ("pending-review", "state = 'pending_review'"),
    ("督办", f"{SUPERVISED} AND {SHOWN}"),
    ("2026-11-01..2026-11-30", f"deadline >= '2026-11-01' AND deadline <= '2026-11-30' AND {SHOWN}"),
    ("上账 2026-11", f"{NOV_REGISTERED} AND {SHOWN}"),
    ("幸福里", "(site_name LIKE '%幸福里%' OR address LIKE '%幸福里%')"),  # a text finds every state
    ("超期 重大 重点消防 建外街道",
     f"{OVERDUE} AND level = '重大隐患' AND category = '重点消防' AND township_code = '110105001' AND {SHOWN}"),
    ("overdue major fire-safety 建外",
     f"{OVERDUE} AND level = '重大隐患' AND category = '重点消防' AND township_code = '110105001' AND {SHOWN}"),
    ("督办 一般 检查 期限:2026-10-01.. 朝外",
     f"{SUPERVISED} AND level = '一般隐患' AND source = '检查' AND deadline >= '2026-10-01'"
     f" AND township_code = '110105002' AND {SHOWN}"),
    ("上账:2026-11 房管局 未销账", f"{NOV_REGISTERED} AND {HOUSING} AND state IN {OPEN_STATES}"),
]
_NUMBER = re.compile(r"^\d+\. (\S+) ", re.MULTILINE)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def district_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                       ) -> AsyncIterator[str]:
    """A database of its own holding the generated district, for this module only (tests elsewhere empty
    the shared ones)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("find") / "find.db"
        _copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        url, drop = f"sqlite+aiosqlite:///{path}", None
    else:
        base = request.getfixturevalue("pg_database")  # skips when there is no server
        name = f"hazardbot_find_{uuid.uuid4().hex[:10]}"
        await _admin(f'CREATE DATABASE "{name}"')
        url, drop = base.rsplit("/", 1)[0] + f"/{name}", name
        await upgrade_async(url)
    engine = create_engine(url)
    try:
        if drop:
            await _sync_registry(engine)
        await generate(make_uow_factory(engine))
    finally:
        await engine.dispose()
    yield url
    if drop:
        await _admin(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')


@pytest.fixture
async def h(district_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(district_url, tmp_path, clock=fixed_clock(NOW)) as harness:
        yield harness


_users = iter(range(31_000, 40_000))


async def office(h: Harness) -> LocalChat:
    return await h.bind(next(_users), "office", "区安委会办公室", "张办公室")


async def expected(h: Harness, where: str) -> list[str]:
    """The numbers (ledger, else draft) of the hazards ``where`` selects, most urgent first."""
    stmt = text(f"SELECT COALESCE(ledger_number, draft_number) FROM hazard WHERE {where} ORDER BY {URGENCY}")
    params: dict[str, Any] = {}
    if ":reg_from" in where:
        stmt = stmt.bindparams(bindparam("reg_from", type_=UTCDateTime), bindparam("reg_to", type_=UTCDateTime))
        params = {"reg_from": datetime(2026, 11, 1, tzinfo=SHANGHAI).astimezone(UTC),
                  "reg_to": datetime(2026, 12, 1, tzinfo=SHANGHAI).astimezone(UTC)}
    async with h.core.uow() as u:
        conn = await u.session.connection()
        return [r[0] for r in (await conn.execute(stmt, params)).all()]


def total_of(message: str) -> int:
    m = re.search(r"共找到 (\d+) 项", message)
    assert m, message
    return int(m.group(1))


async def test_each_filter_returns_what_sql_selects(h: Harness) -> None:
    chat = await office(h)
    actor = await h.core.services.users.touch(telegram_address(chat.user.id), "张办公室", "zh-hans")
    for words, where in CASES:
        want = await expected(h, where)
        assert 0 < len(want) < HAZARDS, (words, len(want))  # every case selects something, and not all
        await chat.say(f"/find {words}")
        shown = chat.last_text()
        assert total_of(shown) == len(want), (words, shown.splitlines()[0])
        assert _NUMBER.findall(shown) == want[:10], words
        everything = await h.core.services.search.page(actor, parse(words), 0, size=HAZARDS)
        assert [number_of(x) for x in everything.items] == want, words


async def _buttons_list_what_words_list(chat: LocalChat, words: str, steps: list[str], *card_shows: str) -> None:
    """``/find words`` typed; then a bare /find (no criterion yet) and the buttons and answers of ``steps``: the
    filter's card shows ``card_shows``, and 显示 lists what the typed words listed."""
    await chat.say(f"/find {words}")
    typed = chat.last_text()
    await shows(chat, "/find", "尚无条件")
    await answer(chat, *steps)
    card = chat.last_text()
    assert all(s in card for s in card_shows), card
    await answer(chat, Tap("显示"))
    assert chat.last_text() == typed


async def test_the_buttons_build_the_same_filter_as_typed_words(h: Harness) -> None:
    chat = await office(h)
    await _buttons_list_what_words_list(
        chat, "超期 重大 重点消防 建外街道",
        [Tap(b) for b in ("＋ 超期", "＋ 隐患级别", "重大隐患", "＋ 隐患类型", "重点消防", "全部：重点消防",
                          "＋ 街乡/部门", "街乡", "建外街道")],
        "· 超期：✔", "· 街乡/部门：建外街道")
    # a typed criterion after its button; an impossible date is told and asked again, nothing lost
    await chat.press("筛选条件")
    await chat.press("＋ 整改期限")
    await chat.say("2026-13-01")
    assert "不是日期范围" in chat.last_text() and "请发送整改期限范围" in chat.last_text()
    await chat.say("2026-11-01..2026-11-30")
    assert "· 整改期限：2026-11-01 – 2026-11-30" in chat.last_text() and "· 超期：✔" in chat.last_text()
    await chat.press("✖ 超期")
    assert "超期" not in chat.last_text().split("\n\n")[0]
    await chat.press("显示")
    await chat.say("/find 重大 重点消防 建外街道 2026-11-01..2026-11-30")
    assert chat.texts()[-2] == chat.last_text()
    # text by its button; /cancel leaves the filter as it was and the next message is no longer taken for it
    await chat.press("筛选条件")
    await chat.press("＋ 编号/名称/地址")
    await chat.say("/cancel")
    assert chat.last_text() == "未添加条件。发送 /find 可再次查看筛选条件。"
    await chat.press("＋ 编号/名称/地址")
    await chat.say("国贸")
    assert "· 编号/名称/地址：国贸" in chat.last_text()
    await chat.press("显示")
    await chat.say("/find 重大 重点消防 建外街道 2026-11-01..2026-11-30 国贸")
    assert chat.texts()[-2] == chat.last_text()


async def test_a_department_a_state_and_a_registration_month_by_buttons(h: Harness) -> None:
    chat = await office(h)
    await _buttons_list_what_words_list(
        chat, "上账:2026-11 房管局 未销账",
        [Tap("＋ 上账日期"), "2026-11", Tap("＋ 街乡/部门"), Tap("部门"), Tap("区房管局"), Tap("＋ 状态"), Tap("未销账（在账）")],
        "· 上账日期：2026-11-01 – 2026-11-30", "· 街乡/部门：区房管局")


async def test_the_pager_reaches_the_last_item(h: Harness) -> None:
    chat = await office(h)
    want = await expected(h, f"township_code = '110105001' AND state IN {OPEN_STATES}")
    assert len(want) > 20
    await chat.say("/find 建外街道 未销账")
    seen = _NUMBER.findall(chat.last_text())
    while any(b.text == "下一页 ▶" for b in chat.buttons()):
        await chat.press("下一页 ▶")
        seen += _NUMBER.findall(chat.last_text())
    assert seen == want
    assert f"第 {-(-len(want) // 10)}/{-(-len(want) // 10)} 页" in chat.last_text()
    await chat.press(len(want) % 10 or 10)  # the last line's button opens its card
    assert want[-1] in chat.last_text()


async def test_the_export_holds_the_filtered_ledger_rows(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[Path] = []
    remove = shutil.rmtree
    monkeypatch.setattr(shutil, "rmtree", lambda path, ignore_errors=False: kept.append(Path(path)))
    chat = await office(h)
    words = "建外街道"
    await chat.say(f"/find {words}")
    sent = await chat.press("导出")
    doc = next(m for m in sent if isinstance(m, SendDocument))
    want = await expected(h, f"township_code = '110105001' AND {SHOWN}")
    on_ledger = await expected(h, "township_code = '110105001' AND ledger_number IS NOT NULL")
    assert 0 < len(on_ledger) < len(want)  # the generated data has hazards both on and off the ledger here
    assert f"共 {len(on_ledger)} 行" in (doc.caption or "") and f"其中 {len(want) - len(on_ledger)} 项" in (doc.caption or "")
    ws = load_workbook(kept[0] / doc.document.filename.replace("安全隐患台账-查询-", "find-")).worksheets[0]  # type: ignore[union-attr]
    numbers = [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert sorted(numbers) == sorted(on_ledger)
    for path in kept:
        remove(path, ignore_errors=True)


async def test_unknown_words_are_told_in_the_users_language(h: Harness) -> None:
    chat = await office(h)
    await chat.say("/find 超期 overdeu")
    assert "无法识别：overdeu" in chat.last_text() and "/find 认识的词" in chat.last_text()
    await chat.say("/find 重大 一般")
    assert "隐患级别 给了两次" in chat.last_text()
    await chat.say("/find 其他")
    assert "来源:其他" in chat.last_text()
    # a button naming a filter no longer kept (or forged) says so and changes nothing
    await chat.say("/find 超期")
    button = next(b for b in chat.buttons() if b.text == "筛选条件")
    assert button.callback_data is not None
    forged = Button(button.text, re.sub(r":[0-9a-f]{8,10}:", ":00000000:", button.callback_data), None, button.message)
    await chat.press_button(forged)
    assert chat.last_text() == "该查询已不再保留，请重新发送 /find。"
    english = await h.bind(next(_users), "office", "区安委会办公室", "Office")
    english_chat = h.chat(english.user.id, "Office", "en")
    await english_chat.say("/find overdue majr")
    assert "I do not understand: majr" in english_chat.last_text()
    await english_chat.say("/find overdue major 建外")
    assert "Found:" in english_chat.last_text()


async def test_a_district_leader_and_the_office_find_across_the_district(h: Harness) -> None:
    want = await expected(h, "(site_name LIKE '%幸福里%' OR address LIKE '%幸福里%')")
    in_jianwai = await expected(h, f"township_code = '110105001' AND {SHOWN}")
    for role in ("leader", "office"):
        chat = await h.bind(next(_users), role, "区安委会办公室", "刘领导")
        await chat.say("/find 幸福里")
        assert total_of(chat.last_text()) == len(want), role
        await chat.say("/find 建外")
        assert total_of(chat.last_text()) == len(in_jianwai), role
        await chat.press(1)
        assert in_jianwai[0] in chat.last_text(), role


async def test_rejected_hazards_are_left_out_and_counted_apart_unless_a_state_word_asks(h: Harness) -> None:
    chat = await office(h)
    shown = await expected(h, f"township_code = '110105001' AND {SHOWN}")
    rejected = await expected(h, "township_code = '110105001' AND state = 'rejected'")
    assert rejected and shown  # the generated district has rejected hazards in 建外街道
    await chat.say("/find 建外")
    said = chat.last_text()
    assert total_of(said) == len(shown), said.splitlines()[0]
    assert f"另有 {len(rejected)} 项已驳回的隐患符合条件，与 /status 一样不计入；加上“已驳回”一词可查看。" in said, said
    await chat.say("/find 建外 已驳回")
    said = chat.last_text()
    assert total_of(said) == len(rejected) and "另有" not in said and _NUMBER.findall(said) == rejected[:10], said
    await chat.say("/find 建外 未销账")  # another state word: nothing left out, nothing said
    assert "已驳回的隐患" not in chat.last_text()
    await chat.say("/find")  # the filter card counts as the result does
    await chat.press("＋ 街乡/部门")
    await chat.press("街乡")
    await chat.press("建外街道")
    card = chat.last_text()
    assert f"当前符合：{len(shown)} 项" in card and f"另有 {len(rejected)} 项已驳回" in card, card


async def test_overdue_with_a_state_no_overdue_hazard_has_is_told_a_contradiction(h: Harness) -> None:
    chat = await office(h)
    await chat.say("/find 超期 已销账")
    said = chat.last_text()
    assert said.startswith("“超期”与“已销账”相互矛盾：超期指已挂账、过了整改期限仍未整改完成的隐患；"
                           "“已销账”指已整改完成、经复查验收并销账，不会超期。请只保留其中一个词。"), said
    assert "共找到" not in said
    await chat.say("/find 超期 待复查 建外")
    assert "“超期”与“已整改，待复查”相互矛盾" in chat.last_text() and "已报告整改完成、待复查" in chat.last_text()
    await chat.say("/find 超期 未销账")  # open includes the registered ones: no contradiction
    assert total_of(chat.last_text()) == len(await expected(h, OVERDUE))
    await chat.say("/find 超期")  # built with buttons: the card says so beside its count of 0
    await chat.press("筛选条件")
    await chat.press("＋ 状态")
    await chat.press("已销账")
    card = chat.last_text()
    assert "当前符合：0 项" in card and "“超期”与“已销账”相互矛盾" in card, card
    english = h.chat((await office(h)).user.id, "Office", "en")
    await english.say("/find overdue closed")
    assert english.last_text().startswith("超期 (overdue) and “closed” contradict each other"), english.last_text()


async def test_xlsx_exports_what_the_words_select_and_alone_the_whole_scope(h: Harness,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[Path] = []
    remove = shutil.rmtree
    monkeypatch.setattr(shutil, "rmtree", lambda path, ignore_errors=False: kept.append(Path(path)))
    chat = await office(h)

    async def exported(words: str) -> list[str]:
        doc = next(m for m in await chat.say(f"/find {words}") if isinstance(m, SendDocument))
        sheet = load_workbook(kept[-1] / doc.document.filename.replace("安全隐患台账-查询-", "find-")).worksheets[0]  # type: ignore[union-attr]
        return sorted(r[0] for r in sheet.iter_rows(min_row=4, values_only=True) if r[0])

    assert await exported("超期 建外街道 xlsx") == sorted(await expected(
        h, f"{OVERDUE} AND township_code = '110105001' AND ledger_number IS NOT NULL"))
    assert await exported("ＸＬＳＸ 已销账") == sorted(await expected(h, "state = 'closed'"))
    assert await exported("xlsx") == sorted(await expected(h, "ledger_number IS NOT NULL"))  # as the card's button
    await chat.say("/find 国贸 幸福里")  # two free words: that is what is said, not for a lone unknown word
    assert chat.last_text().startswith("国贸、幸福里：只能有一个词作为自由文字"), chat.last_text()
    await chat.say("/find overdeu")
    assert chat.last_text().startswith("无法识别：overdeu。\n") and "只能有一个词" not in chat.last_text()
    for path in kept:
        remove(path, ignore_errors=True)
