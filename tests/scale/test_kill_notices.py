"""kill -9 between a commit and the delivery of its notices (issue 14): a bot process approves a hazard — the
approval and the notices to the inspector and to the office (issue 15: the next actor, with its button) are
committed together — and is killed before anything was sent; a sender started afterwards (another process, or
the same bot restarted) delivers each notice, once, in its recipient's language, on a real PostgreSQL database."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.app import build_bot
from bot.clock import fixed_clock
from bot.domain import Role
from bot.local_chat import plain
from bot.local_session import LocalSession
from bot.settings import Settings
from reminders.sender import Sender
from reminders.settings import ReminderSettings
from storage.db import create_engine, make_uow_factory
from storage.models import Hazard, User
from tests.conftest import TODAY
from tests.lifecycle_factories import hazard, person
from tests.scale.child import Child, sessions_ended

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
INSPECTOR, REVIEWER, OFFICE = 9_201, 9_202, 9_203
UNPACED = ReminderSettings(global_rate=1e6, window_limit=10**6, per_chat_interval=0.0)


async def _prepare(url: str) -> int:
    engine = create_engine(url)
    try:
        uow = make_uow_factory(engine)
        inspector = await person(uow, "Li Jiancha", (Role.INSPECTOR, "110105001"), telegram_id=INSPECTOR)
        await person(uow, "王审核", (Role.REVIEWER, "110105001"), telegram_id=REVIEWER)
        await person(uow, "张办公室", (Role.OFFICE, "dept-01"), telegram_id=OFFICE)  # asked to confirm next
        async with uow() as u:  # an English-speaking inspector
            await u.session.exec(update(User).where(User.id == inspector.user_id).values(language="en"))  # type: ignore[call-overload]
            await u.commit()
        return await hazard(uow, inspector)
    finally:
        await engine.dispose()  # no session of ours may stay open: ``sessions_ended`` waits for the others


async def test_a_notice_committed_before_a_kill_is_delivered_by_the_next_sender(database_url: str, tmp_path: Path) -> None:
    hid = await _prepare(database_url)
    child = await Child.start("tests.scale.notice_driver", database_url, str(tmp_path / "data"), str(hid),
                              str(REVIEWER), stderr=tmp_path / "driver.stderr")
    await child.read_until(lambda lines: "stalled" in lines)
    await child.kill()
    await sessions_ended(database_url)
    assert "finished" not in child.lines

    engine = create_engine(database_url)
    try:
        uow = make_uow_factory(engine)
        async with uow() as u:
            assert (await u.session.get(Hazard, hid)).state == "pending_confirmation"  # type: ignore[union-attr]
        session = LocalSession()
        bot = build_bot(Settings(database_url=database_url, data_dir=tmp_path / "data"), session)
        clock = fixed_clock(TODAY)
        tz = ZoneInfo("Asia/Shanghai")
        stats = await Sender(bot, uow, UNPACED, tz, clock).run_until_done()
        again = await Sender(bot, uow, UNPACED, tz, clock).run_until_done()
        told = [plain(m.text) for m in session.requests if getattr(m, "chat_id", None) == INSPECTOR]
        assert stats.sent == 2 and again.sent == 0
        assert len(told) == 1 and "approved by 王审核" in told[0] and "awaiting the district office" in told[0], told
        [office] = [m for m in session.requests if getattr(m, "chat_id", None) == OFFICE]
        assert "请确认挂账" in plain(office.text)  # type: ignore[attr-defined]
        [[button]] = office.reply_markup.inline_keyboard  # type: ignore[attr-defined]
        assert (button.text, button.callback_data) == ("📒 打开确认挂账", f"h1:{hid}:o")
    finally:
        await engine.dispose()
