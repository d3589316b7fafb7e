"""A bot process for the kill -9 tests of the life cycle: every hazard's crew presses its script's steps
(``tests/scale/lifecycle_script.py``) through the real dispatcher (with the exactly-once guard), all
hazards at once; single-press steps are double-tapped (two updates at the same moment). Run again after
a kill, it first taps once more what was sent but not answered, then continues every hazard from its
event log.

    python -m tests.scale.transition_driver DB_URL DATA_DIR FIRST_UPDATE_ID STALL_AT RESEND HAZARD_ID...

``STALL_AT`` n > 0: from the n-th press on, Telegram never answers that press's replies (the press is
committed, its answer is not sent: kill the process then). ``RESEND``: a JSON list of
``[uid, hid, step, payload]`` (payload ``cb:DATA`` a button, ``tx:TEXT`` a message) to send again first.

Lines: ``ready``; ``press HID STEP UID PAYLOAD`` right before the update that does a step;
``ack HID STEP`` once its answer came and the step is in the database; ``resent HID STEP yes|no TEXT``
(whether the repeated tap did the step; what the bot answered); ``continue`` (the taps again are
done, the scripts go on); ``stalled HID STEP``; ``done HID``; ``finished``.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Chat, Message
from sqlmodel import col, select

from bot.app import build_bot, build_dispatcher
from bot.clock import fixed_clock
from bot.core import Core, open_core
from bot.local_chat import Button, plain
from bot.local_session import LocalSession
from bot.settings import Settings
from bot.shared_state import open_shared_state
from bot.updates import UpdateFactory
from storage.models import Hazard, HazardEvent
from tests.conftest import TODAY
from tests.scale.conftest import AlternatingChat, Cluster, Instance
from tests.scale.lifecycle_script import (
    NEW_DEADLINE,
    REASON,
    SUPERVISION_LEVEL,
    Step,
    person_name,
    script,
    telegram_id,
)

STALLED: contextvars.ContextVar[str | None] = contextvars.ContextVar("stalled", default=None)
DOUBLE_TAPPED = {"approve", "register", "close", "supervise"}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class StallingSession(LocalSession):
    """The recording Bot API stand-in; inside a stalled press, a ``sendMessage`` never returns."""

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        tag = STALLED.get()
        if tag is not None and isinstance(method, SendMessage):
            say(f"stalled {tag}")
            await asyncio.Event().wait()
        return await super().make_request(bot, method, timeout)


class Crew:
    """The chats of one process and the numbering of presses (for ``STALL_AT``)."""

    def __init__(self, cluster: Cluster, stall_at: int) -> None:
        self.cluster = cluster
        self.stall_at = stall_at
        self.presses = itertools.count(1)
        self.chats: dict[int, AlternatingChat] = {}

    def chat(self, uid: int) -> AlternatingChat:
        if uid not in self.chats:
            self.chats[uid] = self.cluster.chat(uid, person_name(uid))
        return self.chats[uid]

    async def send(self, uid: int, payload: str, times: int = 1, message: Message | None = None
                   ) -> list[TelegramMethod[Any]]:
        """Send ``payload`` (``cb:DATA`` or ``tx:TEXT``) ``times`` at once; the requests it caused. A button
        is pressed on ``message`` (the one that showed it), else on a message of an earlier process."""
        chat = self.chat(uid)
        kind, _, value = payload.partition(":")
        if kind == "tx":
            return await chat.say(value)
        message = message or Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=uid, type="private"))
        updates = [self.cluster.factory.callback(chat.user, message, value) for _ in range(times)]
        before = len(self.cluster.session.requests)
        await asyncio.gather(*(chat._feed(u) for u in updates))
        return self.cluster.session.requests[before:]

    async def press(self, hid: int, k: int, uid: int, payload: str, times: int = 1,
                    message: Message | None = None) -> None:
        """The update that does step ``k``; stalls its answers when it is the ``STALL_AT``-th press."""
        say(f"press {hid} {k} {uid} {payload}")
        if next(self.presses) == self.stall_at:
            STALLED.set(f"{hid} {k}")
        await self.send(uid, payload, times, message)


async def progress(core: Core, hid: int, steps: tuple[Step, ...]) -> int:
    """How many steps of the script the event log holds (it must be the script's beginning)."""
    async with core.uow() as u:
        actions = list((await u.session.exec(
            select(HazardEvent.action).where(HazardEvent.hazard_id == hid).order_by(col(HazardEvent.id))
        )).all())
    expected = ["submit", *(s.action for s in steps)]
    assert actions == expected[:len(actions)], f"hazard {hid}: log {actions} is not a beginning of {expected}"
    return len(actions) - 1


async def _open_card(crew: Crew, uid: int, hid: int) -> AlternatingChat:
    async with crew.cluster.core.uow() as u:
        hazard = await u.session.get(Hazard, hid)
        assert hazard is not None
        number = hazard.draft_number
    chat = crew.chat(uid)
    await chat.say(f"/find {number}")
    await chat.press(1)
    return chat


def _button(chat: AlternatingChat, label: str) -> Button:
    matches = [b for b in chat.buttons() if b.text == label and b.callback_data]
    assert matches, f"no button {label!r} among {[b.text for b in chat.buttons()]}"
    return matches[0]


async def do_step(crew: Crew, index: int, hid: int, k: int, step: Step) -> None:
    """Open the card, press the step's button, answer what it asks; the last update through ``press``
    (a button that does the step at once is tapped twice at the same moment)."""
    uid = telegram_id(index, step.who)
    chat = await _open_card(crew, uid, hid)
    last = step.button
    if step.key not in ("approve", "register"):
        await chat.press(step.button)
        last = "完成"
    if step.key in ("reject_unit", "reject_office", "supervise", "close"):  # forms: their review card confirms
        last = "✅ 提交"
        if step.key == "supervise":
            await chat.press(SUPERVISION_LEVEL)
            await chat.say(REASON)  # requirement
            await chat.say(NEW_DEADLINE)
            await chat.say(person_name(uid))  # person responsible
        elif step.key == "close":
            await chat.press("跳过")  # note
            await chat.press("跳过")  # photos
        else:
            await chat.say(REASON)
    if step.key == "rectify":
        for _ in range(5):  # keep the five implementations as they are
            await chat.press(1)
        await chat.file(b"%PDF-1.4 acceptance", "验收单.pdf", "application/pdf")
    elif step.key == "reinspect_fail":
        await chat.say(REASON)
        await chat.say(NEW_DEADLINE)
    button = _button(chat, last)
    times = 2 if step.key in DOUBLE_TAPPED else 1
    await crew.press(hid, k, uid, f"cb:{button.callback_data}", times, button.message)


async def journey(crew: Crew, index: int, hid: int) -> None:
    """Do what is left of hazard ``index``'s script; every step must land in the event log once."""
    steps = script(index)
    while (k := await progress(crew.cluster.core, hid, steps)) < len(steps):
        await do_step(crew, index, hid, k, steps[k])
        after = await progress(crew.cluster.core, hid, steps)
        assert after == k + 1, f"hazard {hid}: step {k} ({steps[k].key}) left the log at {after}"
        say(f"ack {hid} {k}")
    say(f"done {hid}")


def _answer_text(uid: int, requests: list[TelegramMethod[Any]]) -> str:
    """What the person ``uid`` was told (not the notices to others)."""
    texts = [plain(m.text) for m in requests if isinstance(m, SendMessage | EditMessageText) and m.chat_id == uid]
    texts += [m.text or "" for m in requests if isinstance(m, AnswerCallbackQuery) and m.text]
    return " | ".join(t.replace("\n", " ") for t in texts) or "-"


async def resend(crew: Crew, hids: list[int], pending: list[list[Any]]) -> None:
    """Tap once more what the last process never answered, one at a time, and say what came back."""
    for uid, hid, k, payload in pending:
        steps = script(hids.index(hid))
        before = await progress(crew.cluster.core, hid, steps)
        say(f"press {hid} {k} {uid} {payload}")
        answer = _answer_text(uid, await crew.send(uid, payload))
        did = await progress(crew.cluster.core, hid, steps) > before
        say(f"resent {hid} {k} {'yes' if did else 'no'} {answer}")


async def main(url: str, data_dir: str, first_update: int, stall_at: int, pending: list[list[Any]],
               hids: list[int]) -> None:
    settings = Settings(database_url=url, data_dir=Path(data_dir), admin_ids=[], throttle_rate=1e6, throttle_burst=10**6)
    async with open_core(settings, clock=fixed_clock(TODAY), migrate=False) as core, open_shared_state(core) as shared:
        session = StallingSession()
        bot = build_bot(settings, session)
        dp = build_dispatcher(core, shared.storage, shared.guards)
        crew = Crew(Cluster([Instance(core, dp, bot, shared)], session, UpdateFactory(first_update)), stall_at)
        say("ready")
        await resend(crew, hids, pending)
        say("continue")
        await asyncio.gather(*(journey(crew, index, hid) for index, hid in enumerate(hids)))
        say("finished")


if __name__ == "__main__":
    url, data_dir, first, stall, pending = sys.argv[1:6]
    asyncio.run(main(url, data_dir, int(first), int(stall), json.loads(pending), [int(h) for h in sys.argv[6:]]))
