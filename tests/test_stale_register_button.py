"""A 挂账 button kept on an old card, pressed once the hazard has gone on (registered by another officer, rectified
and re-inspected, now awaiting 销账), through the dispatcher (SQLite): the officer is told it is already registered,
by whom it was registered and where it stands now, never the name of whoever moved it last."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from storage.models import Hazard, HazardEvent
from tests.chat_helpers import actor_of, bind_cast, hazard_row, last_text, open_first
from tests.conftest import Harness
from tests.lifecycle_factories import hazard

pytestmark = pytest.mark.sqlite_only


async def test_a_stale_register_button_names_who_registered_it_and_where_it_stands(harness: Harness) -> None:
    h = harness
    inspector, reinspector, reviewer, office = await bind_cast(h, {
        2701: "李检查", 2702: "赵复查", 2703: "王审核", 2704: "张办公室"})
    office2 = await h.bind(2706, "office", "区安委会办公室", "刘办公室")
    hid = await hazard(h.core.uow, await actor_of(h, inspector))
    await open_first(reviewer, "/review")
    await reviewer.press("审核通过")
    await open_first(office, "/office")
    stale = office.latest_button("📒 确认挂账")
    await open_first(office2, "/office")
    await office2.press("确认挂账")  # 刘办公室 registers it
    assert (await hazard_row(h, hid)).state == "registered"
    by = await actor_of(h, reinspector)
    async with h.core.uow() as u:  # rectified, then re-inspected by 赵复查: the last to move it
        await u.session.exec(update(Hazard).where(Hazard.id == hid)  # type: ignore[call-overload]
                             .values(state="closure_requested"))
        u.session.add(HazardEvent(hazard_id=hid, actor_id=by.user_id, action="reinspect_pass", from_state="rectified",
                                  to_state="closure_requested", data={}))
        await u.commit()

    await office.press_button(stale)
    said = last_text(h, office)
    assert "该隐患已挂账（由 刘办公室 确认挂账），当前状态：复查合格，待销账。" in said, said
    assert "赵复查" not in said and "已由" not in said, said
    assert (await hazard_row(h, hid)).state == "closure_requested"

    await office2.press_button(office2.latest_button("📒 确认挂账"))  # the registrant's own double tap, told alike
    assert "该隐患已挂账（由 刘办公室 确认挂账）" in last_text(h, office2), last_text(h, office2)
