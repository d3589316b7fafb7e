"""The sender against a local Bot API stand-in: limits, 429 retry_after, 403 blocked recipients,
transient failures, a restart in the middle of a fan-out, and two senders sharing one outbox."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import update
from sqlmodel import select

from bot.channels import telegram_address
from bot.services.notices import Notice, queue_notices
from reminders import delivery
from reminders.actions import ReminderAction
from reminders.facts import Person
from reminders.outbox import enqueue
from reminders.rules import Reminder
from reminders.sender import Sender
from reminders.settings import ReminderSettings
from reminders.texts import literal
from storage.db import UowFactory, create_engine, make_uow_factory
from storage.models import User
from storage.models_reminders import BlockedRecipient, ReminderOutbox
from tests.botapi_standin import BotApiStandIn
from tests.reminders import factories as f

TZ = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2019, 3, 25, 9, 0, tzinfo=TZ)


def ticking(start: datetime):  # type: ignore[no-untyped-def]
    """A clock that starts at ``start`` and runs at real speed (backoff waits need time to pass)."""
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)


def fast(**kw: object) -> ReminderSettings:
    """Real spacing logic at test-friendly limits (the stand-in enforces the same ones)."""
    base: dict[str, object] = {"per_chat_interval": 0.25, "global_rate": 29.5, "backoff_base_seconds": 0.05}
    base.update(kw)
    return ReminderSettings(**base)  # type: ignore[arg-type]


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    server = BotApiStandIn(per_chat_interval=0.2)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    b = Bot("123456:TEST-TOKEN", session=AiohttpSession(api=TelegramAPIServer.from_base(standin.url)))
    yield b
    await b.session.close()


def _chat(person: Person) -> int:
    """The Telegram chat the sender delivers ``person``'s rows to (their address)."""
    assert person.address is not None
    return int(person.address.address)


async def people(uow: UowFactory, n: int, base: int = 7000) -> list[Person]:
    out = []
    async with uow() as u:
        for i in range(n):
            uid = await f.user(u.session, base + i, f"人员{i}")
            out.append(Person(f"人员{i}", uid, telegram_address(base + i)))
        await u.commit()
    return out


async def queue(uow: UowFactory, recipients: list[Person], per_person: int, rule: str = "test") -> int:
    reminders = [
        Reminder(rule, f"hazard:{k}", "2019-03-25", tuple(recipients), literal(f"提醒{k}"), literal("上报整改情况"),
                 ReminderAction("hazard", k))
        for k in range(per_person)
    ]
    async with uow() as u:
        n = await enqueue(u.session, reminders, now=MORNING)
        await u.commit()
    return n


async def statuses(uow: UowFactory) -> Counter[str]:
    async with uow() as u:
        return Counter((await u.session.exec(select(ReminderOutbox.status))).all())


def assert_no_duplicates(server: BotApiStandIn) -> None:
    keys = [(d.chat_id, d.text) for d in server.delivered]
    assert len(keys) == len(set(keys))


async def test_fan_out_delivers_each_reminder_once_with_its_button(uow: UowFactory, bot: Bot,
                                                                   standin: BotApiStandIn) -> None:
    who = await people(uow, 3)
    assert await queue(uow, who, 3) == 9
    sender = Sender(bot, uow, fast(), TZ, ticking(MORNING))
    stats = await sender.run_until_done()
    assert stats.sent == 9 and standin.status_counts[429] == 0
    assert_no_duplicates(standin)
    assert Counter(d.chat_id for d in standin.delivered) == {_chat(p): 3 for p in who}
    button = standin.delivered[0].reply_markup["inline_keyboard"][0][0]  # type: ignore[index]
    assert button["callback_data"].startswith("rm:hazard:") and button["text"] == "上报整改情况"
    async with uow() as u:
        rows = (await u.session.exec(select(ReminderOutbox))).all()
        assert {(r.status, r.attempts, MORNING <= r.sent_at < MORNING + timedelta(minutes=1)) for r in rows} == {  # type: ignore[operator]
            ("sent", 1, True)}
        assert sorted(r.message_id for r in rows) == list(range(1, 10))  # type: ignore[type-var]
    # the stand-in enforces 1 message per chat per 0.2 s: the sender kept to its 0.25 s spacing
    for p in who:
        times = [d.at for d in standin.delivered if d.chat_id == _chat(p)]
        assert all(b - a >= 0.2 for a, b in zip(times, times[1:], strict=False))


