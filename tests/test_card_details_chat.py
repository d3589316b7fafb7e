"""What the hazard card tells beyond the ledger row (issue 15, item 7), through the dispatcher on SQLite and
PostgreSQL: a hazard given only a pin (kept after the door number was asked for) shows its coordinates and the
nearest typed address instead of an empty 地址; a hazard made from an inspection or a tip-off shows its J… /
JB… number."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.channels import telegram_address
from storage.models import Hazard, Inspection
from tests.chat_helpers import open_first
from tests.conftest import Harness
from tests.forms_flow import (
    PHOTOS,
    answer_hazard_from_person,
    fill_hazard_until_photos,
    fill_inspection_until_review,
    finish_hazard,
)
from tests.lifecycle_factories import hazard
from tests.tipoff_helpers import SANLITUN, report, verify_as_hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOME = "110105001"


async def _submit_after_photos(chat) -> None:  # type: ignore[no-untyped-def]
    await chat.photo(PHOTOS / "landscape_1.jpg")
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press("提交")
    assert "隐患已提交" in chat.last_text(), chat.last_text()


async def _card(chat, site: str) -> str:  # type: ignore[no-untyped-def]
    await open_first(chat, f"/find {site}")
    return str(chat.last_text())


async def test_a_hazard_given_only_a_pin_shows_its_coordinates_and_the_nearest_address(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(701, "inspector", HOME, "李检查")
    actor = await h.core.services.users.touch(telegram_address(701), "李检查", "zh-hans")
    neighbour = await hazard(h.core.uow, actor, site_name="隔壁仓库")
    far = await hazard(h.core.uow, actor, site_name="远处仓库")
    async with h.core.uow() as u:  # 14 m and 2 km from the pin the inspector will send
        for hid, address, lat, lon in ((neighbour, "建国门外大街99号", 39.9088, 116.4606),
                                       (far, "建国门外大街1号", 39.9287, 116.4605)):
            await u.session.exec(update(Hazard).where(Hazard.id == hid).values(  # type: ignore[call-overload]
                address=address, latitude=lat, longitude=lon))
        await u.commit()

    await fill_hazard_until_photos(inspector, site="无门牌工地")
    await _submit_after_photos(inspector)
    async with h.core.uow() as u:  # kept with the pin alone (as the form allowed before the address had to be typed)
        await u.session.exec(update(Hazard).where(Hazard.site_name == "无门牌工地").values(  # type: ignore[call-overload]
            address=""))
        await u.commit()
        saved = (await u.session.exec(select(Hazard).where(Hazard.site_name == "无门牌工地"))).one()
    assert (saved.address, saved.latitude, saved.longitude) == ("", 39.9087, 116.4605)
    card = await _card(inspector, "无门牌工地")
    assert re.search(r"地址：定位 39\.90870, 116\.46050 · 附近：建国门外大街99号 \(~1\d m\)", card), card

    async with h.core.uow() as u:  # nothing typed within 200 m: the coordinates alone
        await u.session.exec(update(Hazard).where(Hazard.id == neighbour).values(latitude=39.95))  # type: ignore[call-overload]
        await u.commit()
    card = await _card(inspector, "无门牌工地")
    assert "地址：定位 39.90870, 116.46050\n" in card, card


async def test_a_hazard_made_from_a_tipoff_or_an_inspection_shows_its_number(harness: Harness) -> None:
    h = harness
    township_inspector = await h.bind(711, "inspector", SANLITUN, "王核实")
    number = await report(h.chat(712, "市民"))
    await township_inspector.say("/tipoffs")
    await township_inspector.press(len(township_inspector.buttons()))
    await verify_as_hazard(township_inspector)
    assert f"来源记录：{number}" in await _card(township_inspector, "幸福村中路12号出租房")

    inspector = await h.bind(713, "inspector", HOME, "李检查")
    await fill_inspection_until_review(inspector)
    await inspector.press("提交")
    await inspector.press("登记本次检查发现的隐患")
    for _ in range(3):
        await inspector.press("保持当前值")  # township, site and address from the inspection
    await answer_hazard_from_person(inspector)
    await _submit_after_photos(inspector)
    async with h.core.uow() as u:
        inspection = (await u.session.exec(select(Inspection))).one()
    assert inspection.number.startswith("J")
    card = await _card(inspector, "张XX出租房")
    assert f"来源记录：{inspection.number}" in card, card
