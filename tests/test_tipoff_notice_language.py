"""Tip-off notices to the reporting public in the language each reporter's client saved (English here), through
the dispatcher (SQLite): verifying, verified as a hazard, in the ledger, fixed and not confirmed are each told in
English to a reporter who switched to English, while the Chinese reporter whose tip-off was merged into the same
case reads the same steps in Chinese."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Hazard
from tests.conftest import Harness
from tests.test_tipoff_verify import _merged_at_one_address, _open_latest
from tests.tipoff_helpers import SANLITUN, report, sent_to, set_hazard_state, verify_as_hazard

pytestmark = pytest.mark.sqlite_only
FIRST, SECOND, THIRD, INSPECTOR = 880_004_001, 880_004_002, 880_004_003, 700_041


def _cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


async def test_each_reporter_reads_the_tipoff_notices_in_the_language_their_client_saved(harness: Harness) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN, name="李检查")
    first, second = harness.chat(FIRST, "王五"), harness.chat(SECOND, "赵六")
    first_number, second_number = await _merged_at_one_address(harness, inspector, first, second)
    third = harness.chat(THIRD, "孙七")
    third_number = await report(third, address="朝阳区三里屯街道幸福村中路40号")
    for user_id in (FIRST, THIRD):  # they switch their Telegram to English: the next message saves it
        await harness.chat(user_id, "Reader", language="en").say("/my_reports")
    before = {u: len(sent_to(u, harness.session)) for u in (FIRST, SECOND, THIRD)}

    await _open_latest(inspector)  # the third's: verifying, then not confirmed
    await inspector.press("不属实")
    await inspector.press("现场未发现")
    await inspector.press("确认不属实")
    await inspector.say("/tipoffs")
    await inspector.press(1)  # the first's, which the second's follows
    await verify_as_hazard(inspector)
    async with harness.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard))).one()
    await set_hazard_state(harness, hazard.id or 0, "registered")
    await set_hazard_state(harness, hazard.id or 0, "closed")

    told = {u: sent_to(u, harness.session)[before[u]:] for u in (FIRST, SECOND, THIRD)}
    english = [t for u in (FIRST, THIRD) for t in told[u] if "tip-off" in t]
    assert len([t for t in told[FIRST] if first_number in t]) == 4, told[FIRST]  # verifying … fixed
    assert any("not confirmed" in t for t in told[THIRD] if third_number in t), told[THIRD]
    assert english and not any(_cjk(t.replace(first_number, "").replace(third_number, "")) for t in english), english
    assert told[SECOND] and all("您的举报" in t for t in told[SECOND]), told[SECOND]
