"""Lists that hold a district (issue 16 item 1), through the dispatcher on SQLite and PostgreSQL, over a generated
district (``tests.district_data``: 78 units, about 3000 hazards, made once per module and copied per test):
/review, /office, /rectify, /tipoffs and /verify say how many there are, page to their last item showing each
exactly once in the order an SQL ORDER BY over the same data gives, clamp a stale or forged page number, and the
office registers or closes a ticked batch, each hazard on its own (one made ineligible meanwhile is refused by
name, the others done)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import text
from sqlmodel import col, select

from bot.clock import fixed_clock
from bot.local_chat import Button, LocalChat
from handlers.office_batch import BatchCb
from handlers.paging import PageCb
from storage.migrate import upgrade_async
from storage.models import Hazard, HazardEvent
from tests.chat_helpers import actor_of, sent_to
from tests.conftest import (
    PG_ADMIN_URL,
    TODAY,
    Harness,
    _admin,
    _copy_sqlite,
    _load_registry,
    _run_in_thread,
    open_harness,
)
from tests.district_data import HOME, generate

NEXT, PREV = "下一页 ▶", "◀ 上一页"
_COUNT = re.compile(r"共 (\d+) 项 · 第 (\d+)/(\d+) 页")
_LINE = re.compile(r"^(?:[☑☐] )?(\d+)\. (.*)$")
#: the order of every hazard queue (hazard_query.urgency_order), written out in SQL
URGENCY = ("CASE WHEN state = 'registered' AND deadline < '2018-10-15' THEN 0 ELSE 1 END, "
           "CASE WHEN level = '重大隐患' THEN 0 ELSE 1 END, created_at, id")


@pytest.fixture(scope="module")
def sqlite_district(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("district") / "district.db"
    _copy_sqlite(sqlite_template, path)
    _run_in_thread(lambda: generate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="module")
def pg_district(pg_database: str) -> Iterator[str]:
    """A PostgreSQL database holding the district, used only as the template of each test's copy."""
    name = f"hazardbot_district_{uuid.uuid4().hex[:8]}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _run_in_thread(lambda: _admin(f'CREATE DATABASE "{name}"'))
    try:
        _run_in_thread(lambda: upgrade_async(url))
        _run_in_thread(lambda: _load_registry(url))
        _run_in_thread(lambda: generate(url))
        yield name
    finally:
        _run_in_thread(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
async def h(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """The application on a fresh copy of the district, the clock at 2018-10-15 09:30 Asia/Shanghai."""
    copy = ""
    if request.param == "sqlite":
        path = tmp_path / "district.db"
        _copy_sqlite(request.getfixturevalue("sqlite_district"), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        template = request.getfixturevalue("pg_district")
        copy = f"{template}_{uuid.uuid4().hex[:6]}"
        await _admin(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{copy}"
    try:
        async with open_harness(url, tmp_path, clock=fixed_clock(TODAY)) as harness:
            yield harness
    finally:
        if copy:
            await _admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


async def sql(h: Harness, query: str, **params: object) -> list[str]:
    async with h.core.engine.connect() as conn:
        return [str(v) for v in (await conn.execute(text(query), params)).scalars().all()]


def lines_of(page_text: str) -> list[tuple[int, str]]:
    """(number in the whole list, the rest of the line) of each numbered line of a list message."""
    return [(int(m[1]), m[2]) for m in map(_LINE.match, page_text.splitlines()) if m]


def count_of(page_text: str) -> tuple[int, int, int]:
    """(total, page, pages) from the list's count line."""
    m = _COUNT.search(page_text)
    assert m, page_text
    return int(m[1]), int(m[2]), int(m[3])


def hazard_number(rest: str) -> str:
    """The ledger or draft number that ends a hazard line ("site — state · flags — number")."""
    return rest.rsplit(" — ", 1)[1]


async def walk(chat: LocalChat, command: str) -> tuple[int, list[str], list[tuple[int, str]]]:
    """Send ``command``, then press «next» until there is none: (total, each page's text, every numbered line)."""
    await chat.say(command)
    texts = [chat.last_text()]
    while any(b.text == NEXT for b in chat.buttons()):
        await chat.press(NEXT)
        texts.append(chat.last_text())
    total, _page, pages = count_of(texts[0])
    assert len(texts) == pages
    assert [count_of(t)[1:] for t in texts] == [(n, pages) for n in range(1, pages + 1)]
    return total, texts, [line for t in texts for line in lines_of(t)]


def forged(chat: LocalChat, data: str) -> Button:
    """A button with ``data`` on the latest message of ``chat``, as a forged or stale press would carry."""
    latest = chat.buttons()[0]
    return Button("forged", data, None, latest.message)


async def test_each_list_counts_pages_to_its_last_item_in_urgency_order_and_clamps_a_page_number(
        h: Harness) -> None:
    office = await h.bind(8601, "office", "区安委会办公室")
    reviewer = await h.bind(8602, "reviewer", HOME)
    home_id = (await sql(h, "SELECT id FROM unit WHERE code = :c", c=HOME))[0]
    expected = {
        "/office": await sql(h, "SELECT COALESCE(ledger_number, draft_number) FROM hazard WHERE state IN "
                                f"('pending_confirmation', 'closure_requested') ORDER BY {URGENCY}"),
        "/review": await sql(h, "SELECT COALESCE(ledger_number, draft_number) FROM hazard WHERE state = "
                                f"'pending_review' AND unit_id = :u ORDER BY {URGENCY}", u=int(home_id)),
        "/rectify": await sql(h, "SELECT COALESCE(ledger_number, draft_number) FROM hazard WHERE state IN "
                                 "('registered', 'rectified') AND (unit_id = :u OR township_code = :t) "
                                 f"ORDER BY {URGENCY}", u=int(home_id), t=HOME),
    }
    assert len(expected["/office"]) > 200 and len(expected["/review"]) > 30 and len(expected["/rectify"]) > 30
    for command, chat in (("/office", office), ("/review", reviewer), ("/rectify", reviewer)):
        total, texts, lines = await walk(chat, command)
        assert total == len(expected[command]), command
        assert [n for n, _rest in lines] == list(range(1, total + 1)), command  # each once, numbered through
        assert [hazard_number(rest) for _n, rest in lines] == expected[command], command
    # the flags say why an item is up front: the first /rectify line is overdue
    _total, texts, _lines = await walk(reviewer, "/rectify")
    assert "已逾期" in lines_of(texts[0])[0][1]

    tipoffs = await sql(h, "SELECT number FROM tipoff WHERE status IN ('received', 'verifying', 'forwarded') "
                           "ORDER BY created_at, id")
    total, texts, lines = await walk(office, "/tipoffs")
    assert total == len(tipoffs) == 25
    assert [rest.split(" ", 1)[0] for _n, rest in lines] == tipoffs

    checks = await sql(h, "SELECT h.ledger_number FROM verification v JOIN hazard h ON h.id = v.hazard_id "
                          "WHERE v.result = 'pending' ORDER BY CASE WHEN h.level = '重大隐患' THEN 0 ELSE 1 END, v.id")
    total, texts, lines = await walk(office, "/verify")
    assert total == len(checks) == 13
    assert [rest.split(" — ")[1] for _n, rest in lines] == checks

    # a forged page number past the end: the last page
    await office.say("/office")
    total, _n, pages = count_of(office.last_text())
    await office.press_button(forged(office, PageCb(v="of", n=99_999).pack()))
    assert count_of(office.last_text()) == (total, pages, pages)
    assert [n for n, _r in lines_of(office.last_text())][-1] == total
    assert not any(b.text == NEXT for b in office.buttons())
    # a «next» kept from an old message, pressed after the list shrank below it: the new last page
    await office.press(PREV)
    stale = office.latest_button(NEXT)
    keep = (total - 1) // 10 * 10 - 1  # leave the list one item short of its last page
    async with h.core.engine.begin() as conn:
        ids = (await conn.execute(text(
            "SELECT id FROM hazard WHERE state IN ('pending_confirmation', 'closure_requested') ORDER BY id"
        ))).scalars().all()
        await conn.execute(text("UPDATE hazard SET state = 'rejected' WHERE id IN ("
                                + ",".join(str(i) for i in ids[keep:]) + ")"))
    office.messages_gone = True  # and the message it sat on is gone by now: the page comes as a new message
    sent = len(sent_to(h, office))
    await office.press_button(stale)
    assert len(sent_to(h, office)) == sent + 1
    now = count_of(office.last_text())
    assert now == (keep, now[2], now[2]) and now[2] == pages - 1
    assert [n for n, _r in lines_of(office.last_text())][-1] == keep


async def _tick_until(chat: LocalChat, h: Harness, want: int, state: str, level: str | None,
                      button: str) -> list[int]:
    """In batch mode, from the current page on (moving by ``button``), tick ``want`` hazards in ``state`` (and
    ``level``); their ids in the order ticked."""
    ticked: list[int] = []
    while len(ticked) < want:
        for n, rest in lines_of(chat.last_text()):
            number = hazard_number(rest)
            async with h.core.uow() as u:
                row = (await u.session.exec(select(Hazard).where(
                    (col(Hazard.ledger_number) == number) | (col(Hazard.draft_number) == number)))).one()
            if row.state == state and (level is None or row.level == level) and len(ticked) < want:
                assert row.id is not None
                await chat.press(f"☐ {n}")
                assert f"☑ {n}" in [b.text for b in chat.buttons()]
                ticked.append(row.id)
        if len(ticked) < want:
            await chat.press(button)
    return ticked


async def _events(h: Harness, hid: int, action: str) -> list[str | None]:
    async with h.core.uow() as u:
        return list((await u.session.exec(select(HazardEvent.note).where(
            HazardEvent.hazard_id == hid, HazardEvent.action == action))).all())


def _alerts(h: Harness) -> list[str]:
    return [m.text or "" for m in h.session.requests if isinstance(m, AnswerCallbackQuery) and m.show_alert]


async def test_the_office_registers_and_closes_ticked_batches_one_by_one_and_names_the_one_refused(
        h: Harness) -> None:
    office = await h.bind(8621, "office", "区安委会办公室")
    other = await actor_of(h, await h.bind(8622, "office", "区安委会办公室"))
    await office.say("/office")
    total = count_of(office.last_text())[0]
    await office.press("选择批量")
    assert "已选 0 项" in office.last_text()
    # the oldest general hazards are on the last page (a forged page number lands there) and the pages before it
    await office.press_button(forged(office, PageCb(v="ob", n=99_999).pack()))
    assert count_of(office.last_text())[1] == count_of(office.last_text())[2]
    ticked = await _tick_until(office, h, 4, "pending_confirmation", "一般隐患", PREV)
    assert "已选 4 项" in office.last_text()
    await office.press("挂账所选")
    old_confirm = office.latest_button("✅ 确认")
    # the selection changes after the question: its confirm no longer acts
    await office.press_button(office.latest_button("清除选择"))
    await office.press_button(old_confirm)
    assert "选择已变" in _alerts(h)[-1]
    assert [await _events(h, hid, "register") for hid in ticked] == [[]] * 4
    # tick the same four again, then someone else rejects one of them between the question and its confirmation
    await office.press_button(forged(office, BatchCb(a="m", n=99_999).pack()))
    again = await _tick_until(office, h, 4, "pending_confirmation", "一般隐患", PREV)
    assert again == ticked
    refused = ticked[1]
    await office.press("挂账所选")
    assert "将所选 4 项隐患挂账" in office.last_text()
    await h.core.services.lifecycle.reject(other, refused, "重复录入")
    await office.press_button(office.latest_button("✅ 确认"))
    answer = office.last_text()
    assert "挂账 3/4 项" in answer
    async with h.core.uow() as u:
        rows = {hid: await u.session.get(Hazard, hid) for hid in ticked}
    refused_line = next(line for line in answer.splitlines() if line.startswith("❌"))
    assert rows[refused].draft_number in refused_line and rows[refused].site_name in refused_line
    assert rows[refused].state == "rejected"
    for hid in ticked:
        if hid != refused:
            row = rows[hid]
            assert row is not None and row.state == "registered" and row.ledger_number
            assert row.ledger_number in answer
            assert await _events(h, hid, "register") == ["批量挂账（同批 3 项）"]  # the rejected one is not counted
    assert await _events(h, refused, "register") == []
    # the list counts what is left
    await office.say("/office")
    assert count_of(office.last_text())[0] == total - 4

    # closing: only the office has batch mode
    reviewer = await h.bind(8633, "reviewer", HOME)
    await reviewer.say("/office")
    assert not any("选择批量" in b.text for b in reviewer.buttons())
    await reviewer.press_button(forged(reviewer, BatchCb(a="m").pack()))
    assert "已选" not in reviewer.last_text()
    await office.say("/office")
    await office.press("选择批量")
    ticked = await _tick_until(office, h, 4, "closure_requested", None, NEXT)
    closed_meanwhile = ticked[2]
    await office.press("销账所选")
    assert "批量销账（同批 4 项）" in office.last_text()  # the question says what each closure records
    confirm = office.latest_button("✅ 确认")
    await h.core.services.lifecycle.close(other, closed_meanwhile)
    await office.press_button(confirm)
    answer = office.last_text()
    assert "销账 3/4 项" in answer
    refused_line = next(line for line in answer.splitlines() if line.startswith("❌"))
    async with h.core.uow() as u:
        rows = {hid: await u.session.get(Hazard, hid) for hid in ticked}
    assert rows[closed_meanwhile].ledger_number in refused_line
    assert all(r is not None and r.state == "closed" for r in rows.values())
    assert await _events(h, closed_meanwhile, "close") == [None]  # closed once, by the other officer
    for hid in ticked:
        if hid != closed_meanwhile:
            assert await _events(h, hid, "close") == ["批量销账（同批 3 项）"]  # nor the one closed meanwhile
    await office.press_button(confirm)  # the same confirmation again: the selection is gone, nothing more
    assert [len(await _events(h, hid, "close")) for hid in ticked] == [1] * 4