async def test_nothing_is_sent_at_night(uow: UowFactory, bot: Bot, standin: BotApiStandIn) -> None:
    await queue(uow, await people(uow, 1), 1)
    night = datetime(2019, 3, 25, 23, 30, tzinfo=TZ)
    await Sender(bot, uow, fast(), TZ, ticking(night)).run_until_done()
    assert standin.delivered == [] and await statuses(uow) == {"pending": 1}


async def test_a_notice_goes_out_at_night_as_html_and_once_while_reminders_wait(
    uow: UowFactory, bot: Bot, standin: BotApiStandIn
) -> None:
    [person] = await people(uow, 1)
    await queue(uow, [person], 1)
    night = datetime(2019, 3, 25, 23, 30, tzinfo=TZ)
    words = literal("通知：<b>张&lt;三&gt;出租房</b> 已审核通过")
    notice = Notice(person.user_id or 0, "hazard_step", words)
    async with uow() as u:
        assert await queue_notices(u.session, "hazard_event:1", [notice, notice], night) == 1
        assert await queue_notices(u.session, "hazard_event:1", [notice], night) == 0  # the same change again
        await u.commit()
    await Sender(bot, uow, fast(), TZ, ticking(night)).run_until_done()
    assert [(d.chat_id, d.text, d.parse_mode) for d in standin.delivered] == [
        (_chat(person), "通知：<b>张&lt;三&gt;出租房</b> 已审核通过", "HTML")]
    assert await statuses(uow) == {"pending": 1, "sent": 1}  # the reminder waits for the morning


async def test_blocked_recipient_is_marked_skipped_and_their_leader_told_once(
        uow: UowFactory, bot: Bot, standin: BotApiStandIn) -> None:
    blocked, leader, other = await people(uow, 3)
    async with uow() as u:
        unit = await f.unit_id(u.session, "建外街道")
        await f.contact(u.session, unit, "contact", "被屏蔽", "13900000011", blocked.user_id)
        await f.contact(u.session, unit, "leader", "领导", "13900000012", leader.user_id)
        await u.commit()
    standin.blocked.add(_chat(blocked))  # type: ignore[arg-type]
    await queue(uow, [blocked, other], 3)
    stats = await Sender(bot, uow, fast(), TZ, ticking(MORNING)).run_until_done()

    assert standin.status_counts[403] == 1  # one refusal; the other two rows were never tried
    assert stats.blocked == 1
    async with uow() as u:
        rows = (await u.session.exec(select(ReminderOutbox))).all()
        by_recipient = Counter((r.recipient_id, r.status) for r in rows)
        assert (await u.session.exec(select(BlockedRecipient.user_id))).all() == [blocked.user_id]
    assert by_recipient[(blocked.user_id, "blocked")] == 3
    assert by_recipient[(other.user_id, "sent")] == 3
    notices = [d for d in standin.delivered if d.chat_id == _chat(leader)]
    assert len(notices) == 1 and "被屏蔽" in notices[0].text and "屏蔽本机器人" in notices[0].text

    # later reminders to the blocked person are closed without a request; the leader is not told again
    await queue(uow, [blocked, other], 5, rule="later")
    await Sender(bot, uow, fast(), TZ, ticking(MORNING)).run_until_done()
    assert standin.status_counts[403] == 1
    assert len([d for d in standin.delivered if d.chat_id == _chat(leader)]) == 1
    assert len([d for d in standin.delivered if d.chat_id == _chat(other)]) == 3 + 5
    assert (await statuses(uow))["blocked"] == 3 + 5


async def test_429_pauses_sending_for_retry_after_and_loses_nothing(uow: UowFactory, bot: Bot,
                                                                    standin: BotApiStandIn) -> None:
    await _pauses_for_retry_after_and_loses_nothing(uow, bot, standin)


async def test_through_the_run_modes_bot_a_429_is_the_sender_s_alone(uow: UowFactory, standin: BotApiStandIn) -> None:
    """``hazardbot run`` gives the sender the handlers' ``Bot``, whose session sends a reply again after a short
    429 (``bot.reply_retry``): the sender's own calls pass it untouched, each 429 is its own to pause for."""
    from bot.app import build_bot
    from bot.settings import Settings

    run_bot = build_bot(Settings(token="123456:TEST-TOKEN", api_url=standin.url))
    try:
        await _pauses_for_retry_after_and_loses_nothing(uow, run_bot, standin)
    finally:
        await run_bot.session.close()


