"""Every action re-checks the actor as they are now (issue 14, finding 5), through the dispatcher on SQLite
and PostgreSQL with the actor cache in play (``actor_cache_seconds`` 10, the default): a role taken away
while a form is open, or while a question spanning several messages is being answered, stops what would be
done in the unit's name — also when the role was taken away elsewhere (another instance without Redis, the
command line) and this process's cache still holds it. The draft is kept; nothing is recorded."""

from __future__ import annotations

from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.local_chat import Button, LocalChat
from handlers.hazard_callbacks import HazardCb
from storage.models import Draft, Hazard, Membership, Unit
from tests.chat_helpers import actor_of, open_first, remove_roles_elsewhere, sent_to
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_photos, fill_hazard_until_review
from tests.lifecycle_factories import hazard

HOME = "建外街道"
REFUSED = "不再担任"


async def _user_id(h: Harness, chat: LocalChat) -> int:
    return (await actor_of(h, chat)).user_id


async def _drafts(h: Harness, user_id: int) -> list[tuple[str, str | None]]:
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(Draft).where(Draft.user_id == user_id))).all()
        return [(d.status, d.step) for d in rows]


async def _hazards(h: Harness) -> int:
    async with h.core.uow() as u:
        return len((await u.session.exec(select(Hazard.id))).all())


async def _cached_roles(h: Harness, chat: LocalChat) -> int:
    """How many roles the update's actor carries (read through the cache, as the middleware does)."""
    return len((await actor_of(h, chat)).grants)


async def test_unsetrole_while_the_form_is_open_stops_the_submit_and_keeps_the_draft(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(8101, "inspector", HOME, "李检查")
    office = await h.bind(8102, "office", "区安委会办公室", "张办公室")
    await fill_hazard_until_review(inspector, album=1)
    uid = await _user_id(h, inspector)
    await office.say(f"/unsetrole {uid} {HOME} inspector")
    assert "已完成" in office.last_text() or "完成" in office.last_text(), office.last_text()

    await inspector.press("提交")
    assert REFUSED in inspector.last_text() and HOME in inspector.last_text(), inspector.last_text()
    assert await _hazards(h) == 0
    assert await _drafts(h, uid) == [("active", None)]  # kept, at its review card

    await inspector.say("/cancel")
    await inspector.press("确认放弃")  # ending it needs no role
    assert await _drafts(h, uid) == [("cancelled", None)]


async def test_a_role_removed_elsewhere_stops_the_next_step_until_it_is_back(harness: Harness, database_url: str) -> None:
    h = harness
    inspector = await h.bind(8201, "inspector", HOME, "李检查")
    await fill_hazard_until_photos(inspector)
    uid = await _user_id(h, inspector)
    before = await _drafts(h, uid)
    await remove_roles_elsewhere(database_url, uid)
    assert await _cached_roles(h, inspector) == 1  # the cache still says inspector

    await inspector.press("上一步")
    assert REFUSED in inspector.last_text(), inspector.last_text()
    assert await _drafts(h, uid) == before  # the answer was not taken
    async with h.core.uow() as u:  # the role comes back: the draft goes on where it was
        unit = (await u.session.exec(select(Unit).where(Unit.name == HOME))).one()
        u.session.add(Membership(user_id=uid, unit_id=unit.id, role="inspector"))  # type: ignore[arg-type]
        await u.commit()
    await inspector.press("上一步")
    assert "整改时限" in inspector.last_text(), inspector.last_text()


async def test_a_reason_typed_after_the_role_was_removed_elsewhere_rejects_nothing(
    harness: Harness, database_url: str
) -> None:
    h = harness
    inspector = await h.bind(8301, "inspector", HOME, "李检查")
    reviewer = await h.bind(8302, "reviewer", HOME, "王审核")
    hid = await hazard(h.core.uow, await h.core.services.users.touch(telegram_address(8301), "李检查", "zh-hans"))
    second = await hazard(h.core.uow, await h.core.services.users.touch(telegram_address(8301), "李检查", "zh-hans"))
    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    assert "理由" in reviewer.last_text()
    await remove_roles_elsewhere(database_url, await _user_id(h, reviewer))
    assert await _cached_roles(h, reviewer) == 1

    await reviewer.say("现场核实不属实")  # the last answer of a question spanning several messages
    assert REFUSED in reviewer.last_text(), reviewer.last_text()  # the form opened in the unit's name stops
    await reviewer.say("/review")
    listed = reviewer.buttons()
    await reviewer.press(2)  # the card is read with the roles held now: none
    assert "尚未绑定" in reviewer.last_text(), reviewer.last_text()
    await reviewer.press_button(Button("审核通过", HazardCb(id=second, a="ap").pack(), None, listed[1].message))
    async with h.core.uow() as u:
        states = [(await u.session.get(Hazard, i)).state for i in (hid, second)]  # type: ignore[union-attr]
    assert states == [HazardState.PENDING_REVIEW, HazardState.PENDING_REVIEW]
    assert not any("驳回" in t or "审核通过" in t for t in sent_to(h, inspector)), sent_to(h, inspector)  # nothing told
