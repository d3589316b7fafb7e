"""/find and /status of a word that is a place, not a unit (北京, as in 中国铁路北京局集团有限公司), and of a unit's
name mistyped (应急局局): the place is searched as text and not found, never read as the one long unit name that
holds it; a mistyped name is offered the units that look like it, not one sharing a single character."""

from __future__ import annotations

import pytest

from tests.conftest import FailureLog, Harness

pytestmark = pytest.mark.sqlite_only


async def test_a_city_name_is_searched_as_text_not_read_as_the_unit_holding_it(harness: Harness,
                                                                             failures: FailureLog) -> None:
    office = await harness.bind(9811, "office", "区安委会办公室")
    for word in ("北京", "北京市", "中国"):
        await office.say(f"/find {word}")
        text = office.last_text()
        assert "铁路" not in text and "已改按单位" not in text and "街乡/部门" not in text, (word, text)
        assert "编号/名称/地址：" + word in text, (word, text)
        await office.say(f"/status {word}")
        text = office.last_text()
        assert text.startswith(f"没有名为“{word}”的单位"), (word, text)
        assert "铁路" not in text, (word, text)
    await office.say("/status 铁路")  # the railway's own short name still reads as it
    assert "中国铁路北京局集团有限公司" in office.last_text().split("\n")[0], office.last_text()
    assert failures.messages() == []


async def test_a_mistyped_unit_is_offered_the_units_like_it_only(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9812, "office", "区安委会办公室")
    await office.say("/find 应急局局")
    text = office.last_text()
    assert text.startswith("没有编号、场所名称或地址含“应急局局”的隐患。您要找的是不是单位：区应急局？"), text
    assert "燃气" not in text, text
    await office.say("/status 应急局局")
    assert "燃气" not in office.last_text() and "区应急局" in office.last_text(), office.last_text()
    assert failures.messages() == []
