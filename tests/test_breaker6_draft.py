"""breaker6: a hazard form left half-answered across migration 0200 (its draft naming the district emergency
bureau 区安监局, as the form offered it before) and submitted after it, through the dispatcher on SQLite and
PostgreSQL: the hazard names the bureau as the registry does now (区应急局), so it lies in the bureau's scope."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Draft, Hazard
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_review


async def test_a_draft_naming_the_bureau_by_its_old_name_is_stored_under_its_new_one(harness: Harness) -> None:
    chat = await harness.bind(9701, "inspector", "110105001")
    await fill_hazard_until_review(chat)
    async with harness.core.uow() as u:
        draft = (await u.session.exec(select(Draft).where(Draft.status == "active"))).one()
        draft.data = {**draft.data, "district_department": "区安监局", "city_department": "区安监局"}
        u.session.add(draft)
        await u.commit()
    await chat.press("提交")
    assert "隐患已提交" in chat.last_text(), chat.last_text()
    async with harness.core.uow() as u:
        made = (await u.session.exec(select(Hazard))).one()
    assert (made.district_department, made.city_department) == ("区应急局", "区应急局")
    leader = await harness.bind(9702, "leader", "区应急局")
    await leader.say("/status")
    assert "在账隐患" in leader.last_text() and "待审核 1" in leader.last_text(), leader.last_text()


async def test_a_registered_name_holding_html_is_escaped_on_the_hazard_card(harness: Harness) -> None:
    from aiogram.methods import EditMessageText, SendMessage

    from tests.chat_helpers import card
    from tests.test_invite_names import _code

    office = await harness.bind(9703, "office", "区安委会办公室")
    await office.say("/invite inspector 建外 姓名:<b>王</b>&amp;")
    chat = harness.chat(9704, "小王")
    await chat.say(f"/bind {_code(office.last_text())}")
    await fill_hazard_until_review(chat)
    await chat.press("提交")
    await card(office, "D001201810150001")
    await office.press("记录")
    html = [m.text for m in harness.session.requests if isinstance(m, SendMessage | EditMessageText)
            and m.chat_id == 9703 and m.text and "王" in m.text]
    assert html and all("<b>王" not in t for t in html), html
    assert "<b>王</b>&amp;" in "\n".join(office.texts()[-2:]), office.texts()[-2:]
