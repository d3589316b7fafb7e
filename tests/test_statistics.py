"""The statistics views of /status (issue 16 item 6) through the real dispatcher on both databases: on a
generated district, every view's rows — typed (`/status 违建`) or pressed (the buttons under /status) — equal
an independent SQL over the same data, for the district and for one unit; the .xlsx holds the same tables;
a leader's forged button for another unit is refused."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendDocument
from aiogram.types import FSInputFile
from openpyxl import load_workbook

from bot.clock import fixed_clock
from bot.services.statistics import LABELS, VIEWS
from handlers.statistics_view import StatCb
from storage.models import Unit
from tests.chat_helpers import last_told
from tests.conftest import Harness, open_harness
from tests.statistics_ledger import NOW, build_district, expected

WORDS = {"township": "按街乡", "department": "按行业", "nature": "单位性质", "source": "来源", "level": "等级",
         "illegal": "违建", "penalties": "处罚", "funds": "资金"}


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(NOW)) as harness:
        harness.units = await build_district(harness.core.uow)  # type: ignore[attr-defined]
        harness.sqlite = database_url.startswith("sqlite")  # type: ignore[attr-defined]
        yield harness


def _number(text: str) -> Any:
    text = text.replace(",", "")
    return Decimal(text) if "." in text else int(text)


def _rows(message: str) -> dict[str, tuple[Any, ...]]:
    """The rows of a statistics message: ``key　n · n · …`` lines between the headings and the total."""
    lines = message.splitlines()[2:-1]
    return {key: tuple(_number(v) for v in values.split(" · ")) for key, values in (line.split("　", 1) for line in lines)}


def _same(got: dict[str, tuple[Any, ...]], want: dict[str, tuple[Any, ...]]) -> None:
    assert set(got) == set(want)
    for key, values in want.items():
        assert got[key] == values, key


def _sqlite(h: Harness) -> bool:
    return bool(h.sqlite)  # type: ignore[attr-defined]


async def test_every_view_equals_its_independent_sql_typed_and_pressed(h: Harness) -> None:
    office = await h.bind(1601, "office", "区安委会办公室")
    nonzero = 0
    for view, word in WORDS.items():
        await office.say(f"/status {word}")
        text = office.last_text()
        assert LABELS["zh"]["v_" + view] in text.splitlines()[0], text
        want = await expected(h.core.uow, view, None, _sqlite(h))
        _same(_rows(text), want)
        nonzero += sum(1 for values in want.values() for v in values if v)
    assert nonzero > 100  # the generated district fills every column somewhere
    # the buttons: /status → 分类统计 → each other view in place
    await office.say("/status")
    await office.press("分类统计")
    _same(_rows(office.last_text()), await expected(h.core.uow, "township", None, _sqlite(h)))
    await office.press("违建")
    text = office.last_text()
    assert text.splitlines()[1] == "街乡　违建隐患 · 违建面积（m²） · 已拆除（m²） · 本年发现违建（m²） · 本年拆除（m²）"
    _same(_rows(text), await expected(h.core.uow, "illegal", None, _sqlite(h)))


async def test_a_unit_sees_its_own_numbers_and_a_forged_button_is_refused(h: Harness) -> None:
    unit = h.units[0]  # type: ignore[attr-defined]
    leader = await h.bind(1602, "leader", "110105001")
    for view, word in WORDS.items():
        await leader.say(f"/status {word}")
        _same(_rows(leader.last_text()), await expected(h.core.uow, view, unit, _sqlite(h)))
    message = leader.buttons()[0].message
    await leader._feed(h.factory.callback(leader.user, message, StatCb(v="illegal", u=h.units[1]).pack()))  # type: ignore[attr-defined]
    assert last_told(leader).startswith("您只能查看本单位（建外街道）的情况"), last_told(leader)
    await leader._feed(h.factory.callback(leader.user, message, StatCb(v="nosuch", u=0).pack()))
    assert "统计" not in last_told(leader)


async def test_the_office_asks_for_one_units_view_by_name_before_or_after_the_view(h: Harness) -> None:
    unit = h.units[0]  # type: ignore[attr-defined]
    async with h.core.uow() as u:
        name = (await u.session.get(Unit, unit)).name  # type: ignore[union-attr]
    office = await h.bind(1603, "office", "区安委会办公室")
    for typed in (f"/status 按行业 {name}", f"/status {name} 按行业"):
        await office.say(typed)
        _same(_rows(office.last_text()), await expected(h.core.uow, "department", unit, _sqlite(h)))
    await office.say("/status 违建 火星基地")
    assert office.last_text().startswith("没有名为“火星基地”的单位")


async def test_the_workbook_has_the_same_tables(h: Harness) -> None:
    files: list[bytes] = []
    real = h.session.make_request

    async def keep(bot: Any, method: Any, timeout: Any = None) -> Any:
        if isinstance(method, SendDocument) and isinstance(method.document, FSInputFile):
            files.append(Path(method.document.path).read_bytes())
        return await real(bot, method, timeout)

    h.session.make_request = keep  # type: ignore[method-assign]
    office = await h.bind(1603, "office", "区安委会办公室")
    await office.say("/status")
    await office.press("统计表")
    await office.say("/status xlsx")
    assert len(files) == 2
    wb = load_workbook(io.BytesIO(files[-1]), read_only=True)
    assert wb.sheetnames == [LABELS["zh"]["v_" + v] for v in VIEWS]
    for view in VIEWS:
        rows = list(wb[LABELS["zh"]["v_" + view]].iter_rows(values_only=True))
        assert rows[1][0] == LABELS["zh"][VIEWS[view][0]]
        got = {r[0]: tuple(r[1:]) for r in rows[2:-1]}
        want = await expected(h.core.uow, view, None, _sqlite(h))
        assert set(got) == set(want), view
        for key, values in want.items():
            assert got[key] == pytest.approx(tuple(float(v) for v in values)), (view, key)
        assert rows[-1][0] == "合计"
        assert rows[-1][1:] == pytest.approx(tuple(float(sum(col)) for col in zip(*want.values(), strict=True)))
