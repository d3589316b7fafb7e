"""The sender: drains the outbox through an aiogram ``Bot`` within Telegram's limits.

Rows are reminders (plain text, none sent in the quiet hours) and notices of committed changes (HTML, sent at
any hour: they answer what someone just did), woken by ``watch_outbox`` after the commit that queued them.

Pacing: dispatches are spaced ``1/global_rate`` apart (about 30 messages/s overall) and a chat gets
at most one message per ``per_chat_interval`` (1 s). A 429 (``TelegramRetryAfter``) pauses all sending
for ``retry_after`` and the message is tried again (the run modes' session retries a handler's reply after a
short 429, ``bot.reply_retry``, but leaves the sender's calls alone: it shares their ``Bot``); a 403
(``TelegramForbiddenError``) marks the recipient as blocked (no more messages to them; their unit's leaders are
told once); network errors and 5xx are retried with exponential backoff up to ``max_attempts``; anything else
the Bot API rejects is recorded as failed. Every outcome is written to the outbox row.

Claims are leases (``lease_seconds``): a row is renewed shortly before it is sent (at most ``renew_seconds``
before, together with the other rows due to go out by then, in one statement) and dropped if its claim was
lost meanwhile (it waited longer than the lease and another sender took it); a row this sender claims again
while it still holds it is not queued twice. Outcomes are written in batches: everything answered within
``settle_seconds`` in one transaction (with the next claim or renewal when one falls due). Delivery is
at-least-once: a row is marked sent only when the Bot API's answer arrives and its outcome is written, so a
message goes out twice when that answer is lost — a network error or timeout after Telegram took the message
(retried) — or when its sender died (or its lease ran out) while its request was in flight or its outcome was
still waiting to be written (at most ``settle_seconds`` later); none is lost.

Per chat, the next request starts ``per_chat_interval`` after the previous one was *answered*: the Bot API
had received it by then, so the spacing it sees is never shorter, however late a busy event loop ran.

This is the only module of ``reminders`` that imports aiogram, and the Telegram adapter of the outbox: rows
address a user on a channel (``ClaimedRow.to``), and only here is that address a Telegram chat id.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels import TELEGRAM
from bot.reply_retry import own_pacing
from reminders import delivery
from reminders.delivery import ClaimedRow, Outcome
from reminders.settings import ReminderSettings
from storage.commit_hooks import after_commit_writing
from storage.db import UowFactory
from storage.models_reminders import ReminderOutbox
from storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass
class SendStats:
    """Counts of one sender's outcomes since it started."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    too_many_requests: int = 0
    skipped_blocked: int = 0
    taken_over: int = 0
    started: float = field(default_factory=time.monotonic)


