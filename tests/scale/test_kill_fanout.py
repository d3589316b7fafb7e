"""kill -9 during a reminder fan-out: ``hazardbot reminders run`` (the scheduler and the outbox sender, as
deployed) drains a few hundred reminders into a local Bot API stand-in, is killed mid-way, and a new
process drains the rest once the dead sender's lease has run out. Real processes, real PostgreSQL.

The guarantee checked: every reminder is delivered, and every outbox row ends ``sent``. A message is
delivered twice only when it was in flight at the kill (Telegram had it, the outbox had not recorded
it: the row was still ``sending``), so at most ``max_in_flight`` are doubled, and none three times.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.channels import telegram_address
from reminders.actions import ReminderAction
from reminders.facts import Person
from reminders.outbox import enqueue
from reminders.rules import Reminder
from reminders.settings import ReminderSettings
from reminders.texts import literal
from storage.db import create_engine, make_uow_factory
from storage.models_reminders import ReminderOutbox
from storage.types import utcnow
from tests.botapi_standin import BotApiStandIn
from tests.reminders import factories as f
from tests.scale.child import TIMEOUT, Child, sessions_ended

CHATS, PER_CHAT = 100, 3  # 300 reminders, three to each person
CFG = ReminderSettings()
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

Key = tuple[int, str]  # (chat id, text): one outbox row


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    server = BotApiStandIn()  # Telegram's limits: 30 messages/s, one per chat per second
    await server.start()
    yield server
    server.release()
    await server.stop()


async def _queue(url: str) -> int:
    """The fan-out: ``PER_CHAT`` reminders to each of ``CHATS`` people, through the outbox."""
    engine = create_engine(url)
    try:
        async with make_uow_factory(engine)() as u:
            people = [Person(f"人员{i}", await f.user(u.session, 60_000 + i), telegram_address(60_000 + i)) for i in range(CHATS)]
            reminders = [
                Reminder("kill_test", f"hazard:{k}", "2019-03-25", tuple(people), literal(f"提醒{k}：请上报整改情况"),
                         literal("上报整改情况"), ReminderAction("hazard", k))
                for k in range(PER_CHAT)
            ]
            queued = await enqueue(u.session, reminders)
            await u.commit()
            return queued
    finally:
        await engine.dispose()


async def _outbox(url: str, age_claims: bool = False) -> dict[Key, str]:
    """Each row's status. ``age_claims``: first date every claim a lease (ten minutes) ago, as if the
    sender had stayed down that long."""
    engine = create_engine(url)
    try:
        async with make_uow_factory(engine)() as u:
            if age_claims:
                expired = utcnow() - timedelta(seconds=CFG.lease_seconds + 1)
                await u.session.exec(update(ReminderOutbox).where(col(ReminderOutbox.status) == "sending")  # type: ignore[call-overload]
                                     .values(claimed_at=expired))
                await u.commit()
            rows = (await u.session.exec(select(ReminderOutbox))).all()
            return {(int(r.address), r.text): r.status for r in rows}
    finally:
        await engine.dispose()


async def _sender(url: str, api_url: str, tmp: Path, run: int) -> Child:
    env = {
        "HAZARDBOT_DATABASE_URL": url, "HAZARDBOT_TOKEN": "123456:TEST-TOKEN", "HAZARDBOT_API_URL": api_url,
        "HAZARDBOT_DATA_DIR": str(tmp / "data"),
        "HAZARDBOT_REMINDERS_QUIET_START": "0", "HAZARDBOT_REMINDERS_QUIET_END": "0",  # day and night alike
        # the rules stay out of it: their hour is half a day away (a start within 3 h after it runs them)
        "HAZARDBOT_REMINDERS_HOUR": str((datetime.now(SHANGHAI).hour + 12) % 24),
    }
    return await Child.start("bot", "reminders", "run", stderr=tmp / f"sender-{run}.stderr", env=env)


async def _drained(url: str, child: Child) -> dict[Key, str]:
    """Poll the outbox until no row is pending or sending (the sender must stay alive meanwhile)."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            assert child.proc.returncode is None, child.tail()
            rows = await _outbox(url)
            if not {"pending", "sending"} & set(rows.values()):
                return rows
            await asyncio.sleep(0.5)


# how the first sender dies: after n messages with answers flowing, or once n were delivered and
# Telegram's answers to all later ones are held (the sender's requests in flight pile up to its limit)
KILLS = {"flowing": ("flowing", 100), "answers-held": ("held", 60)}


@pytest.mark.parametrize("kill", list(KILLS.values()), ids=list(KILLS))
async def test_kill_during_a_fan_out_loses_nothing_and_doubles_only_what_was_in_flight(
        database_url: str, tmp_path: Path, standin: BotApiStandIn, kill: tuple[str, int]) -> None:
    how, n = kill
    assert await _queue(database_url) == CHATS * PER_CHAT
    if how == "held":
        standin.hold_after = n
    first = await _sender(database_url, standin.url, tmp_path, 1)
    if how == "held":
        await standin.wait_until(lambda s: s.held >= CFG.max_in_flight, timeout=TIMEOUT)
    else:
        await standin.wait_for_deliveries(n, timeout=TIMEOUT)
    await first.kill()
    held = standin.held
    standin.release()
    await sessions_ended(database_url)

    at_kill = await _outbox(database_url, age_claims=True)
    # what the first process delivered (taken after the database round trips above: a request it wrote
    # just before dying has been read by the stand-in by now)
    first_sent = Counter((d.chat_id, d.text) for d in standin.delivered)
    assert set(at_kill) == {(60_000 + i, f"提醒{k}：请上报整改情况") for i in range(CHATS) for k in range(PER_CHAT)}
    assert max(first_sent.values()) == 1
    assert {key for key, status in at_kill.items() if status == "sent"} <= set(first_sent)
    assert {at_kill[key] for key in first_sent} <= {"sent", "sending"}  # nothing goes out before its claim
    in_flight = {key for key in first_sent if at_kill[key] == "sending"}  # delivered, not yet recorded
    assert len(in_flight) <= CFG.max_in_flight
    assert len(first_sent) < len(at_kill)  # killed mid-way
    if how == "held":
        assert held == CFG.max_in_flight <= len(in_flight)

    second = await _sender(database_url, standin.url, tmp_path, 2)
    final = await _drained(database_url, second)
    second.proc.terminate()
    await second.proc.wait()

    assert set(final.values()) == {"sent"}
    delivered = Counter((d.chat_id, d.text) for d in standin.delivered)
    assert set(delivered) == set(final)  # every reminder arrived
    assert max(delivered.values()) <= 2
    doubled = {key for key, times in delivered.items() if times > 1}
    assert doubled == in_flight  # exactly the messages in flight at the kill went twice