async def _pauses_for_retry_after_and_loses_nothing(uow: UowFactory, bot: Bot, standin: BotApiStandIn) -> None:
    standin.global_limit = 3  # a server far stricter than the sender's pace
    who = await people(uow, 8)
    await queue(uow, who, 1)
    sender = Sender(bot, uow, fast(max_in_flight=1), TZ, ticking(MORNING))
    stats = await sender.run_until_done()
    assert standin.status_counts[429] >= 1
    assert stats.too_many_requests == standin.status_counts[429]
    assert len(standin.delivered) == 8
    assert_no_duplicates(standin)
    for refused in standin.rejected_at:  # nothing accepted before retry_after (1 s) ran out
        after = [d.at for d in standin.delivered if d.at > refused]
        assert not after or min(after) - refused >= 0.95
    assert await statuses(uow) == {"sent": 8}


async def test_server_errors_are_retried_with_backoff_then_given_up(uow: UowFactory, bot: Bot,
                                                                    standin: BotApiStandIn) -> None:
    flaky, broken = await people(uow, 2)
    standin.fail_first = {_chat(flaky): 2, _chat(broken): 99}  # type: ignore[dict-item]
    await queue(uow, [flaky, broken], 1)
    await Sender(bot, uow, fast(max_attempts=3), TZ, ticking(MORNING)).run_until_done()
    async with uow() as u:
        rows = {r.recipient_id: (r.status, r.attempts, r.last_error or "")
                for r in (await u.session.exec(select(ReminderOutbox))).all()}
    assert rows[flaky.user_id][:2] == ("sent", 3)
    assert rows[broken.user_id][:2] == ("failed", 3)
    assert "TelegramServerError" in rows[broken.user_id][2]
    assert [d.chat_id for d in standin.delivered] == [_chat(flaky)]


async def test_restart_in_the_middle_of_a_fan_out_loses_and_doubles_nothing(
        uow: UowFactory, bot: Bot, standin: BotApiStandIn) -> None:
    who = await people(uow, 4)
    await queue(uow, who, 5)
    first = Sender(bot, uow, fast(), TZ, ticking(MORNING))
    task = asyncio.create_task(first.drain())
    await standin.wait_for_deliveries(7)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    midway = await statuses(uow)
    assert "sending" not in midway  # in-flight sends were recorded, the rest released
    assert midway["sent"] == len(standin.delivered) < 20

    await Sender(bot, uow, fast(), TZ, ticking(MORNING)).run_until_done()
    assert len(standin.delivered) == 20
    assert_no_duplicates(standin)
    assert await statuses(uow) == {"sent": 20}


async def test_rows_of_a_sender_that_died_are_sent_after_their_lease(uow: UowFactory, bot: Bot,
                                                                     standin: BotApiStandIn) -> None:
    await queue(uow, await people(uow, 3), 1)
    cfg = fast()
    async with uow() as u:  # a sender claims and dies without a word
        claimed = await delivery.claim(u.session, "dead", 10, MORNING.astimezone(UTC), timedelta(seconds=cfg.lease_seconds))
        await u.commit()
    assert len(claimed) == 3
    await Sender(bot, uow, cfg, TZ, ticking(MORNING + timedelta(seconds=60))).run_until_done()
    assert standin.delivered == [] and await statuses(uow) == {"sending": 3}  # lease still running
    later = MORNING + timedelta(seconds=cfg.lease_seconds + 1)
    await Sender(bot, uow, cfg, TZ, ticking(later)).run_until_done()
    assert len(standin.delivered) == 3 and await statuses(uow) == {"sent": 3}


async def test_two_senders_never_send_the_same_row(database_url: str, bot: Bot, standin: BotApiStandIn) -> None:
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        uows = [make_uow_factory(e) for e in engines]
        who = await people(uows[0], 12)
        await queue(uows[0], who, 3)
        cfg = fast(global_rate=12, claim_batch=6)  # two senders together stay under 30/s
        senders = [Sender(bot, u, cfg, TZ, ticking(MORNING)) for u in uows]
        await asyncio.gather(*(s.run_until_done() for s in senders))
        assert len(standin.delivered) == 36
        assert_no_duplicates(standin)
        assert all(s.stats.sent > 0 for s in senders), [s.stats for s in senders]
        assert await statuses(uows[0]) == {"sent": 36}
    finally:
        for e in engines:
            await e.dispose()