class Pacer:
    """Two guards on the overall rate, monotonic time.

    ``wait`` spaces dispatches evenly, one every ``1/rate`` seconds, and nothing before a pause (a
    429's ``retry_after``) ends; it absorbs up to a tenth of an interval of lateness so the average
    keeps to ``rate``. ``admit`` runs in the sending task right before the request and counts the
    requests actually started: at most ``per_window`` in any ``window`` seconds. A task that started
    late (the event loop was busy) would otherwise shrink the gap to the requests after it, and the
    Bot API counts what arrives, not what was planned.
    """

    def __init__(self, rate: float, per_window: int = 30, window: float = 1.01) -> None:
        self.interval = 1.0 / rate
        self.next_slot = 0.0
        self.paused_until = 0.0
        self.per_window = per_window
        self.window = window
        self._starts: deque[float] = deque()

    async def wait(self) -> None:
        """Wait for the next dispatch slot (one every ``1/rate`` seconds, none during a pause)."""
        while True:
            now = time.monotonic()
            slot = max(self.next_slot, self.paused_until)
            if slot <= now:
                self.next_slot = max(slot, now - self.interval / 10) + self.interval
                return
            await asyncio.sleep(slot - now)

    async def admit(self) -> None:
        """Wait until a request may start: no pause, fewer than ``per_window`` started in the last ``window``
        seconds."""
        while True:
            now = time.monotonic()
            while self._starts and now - self._starts[0] >= self.window:
                self._starts.popleft()
            if now < self.paused_until:
                await asyncio.sleep(self.paused_until - now)
            elif len(self._starts) < self.per_window:
                self._starts.append(now)
                return
            else:
                await asyncio.sleep(self.window - (now - self._starts[0]))

    def pause(self, seconds: float) -> None:
        """Start nothing for ``seconds`` (Telegram's ``retry_after``); a longer pause already set is kept."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)


def _chat_id(row: ClaimedRow) -> int:
    """The Telegram chat of the row's recipient: a private chat's id is its user's id, their address on the
    ``telegram`` channel. A row for another channel has no chat here (0) and is recorded failed unsent."""
    return int(row.to.address) if row.to.channel == TELEGRAM and row.to.address.isdigit() else 0


def _markup(row: ClaimedRow) -> InlineKeyboardMarkup | None:
    if not row.button_text or not row.callback_data:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=row.button_text, callback_data=row.callback_data)
    ]])


def watch_outbox(engine: AsyncEngine, wake: Callable[[], None]) -> None:
    """Call ``wake`` (a sender's) after every committed transaction on ``engine`` that queued outbox rows: a
    change's notices go out at once, not at the next periodic drain."""
    after_commit_writing(engine, ReminderOutbox.__tablename__, wake, verbs=("INSERT",))


class Sender:
    """Drains the outbox. Several senders (processes) may share one PostgreSQL outbox.

    ``clock`` gives aware datetimes (quiet hours and timestamps); pacing uses the monotonic clock.
    ``notices_only``: leave the reminders to a sender that runs with the rules (the terminal conversation).
    """

    def __init__(self, bot: Bot, uow: UowFactory, cfg: ReminderSettings, tz: ZoneInfo,
                 clock: Callable[[], datetime] = utcnow, notices_only: bool = False) -> None:
        self.bot = bot
        self.notices_only = notices_only
        self.uow = uow
        self.cfg = cfg
        self.tz = tz
        self.clock = clock
        self.token = uuid.uuid4().hex
        self.stats = SendStats()
        self.pacer = Pacer(cfg.global_rate, cfg.window_limit, cfg.window_seconds)
        self._chat_ready: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._renewed: dict[int, float] = {}  # held row id -> monotonic time its claim was last renewed
        self._lost: set[int] = set()  # held rows whose claim another sender took
        self._outcomes: list[Outcome] = []  # answered rows not yet written
        self._first_outcome = 0.0  # monotonic time the oldest of them was answered
        # a renewal counts for sends this soon after it: well inside the lease
        self._renew_window = min(cfg.renew_seconds, cfg.lease_seconds / 4)

    def wake(self) -> None:
        """Ask a running ``run_forever`` to look at the outbox now (new rows were queued)."""
        self._wake.set()

    def _notices_only_now(self) -> bool:
        return self.notices_only or self.quiet_now()

    def quiet_now(self) -> bool:
        """True during the quiet hours ``quiet_start``–``quiet_end`` (local hours of ``tz``, the span may
        cross midnight): reminders wait until they end."""
        hour = self.clock().astimezone(self.tz).hour
        start, end = self.cfg.quiet_start, self.cfg.quiet_end
        return hour >= start or hour < end if start > end else start <= hour < end

    async def _claim(self) -> list[ClaimedRow]:
        async with self.uow() as u:
            await self._write_outcomes(u.session)
            self.stats.skipped_blocked += await delivery.mark_blocked_recipients(u.session)
            rows = await delivery.claim(u.session, self.token, self.cfg.claim_batch, self.clock(),
                                        timedelta(seconds=self.cfg.lease_seconds), notices_only=self._notices_only_now())
            await u.commit()
        now = time.monotonic()
        for row in rows:
            self._renewed[row.id] = now
            self._lost.discard(row.id)
        return rows

    def _settle(self, outcome: Outcome) -> None:
        if not self._outcomes:
            self._first_outcome = time.monotonic()
        self._outcomes.append(outcome)

    def _settle_due(self) -> float:
        """Seconds until the waiting outcomes must be written (``inf``: none waiting)."""
        if not self._outcomes:
            return float("inf")
        if len(self._outcomes) >= self.cfg.settle_batch:
            return 0.0
        return self._first_outcome + self.cfg.settle_seconds - time.monotonic()

    async def _write_outcomes(self, session) -> None:  # type: ignore[no-untyped-def]
        """Write the waiting outcomes in ``session``'s transaction (the caller commits)."""
        outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            await delivery.settle(session, self.token, outcomes)
            for o in outcomes:
                if o.kind != "note":
                    self._renewed.pop(o.row_id, None)

    async def _sync(self, renew: list[int] = (), release: list[int] = ()) -> None:  # type: ignore[assignment]
        """One transaction: the waiting outcomes written, ``renew``'s claims renewed, ``release``'s given back."""
        async with self.uow() as u:
            await self._write_outcomes(u.session)
            if renew:
                mine = await delivery.renew(u.session, list(renew), self.token, self.clock())
            if release:
                await delivery.release(u.session, list(release), self.token)
            await u.commit()
        if renew:
            now = time.monotonic()
            for row_id in renew:
                if row_id in mine:
                    self._renewed[row_id] = now
                else:
                    self._lost.add(row_id)
        for row_id in release:
            self._renewed.pop(row_id, None)

    def _stale(self, row_id: int) -> bool:
        return time.monotonic() - self._renewed.get(row_id, float("-inf")) > self._renew_window

    async def drain_queued(self) -> int:
        """``drain`` if rows were queued since the last time (``wake``, e.g. from ``watch_outbox``), else 0: for
        a process that runs no ``run_forever`` (the terminal conversation, the tests)."""
        if not self._wake.is_set():
            return 0
        self._wake.clear()
        return await self.drain()

    async def drain(self) -> int:
        """Send everything due now; returns how many rows this call settled or put back for later.
        On cancellation, messages in flight are finished and recorded, and unsent claimed rows are
        released, so a restarted sender loses and doubles nothing."""
        queues: dict[int, deque[ClaimedRow]] = defaultdict(deque)
        ready: list[tuple[float, int, int]] = []  # (monotonic ready time, first row id, chat)
        in_flight: set[asyncio.Task[None]] = set()
        busy: set[int] = set()  # chats with a request in flight
        # rows queued or in flight here: claimed again (their lease ran out while they waited), they are
        # not queued twice, the new claim only renewed them
        held: set[int] = set()
        limit = asyncio.Semaphore(self.cfg.max_in_flight)
        handled = 0
        exhausted = False
        blocked_chats: set[int] = set()

        def push(row: ClaimedRow, front: bool = False) -> None:
            q = queues[_chat_id(row)]
            if not q:
                at = self._chat_ready.get(_chat_id(row), 0.0)
                heapq.heappush(ready, (at, row.id, _chat_id(row)))
            (q.appendleft if front else q.append)(row)

        async def send(row: ClaimedRow) -> None:
            nonlocal handled
            try:
                outcome = await self._send_one(row)
            finally:
                limit.release()
            handled += 1
            if outcome == "retry_after":
                push(row, front=True)
                handled -= 1
                return
            held.discard(row.id)
            if outcome == "blocked":
                blocked_chats.add(_chat_id(row))

        def due_soon(row: ClaimedRow) -> list[int]:
            """``row`` and the next row of each chat that may go out within the renewal window, stale ones."""
            horizon = time.monotonic() + self._renew_window
            cap = int(self.cfg.global_rate * self._renew_window * 2) + 1
            ids = [row.id]
            for at, _, chat in ready:
                if len(ids) >= cap:
                    break
                q = queues[chat]
                if at <= horizon and q and q[0].id != row.id and self._stale(q[0].id):
                    ids.append(q[0].id)
            return ids

        async def wait_a_little(timeout: float | None) -> None:
            """Until a request in flight ends or ``timeout``, but not past the time the outcomes are due."""
            due = self._settle_due()
            if due <= 0:
                await self._sync()
                due = float("inf")
            if timeout is None or timeout > due:
                timeout = due if due != float("inf") else timeout
            if in_flight:
                await asyncio.wait(in_flight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            elif timeout is not None:
                await asyncio.sleep(timeout)

        try:
            while True:
                queued = sum(len(q) for q in queues.values())
                if not exhausted and queued < self.cfg.claim_batch // 2:
                    rows = await self._claim()
                    exhausted = not rows
                    for row in rows:
                        if row.id not in held:
                            held.add(row.id)
                            push(row)
                elif self._settle_due() <= 0:
                    await self._sync()
                if not ready:
                    if in_flight:
                        await wait_a_little(None)
                        continue
                    if exhausted:
                        return handled
                    continue
                at, _, chat = heapq.heappop(ready)
                q = queues[chat]
                if not q:
                    continue
                if chat in blocked_chats:
                    # record_blocked already closed these claimed rows in the database
                    handled += len(q)
                    self.stats.skipped_blocked += len(q)
                    for row in q:
                        held.discard(row.id)
                        self._renewed.pop(row.id, None)
                    q.clear()
                    continue
                if chat in busy:
                    # never two requests to one chat at once: the first may be the 403 that closes the rest
                    heapq.heappush(ready, (at, q[0].id, chat))
                    await wait_a_little(None)
                    continue
                at = max(at, self._chat_ready.get(chat, 0.0))
                now = time.monotonic()
                if at > now:
                    heapq.heappush(ready, (at, q[0].id, chat))
                    await wait_a_little(at - now)
                    continue
                if self._stale(q[0].id):
                    await self._sync(renew=due_soon(q[0]))
                if q[0].id in self._lost:
                    row = q.popleft()
                    self._lost.discard(row.id)
                    self._renewed.pop(row.id, None)
                    held.discard(row.id)
                    handled += 1
                    self.stats.taken_over += 1
                    log.warning("outbox row %s: lease ran out while queued, another sender has it", row.id)
                    if q:
                        heapq.heappush(ready, (at, q[0].id, chat))
                    continue
                if limit.locked() and self._outcomes:  # the wait for a free slot may be long: write what is done
                    await self._sync()
                await limit.acquire()
                await self.pacer.wait()
                row = q.popleft()
                self._chat_ready[chat] = time.monotonic() + self.cfg.per_chat_interval
                if q:
                    heapq.heappush(ready, (self._chat_ready[chat], q[0].id, chat))
                task = asyncio.create_task(send(row))
                busy.add(chat)
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                task.add_done_callback(lambda _task, chat=chat: busy.discard(chat))
        finally:
            if in_flight:
                await asyncio.shield(asyncio.gather(*in_flight, return_exceptions=True))
            leftover = [row.id for q in queues.values() for row in q]
            await asyncio.shield(self._sync(release=leftover))

    async def _send_one(self, row: ClaimedRow) -> str:
        """Send one row and note its outcome for the next write (shielded: a cancel waits for it)."""
        return await asyncio.shield(self._send_and_record(row))

    async def _send_and_record(self, row: ClaimedRow) -> str:
        if _chat_id(row) == 0:  # another channel's address: never sent by the Telegram sender
            self.stats.failed += 1
            self._settle(Outcome("failed", row.id, error=f"not a Telegram address: {row.to.channel}"))
            return "failed"
        try:
            await self.pacer.admit()
            # reminders are plain text (the bot may default to HTML, and site names are user input); notices
            # are HTML with what people typed escaped. A 429 comes back here and pauses all sending (below), not
            # retried by the run modes' session as a handler's reply is (bot.reply_retry): that would wait twice
            with own_pacing():
                message = await self.bot.send_message(_chat_id(row), row.text, reply_markup=_markup(row),
                                                      parse_mode=row.parse_mode)
        except TelegramRetryAfter as exc:
            self.stats.too_many_requests += 1
            self.pacer.pause(exc.retry_after)
            self._chat_ready[_chat_id(row)] = time.monotonic() + exc.retry_after
            log.warning("429 from the Bot API: pausing %ss", exc.retry_after)
            self._settle(Outcome("note", row.id, error=f"429 retry_after={exc.retry_after}"))
            return "retry_after"
        except TelegramForbiddenError as exc:
            self.stats.blocked += 1
            async with self.uow() as u:
                await delivery.record_blocked(u.session, row.id, row.recipient_id, self.token, self.clock(),
                                              f"403 {exc.message}")
                await u.commit()
            self._renewed.pop(row.id, None)
            return "blocked"
        except (TelegramNetworkError, TelegramServerError) as exc:
            return self._transient(row, f"{type(exc).__name__}: {exc.message}")
        except TelegramAPIError as exc:
            self.stats.failed += 1
            self._settle(Outcome("failed", row.id, error=f"{type(exc).__name__}: {exc.message}"))
            return "failed"
        except Exception as exc:  # noqa: BLE001  (an unknown failure must not stop the fan-out)
            log.exception("sending outbox row %s failed", row.id)
            return self._transient(row, f"{type(exc).__name__}: {exc}")
        finally:
            # the Bot API has the request once it answered: the chat's next one starts a full interval later
            answered = time.monotonic() + self.cfg.per_chat_interval
            self._chat_ready[_chat_id(row)] = max(self._chat_ready.get(_chat_id(row), 0.0), answered)
        self.stats.sent += 1
        self._settle(Outcome("sent", row.id, at=self.clock(), message_id=message.message_id))
        return "sent"

    def _transient(self, row: ClaimedRow, error: str) -> str:
        if row.attempts >= self.cfg.max_attempts:
            self.stats.failed += 1
            self._settle(Outcome("failed", row.id, error=error))
            return "failed"
        self.stats.retried += 1
        delay = self.cfg.backoff_base_seconds * 2 ** (row.attempts - 1)
        self._settle(Outcome("retry", row.id, at=self.clock() + timedelta(seconds=delay), error=error))
        return "retry"

    async def run_until_done(self) -> SendStats:
        """Drain, wait for rows backing off, drain again, until nothing is pending (rows another sender
        still holds under a running lease are left to it, or to a later run once the lease ran out)."""
        while True:
            await self.drain()
            async with self.uow() as u:
                left = await delivery.outstanding(u.session)
                due = await delivery.next_due(u.session, notices_only=self._notices_only_now())
            if not left or due is None:
                return self.stats
            await asyncio.sleep(max(0.0, (due - self.clock()).total_seconds()))

    async def run_forever(self, stop: asyncio.Event) -> None:
        """The long-running loop of ``hazardbot run``: drain, then sleep until woken, until the next
        retry is due or ``drain_every_seconds``, whichever comes first."""
        while not stop.is_set():
            try:
                await self.drain()
                async with self.uow() as u:
                    due = await delivery.next_due(u.session, notices_only=self._notices_only_now())
            except Exception:  # noqa: BLE001  (a database hiccup must not end the loop)
                log.exception("reminder sender loop failed; retrying")
                due = None
            wait = float(self.cfg.drain_every_seconds)
            if due is not None:
                wait = min(wait, max(0.5, (due - self.clock()).total_seconds()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait_either(stop), timeout=wait)

    async def _wait_either(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()


class DeliverAfterUpdate:
    """The outbox delivered right after each update, for a process that runs no ``run_forever`` (the terminal
    conversation, the tests): ``watch_outbox`` wakes ``sender`` when a commit on ``engine`` queued rows, and
    each call drains them — one drain at a time, again while more were queued meanwhile. A call after an update
    that queued nothing costs nothing. Returns how many rows were settled."""

    def __init__(self, sender: Sender, engine: AsyncEngine) -> None:
        self.sender = sender
        self._lock = asyncio.Lock()
        watch_outbox(engine, sender.wake)

    async def __call__(self) -> int:
        """Drain the outbox until nothing is queued; returns the number of rows settled."""
        settled = 0
        async with self._lock:
            while handled := await self.sender.drain_queued():
                settled += handled
        return settled
