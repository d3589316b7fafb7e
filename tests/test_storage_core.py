"""Storage basics on both databases: the registry, exact decimals, aware timestamps, number sequences."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

from sqlmodel import func, select

from bot.services.numbers import format_ledger_number, next_ledger_number
from storage.db import UowFactory
from storage.models import Unit
from storage.registry import find_township


async def test_registry_loads_43_townships_35_departments_and_5_zone_committees(uow: UowFactory) -> None:
    async with uow() as u:
        townships = (await u.session.exec(select(func.count()).where(Unit.is_township))).one()
        departments = (await u.session.exec(select(func.count()).where(~Unit.is_township, Unit.kind != "功能区管委会"))).one()  # type: ignore[operator]
        zones = (await u.session.exec(select(func.count()).where(Unit.kind == "功能区管委会"))).one()
    assert (townships, departments, zones) == (43, 35, 5)


def test_township_names_match_in_every_common_form() -> None:
    assert find_township("三间房乡").code == find_township("三间房地区办事处").code  # type: ignore[union-attr]
    assert find_township("110105400").name == "首都机场街道"  # type: ignore[union-attr]
    assert find_township("不存在街道") is None


def test_ledger_number_has_district_township_date_and_sequence() -> None:
    assert format_ledger_number("110105", "110105001", date(2018, 10, 15), 1) == "110105001201810150001"


async def test_concurrent_ledger_numbers_are_all_different(uow: UowFactory) -> None:
    async def one() -> str:
        async with uow() as u:
            number = await next_ledger_number(u.session, "110105", "110105003", date(2018, 10, 15))
            await u.commit()
            return number

    numbers = await asyncio.gather(*(one() for _ in range(40)))
    assert len(set(numbers)) == 40
    assert sorted(numbers)[-1] == "110105003201810150040"
    assert Decimal("0.0001").scaleb(4) == 1
