"""A unit or the district named as people type it on a phone, through the real dispatcher: a Latin alias in
any case or in full-width letters (``cbd``, ``ＣＢＤ`` for CBD管委会) is the unit in ``/status`` and ``/find``, as
``CBD`` is; and an English reader's statistics of the whole district are titled in English, not ``全区``."""

from __future__ import annotations

from aiogram.methods import SendDocument
from aiogram.types import FSInputFile

from bot.domain import Role
from tests.conftest import Harness


async def test_a_latin_alias_is_read_in_any_case_and_width(harness: Harness) -> None:
    office = await harness.bind(77001, "office", "区安委会办公室")
    for typed in ("/status 按行业 cbd", "/status Cbd 违建", "/status ＣＢＤ 按行业"):
        await office.say(typed)
        assert office.last_text().startswith("CBD管委会统计："), (typed, office.last_text())
    for typed in ("/find cbd", "/find ｃｂｄ"):
        await office.say(typed)
        assert "街乡/部门：CBD管委会" in office.last_text(), (typed, office.last_text())


async def test_an_english_readers_district_statistics_say_the_district_in_english(harness: Harness) -> None:
    issued = await harness.core.services.invites.issue(Role.OFFICE, "区安委会办公室", issuer=None)
    office = harness.chat(77002, "Office", "en")
    await office.say(f"/bind {issued.code}")
    await office.say("/status fines")
    title = office.last_text().splitlines()[0]
    assert title.startswith("Whole district statistics: penalties"), title
    assert "全区" not in title
    sent = await office.say("/status xlsx")
    [workbook] = [m for m in sent if isinstance(m, SendDocument)]
    assert isinstance(workbook.document, FSInputFile)
    assert workbook.document.filename == "Whole district statistics-20181015.xlsx", workbook.document.filename
    chinese = await harness.bind(77003, "office", "区安委会办公室")
    await chinese.say("/status 罚款")
    assert chinese.last_text().startswith("全区统计：处罚罚款"), chinese.last_text()


async def test_a_hazard_type_that_is_also_a_departments_alias_stays_the_type(harness: Harness) -> None:
    """燃气 and 铁路 are hazard types (城市运行/燃气, 交通领域/铁路) and, since /find reads department aliases, also
    aliases of 市燃气集团朝阳供应企业 and 北京铁路局: typed alone they are still the type, as before; the unit is
    ``单位:燃气``."""
    from bot.services.hazard_filter import parse
    from storage.registry import match_unit

    for word, category in (("燃气", "城市运行"), ("铁路", "交通领域")):
        typed = parse(word)
        assert (typed.unit, typed.category, typed.subtype) == (None, category, word), word
        unit = match_unit(word)
        assert unit is not None and parse(f"单位:{word}").unit == unit.code, word
    office = await harness.bind(77004, "office", "区安委会办公室")
    await office.say("/find 燃气")
    assert "城市运行" in office.last_text() and "市燃气集团" not in office.last_text(), office.last_text()


async def test_the_district_named_as_the_bot_names_it_is_the_whole_district(harness: Harness) -> None:
    """The tables of the whole district are titled 全区 (朝阳区 to everyone else): typed back, it is the district,
    not "no unit is called 全区"."""
    office = await harness.bind(77005, "office", "区安委会办公室")
    for typed in ("/status 全区 按行业", "/status 按行业 朝阳区", "/status 违建 全区"):
        await office.say(typed)
        assert office.last_text().startswith("全区统计："), (typed, office.last_text())
    await office.say("/status 全区")
    assert "全区" in office.last_text() or "朝阳区" in office.last_text(), office.last_text()
    assert not office.last_text().startswith("没有名为"), office.last_text()
    leader = await harness.bind(77006, "leader", "建外街道")  # a township's leader does not read the district
    await leader.say("/status 全区 按行业")
    assert leader.last_text() == "您的角色无权进行此操作。", leader.last_text()
