"""A bot process for the kill -9 test of notices: the reviewer presses "approve" on a hazard; the approval is
committed (with the inspector's notice in the outbox), and the answer to the reviewer never returns, so the
process can be killed between the commit and any delivery. It runs no sender, as if it died before its sender
got to the row.

    python -m tests.scale.notice_driver DB_URL DATA_DIR HAZARD_ID REVIEWER_TELEGRAM_ID

Lines: ``pressing`` right before the update; ``stalled`` once the answer to the reviewer is being sent (the
service has committed by then).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import Chat, Message

from bot.app import build_bot, build_dispatcher
from bot.clock import fixed_clock
from bot.core import open_core
from bot.local_session import LocalSession
from bot.services.lifecycle import Action
from bot.settings import Settings
from bot.updates import UpdateFactory
from handlers.hazard_callbacks import CODE_OF, HazardCb
from tests.conftest import TODAY


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class NeverAnswering(LocalSession):
    """The recording Bot API stand-in, except that nothing is ever answered once the update is handled."""

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        say("stalled")
        await asyncio.Event().wait()


async def main(url: str, data_dir: str, hazard_id: int, reviewer: int) -> None:
    settings = Settings(database_url=url, data_dir=Path(data_dir), admin_ids=[])
    async with open_core(settings, clock=fixed_clock(TODAY), migrate=False) as core:
        bot = build_bot(settings, NeverAnswering())
        dp = build_dispatcher(core)
        user = UpdateFactory.user(reviewer, "王审核")
        message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=reviewer, type="private"))
        update = UpdateFactory().callback(user, message, HazardCb(id=hazard_id, a=CODE_OF[Action.APPROVE]).pack())
        say("pressing")
        await dp.feed_update(bot, update)
        say("finished")  # never: the answer hangs until the process is killed


if __name__ == "__main__":
    url, data_dir, hazard_id, reviewer = sys.argv[1:5]
    asyncio.run(main(url, data_dir, int(hazard_id), int(reviewer)))