async def test_the_pacer_never_starts_more_than_the_window_allows() -> None:
    """Lower bounds only: starts can be late, never early."""
    from reminders.sender import Pacer

    pacer = Pacer(rate=1000, per_window=3, window=0.2)
    starts = []
    for _ in range(7):
        await pacer.wait()
        await pacer.admit()
        starts.append(time.monotonic())
    assert all(b - a >= 0.2 for a, b in zip(starts, starts[3:], strict=False))
    pacer.pause(0.3)
    paused_at = time.monotonic()
    await pacer.admit()
    assert time.monotonic() - paused_at >= 0.29


async def test_a_row_waiting_longer_than_its_lease_is_still_sent_once(uow: UowFactory, bot: Bot,
                                                                       standin: BotApiStandIn) -> None:
    """Rows queued behind one chat's pacing (or a long 429 pause) outlive their lease: the sender's next
    claim hands them out again, to itself; it must not send them twice."""
    await queue(uow, await people(uow, 1), 8)
    cfg = fast(per_chat_interval=0.5, lease_seconds=1, claim_batch=6)  # the 2nd claim comes after 1.5 s
    stats = await Sender(bot, uow, cfg, TZ, ticking(MORNING)).run_until_done()
    assert (stats.sent, stats.taken_over) == (8, 0)  # its own rows, not another sender's
    assert len(standin.delivered) == 8
    assert_no_duplicates(standin)
    assert await statuses(uow) == {"sent": 8}


async def test_a_sender_whose_lease_ran_out_leaves_its_rows_to_the_sender_that_took_them(
        database_url: str, bot: Bot, standin: BotApiStandIn) -> None:
    """Only the message in flight when the lease ran out can go twice; the rows still queued go once."""
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        uows = [make_uow_factory(e) for e in engines]
        await queue(uows[0], await people(uows[0], 1), 6)
        cfg = fast()
        standin.hold_after = 0  # the slow sender's first request gets no answer for now
        slow = asyncio.create_task(Sender(bot, uows[0], cfg, TZ, ticking(MORNING)).drain())
        await standin.wait_until(lambda s: s.held == 1)
        standin.hold_after = None
        in_flight = (standin.delivered[0].chat_id, standin.delivered[0].text)
        async with uows[0]() as u:  # its lease runs out
            await u.session.exec(update(ReminderOutbox).values(claimed_at=MORNING - timedelta(hours=1)))  # type: ignore[call-overload]
            await u.commit()
        await Sender(bot, uows[1], cfg, TZ, ticking(MORNING)).run_until_done()
        standin.release()
        await slow
        assert len(standin.delivered) == 7
        doubled = [key for key, n in Counter((d.chat_id, d.text) for d in standin.delivered).items() if n > 1]
        assert doubled == [in_flight]
        assert await statuses(uows[0]) == {"sent": 6}
    finally:
        for e in engines:
            await e.dispose()


async def test_the_telegram_sender_sends_only_telegram_addresses(uow: UowFactory, bot: Bot,
                                                                 standin: BotApiStandIn) -> None:
    """The outbox addresses a user on a channel (issue 18): a notice to someone reached on another channel is
    queued at their address there, and the Telegram sender, the outbox's Telegram adapter, records it failed
    without a request instead of taking the address for a chat id."""
    [person] = await people(uow, 1)
    async with uow() as u:
        elsewhere = User(channel="wecom", address="zhangsan", full_name="张三", language="zh-hans")
        u.session.add(elsewhere)
        await u.session.flush()
        assert elsewhere.id is not None and person.user_id is not None
        words = literal("通知：已审核通过")
        await queue_notices(u.session, "hazard_event:1", [Notice(elsewhere.id, "hazard_step", words),
                                                          Notice(person.user_id, "hazard_step", words)], MORNING)
        await u.commit()
        rows = {r.recipient_id: (r.channel, r.address) for r in (await u.session.exec(select(ReminderOutbox))).all()}
    assert rows == {elsewhere.id: ("wecom", "zhangsan"), person.user_id: ("telegram", str(_chat(person)))}
    await Sender(bot, uow, fast(), TZ, ticking(MORNING)).run_until_done()
    assert [d.chat_id for d in standin.delivered] == [_chat(person)]
    async with uow() as u:
        [failed] = (await u.session.exec(select(ReminderOutbox).where(ReminderOutbox.status == "failed"))).all()
    assert failed.recipient_id == elsewhere.id and "wecom" in (failed.last_error or "")
    assert await statuses(uow) == {"sent": 1, "failed": 1}
