"""/submissions against forged buttons and roles that changed, through the dispatcher on SQLite and PostgreSQL:
a district leader reads but a forged publish (P) queues nothing; a leader whose role was taken away elsewhere
(another instance, the command line: this process's actor cache still holds it) is refused every button of the
list sent before (units, export, a month, open); an inspector of the submitting unit never opens it."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from handlers.inbox import InboxCb
from storage.models_reminders import ReminderOutbox, WorkSubmission
from tests.chat_helpers import actor_of, last_told, remove_roles_elsewhere
from tests.inbox_helpers import documents, inbox_harness
from tests.test_inbox_chat import DECEMBER, NOVEMBER, _send_november


async def _in_december(h, moving) -> int:  # type: ignore[no-untyped-def]
    """朝外街道's November submission sent; the clock in December; its id."""
    await _send_november(h, moving)
    moving.at = DECEMBER
    async with h.core.uow() as u:
        return int((await u.session.exec(select(WorkSubmission.id))).one())


async def test_a_forged_publish_by_a_district_leader_queues_nothing(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        sid = await _in_december(h, moving)
        leader = await h.bind(9391, "leader", "区安监局", "赵局长")
        async with h.core.uow() as u:
            before = len((await u.session.exec(select(ReminderOutbox.id))).all())
        sent = await leader._feed(h.factory.callback(leader.user, leader._message_for(None), InboxCb(a="P", i=sid).pack()))
        assert "无权" in last_told(leader) and documents(sent) == []
        async with h.core.uow() as u:
            row = await u.session.get(WorkSubmission, sid)
            assert row is not None and row.published_at is None and row.typical_at is None
            assert len((await u.session.exec(select(ReminderOutbox.id))).all()) == before


async def test_a_leader_whose_role_was_taken_away_is_refused_every_button(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        await _in_december(h, moving)
        leader = await h.bind(9392, "leader", "区安监局", "赵局长")
        await leader.say("/submissions 2018-11")
        assert "共1份" in leader.last_text()
        listing = leader.buttons()
        await remove_roles_elsewhere(database_url, (await actor_of(h, leader)).user_id)
        assert (await actor_of(h, leader)).grants  # the cache still holds the role
        pressed = [b for b in listing if (b.callback_data or "").startswith(("sb:u", "sb:x", "sb:f"))]
        assert {(b.callback_data or "")[:4] for b in pressed} == {"sb:u", "sb:x", "sb:f"}, listing
        for button in pressed:
            sent = await leader.press_button(button)
            shown = "\n".join([*leader.texts(sent), last_told(leader)])
            assert documents(sent) == [] and "朝外街道" not in shown and "无权" in shown, (button.text, shown)
        sent = await leader.press(1)
        assert documents(sent) == [] and "开展出租房屋" not in "\n".join(leader.texts(sent))


async def test_an_inspector_of_the_submitting_unit_never_opens_it(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, moving):
        sid = await _in_december(h, moving)
        inspector = await h.bind(9393, "inspector", "朝外街道")
        sent = await inspector._feed(h.factory.callback(inspector.user, inspector._message_for(None),
                                                        InboxCb(a="o", i=sid).pack()))
        assert documents(sent) == [] and "开展出租房屋" not in "\n".join(inspector.texts(sent))
