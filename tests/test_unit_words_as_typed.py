"""A unit or the district named as people type it on a phone, through the real dispatcher: a Latin alias in
any case or in full-width letters (``cbd``, ``ＣＢＤ`` for CBD管委会) is the unit in ``/status`` and ``/find``, as
``CBD`` is; and an English reader's statistics of the whole district are titled in English, not ``全区``."""

from __future__ import annotations

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
    chinese = await harness.bind(77003, "office", "区安委会办公室")
    await chinese.say("/status 罚款")
    assert chinese.last_text().startswith("全区统计：处罚罚款"), chinese.last_text()
