"""A form asked for while another is open (a newcomer's walk): the inspector, half-way through /hazard for site
乙工地, presses ✏️ 修改后重新提交 on the card of a rejected hazard at 甲仓库. The answer says plainly that another
form is open, names it (title and site) and the one asked for, and offers to continue it or to discard it — asked
to confirm, as /cancel asks — for the one asked for, which then opens pre-filled. Nothing entered is lost until
the discard is confirmed. The same for a command (/inspect) and for a life-cycle button (延期申请). Through the
dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.domain import DraftStatus, HazardState
from storage.models import Draft, Hazard
from tests.chat_helpers import actor_of, bind_cast, card, last_text, open_first, sent_to
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, fill_hazard_until_review, hazard_site
from tests.lifecycle_factories import hazard
from tests.tipoff_helpers import SANLITUN, report

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

NUMBER = "D001201810150001"


async def _drafts(h: Harness) -> list[tuple[str, str, str | None]]:
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(Draft).order_by(Draft.id))).all()  # type: ignore[arg-type]
        return [(d.form, d.status, d.data.get("site_name")) for d in rows]


async def _rejected_hazard_and_an_open_form(h: Harness) -> tuple[object, int]:
    inspector, reviewer = await bind_cast(h, {2301: "李检查", 2302: "王审核"})
    await fill_hazard_until_review(inspector, site="甲仓库", album=1)
    await inspector.press("提交")
    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    await reviewer.say("联系电话不对")
    await reviewer.press("提交")
    async with h.core.uow() as u:
        hid = (await u.session.exec(select(Hazard.id))).one()
    await hazard_site(inspector, "乙工地")  # a new hazard form, half-filled
    return inspector, hid


async def test_the_resubmit_button_names_the_other_open_form_and_keeps_it_until_discarded(harness: Harness) -> None:
    h = harness
    inspector, _hid = await _rejected_hazard_and_an_open_form(h)
    assert "✏️ 修改后重新提交" in await card(inspector, NUMBER)
    await inspector.press("修改后重新提交")
    said = last_text(h, inspector)
    assert "您还有一张未提交的表单" in said and "乙工地" in said, said  # the open form, by its site
    assert NUMBER in said and "甲仓库" in said, said  # the one asked for
    assert "将从上次中断处继续" not in said, said
    labels = [b.text for b in inspector.buttons()]
    assert any(t.startswith("▶️ 继续填写") for t in labels) and any(t.startswith("🗑 放弃它") for t in labels), labels

    await inspector.press("▶️ 继续填写")  # continue: the half-filled form, as it was
    assert "乙工地" in last_text(h, inspector) or "隐患" in last_text(h, inspector)
    assert [d for d in await _drafts(h) if d[1] == DraftStatus.ACTIVE.value] == [("hazard", "active", "乙工地")]

    await card(inspector, NUMBER)
    await inspector.press("修改后重新提交")
    await inspector.press("🗑 放弃它")
    assert "放弃未完成的表单" in last_text(h, inspector), last_text(h, inspector)
    assert [d for d in await _drafts(h) if d[1] == DraftStatus.ACTIVE.value] == [("hazard", "active", "乙工地")]
    await inspector.press("确认放弃并打开")
    said = last_text(h, inspector)
    assert "提交前请核对" in said and "甲仓库" in said, said  # the rejected hazard's form, pre-filled
    active = [d for d in await _drafts(h) if d[1] == DraftStatus.ACTIVE.value]
    assert active == [("hazard", "active", "甲仓库")], active
    assert ("hazard", "cancelled", "乙工地") in await _drafts(h)

    await card(inspector, NUMBER)  # the same form asked for again: it is resumed, as before
    await inspector.press("修改后重新提交")
    assert "将从上次中断处继续" in last_text(h, inspector), last_text(h, inspector)


async def test_a_command_asking_for_another_form_offers_the_same_choice(harness: Harness) -> None:
    h = harness
    [inspector] = await bind_cast(h, {2311: "李检查"})
    await hazard_site(inspector, "丙商场")
    await inspector.say("/inspect")
    said = last_text(h, inspector)
    assert "您还有一张未提交的表单" in said and "丙商场" in said, said
    await inspector.press("🗑 放弃它")
    await inspector.press("确认放弃并打开")
    assert [d[0] for d in await _drafts(h) if d[1] == DraftStatus.ACTIVE.value] == ["inspection"]
    assert "已放弃表单" in "\n".join(sent_to(h, inspector)[-3:]), sent_to(h, inspector)[-3:]


async def test_a_confirmation_left_while_the_form_moved_on_discards_nothing(harness: Harness) -> None:
    h = harness
    [inspector] = await bind_cast(h, {2321: "李检查"})
    await hazard_site(inspector, "丁饭店")
    await inspector.say("/inspect")
    await inspector.press("🗑 放弃它")
    confirm = inspector.latest_button("确认放弃并打开")
    await inspector.say("/resume")
    await inspector.say("建国门外大街永安里8号")  # the open form moves on
    await inspector.press_button(confirm)
    assert [d for d in await _drafts(h) if d[1] == DraftStatus.ACTIVE.value] == [("hazard", "active", "丁饭店")]


async def test_a_life_cycle_button_meets_the_open_form_the_same_way(harness: Harness) -> None:
    """延期申请 from an overdue hazard's card while /hazard is half-filled: both named, and after the confirmed
    discard the extension form opens about that hazard."""
    h = harness
    [inspector] = await bind_cast(h, {2331: "李检查"})
    await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.REGISTERED, deadline=date(2018, 10, 1),
                 full_plan=True, site_name="戊工厂")
    await hazard_site(inspector, "乙工地")
    await open_first(inspector, "/find 戊工厂")
    await inspector.press("申请延期")
    said = last_text(h, inspector)
    assert "您还有一张未提交的表单" in said and "乙工地" in said and "戊工厂" in said, said
    await inspector.press("🗑 放弃它")
    await inspector.press("确认放弃并打开")
    said = last_text(h, inspector)
    assert "申请延期至" in said and "戊工厂" in said, said
    assert [d[0] for d in await _drafts(h) if d[1] == DraftStatus.ACTIVE.value] == ["deadline_extension"]


async def test_verifying_a_tipoff_meets_the_open_form_the_same_way(harness: Harness) -> None:
    """查实 on a tip-off while /hazard is half-filled: the tip-off's number named, its hazard form opened after the
    confirmed discard (the tip-off's photos with it, as when no form was open)."""
    h = harness
    inspector = await h.bind(2341, "inspector", SANLITUN, name="李检查")
    number = await report(h.chat(880_002_341, "王小明"), photos=[PHOTOS / "portrait_6.jpg"])
    await hazard_site(inspector, "乙工地")
    await inspector.say("/tipoffs")
    await inspector.press(1)
    await inspector.press("查实")
    said = last_text(h, inspector)
    assert "您还有一张未提交的表单" in said and "乙工地" in said and number in said, said
    await inspector.press("🗑 放弃它")
    await inspector.press("确认放弃并打开")
    assert "所属街乡" in last_text(h, inspector), last_text(h, inspector)
    async with h.core.uow() as u:
        [draft] = (await u.session.exec(select(Draft).where(Draft.status == DraftStatus.ACTIVE.value))).all()
    assert (draft.form, draft.context.get("tipoff_number"), len(draft.data.get("photos") or [])) == ("hazard", number, 1)
