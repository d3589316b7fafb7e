"""A bot process for the kill -9 tests: fills in the hazard form for several users at once through
the real dispatcher (with the exactly-once guard) on the database given, printing one line per
committed step. Run again after a kill, it continues every user's form from what is stored.

    python -m tests.scale.crash_driver DB_URL DATA_DIR MODE FIRST_UPDATE_ID USER_ID...

MODE ``run``: bind, open and fill in the form, submit. ``prepare``: stop at the review card.
``submit``: press submit on every review card at once. Lines: ``ready``, ``step UID KEY``,
``submitted UID``, ``done UID``, ``finished``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bot.app import build_bot, build_dispatcher
from bot.channels import telegram_address
from bot.clock import fixed_clock
from bot.core import open_core
from bot.domain import Role
from bot.local_session import LocalSession
from bot.settings import Settings
from bot.shared_state import open_shared_state
from bot.updates import UpdateFactory
from storage.models import Hazard
from tests.conftest import TODAY
from tests.scale.conftest import Cluster, Instance
from tests.scale.hazard_plan import step, where


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(url: str, data_dir: str, mode: str, first_update: int, users: list[int]) -> None:
    settings = Settings(database_url=url, data_dir=Path(data_dir), admin_ids=[], throttle_rate=1e6, throttle_burst=10**6)
    async with open_core(settings, clock=fixed_clock(TODAY), migrate=False) as core, open_shared_state(core) as shared:
        session = LocalSession()
        bot = build_bot(settings, session)
        dp = build_dispatcher(core, shared.storage, shared.guards)
        cluster = Cluster([Instance(core, dp, bot, shared)], session, UpdateFactory(first_update))
        say("ready")
        await asyncio.gather(*(_user(cluster, uid, mode) for uid in users))
        say("finished")


async def _user(cluster: Cluster, uid: int, mode: str) -> None:
    core = cluster.core
    chat = cluster.chat(uid)
    actor = await core.services.users.touch(telegram_address(uid), chat.user.full_name, chat.user.language_code)
    if not actor.is_bound:
        issued = await core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
        await chat.say(f"/bind {issued.code}")
        actor = await core.services.users.touch(telegram_address(uid), chat.user.full_name, chat.user.language_code)
    async with core.uow() as u:
        submitted = (await u.session.exec(
            select(func.count()).select_from(Hazard).where(Hazard.created_by == actor.user_id)
        )).one()
    if submitted:
        say(f"done {uid}")
        return
    if (await where(core, chat)).kind == "none":
        await chat.say("/hazard")
    else:
        await chat.say("/resume")  # a new process: show the open question (and its buttons) again
    while True:
        prompt = await where(core, chat)
        if prompt.kind == "review" and mode == "prepare":
            say(f"review {uid}")
            return
        if prompt.kind == "review" and mode == "submit":
            await step(core, chat)
            say(f"submitted {uid}")
            return
        key = await step(core, chat)
        if key == "none":
            say(f"done {uid}")
            return
        say(f"submitted {uid}" if key == "review" else f"step {uid} {key}")


if __name__ == "__main__":
    url, data_dir, mode, first = sys.argv[1:5]
    asyncio.run(main(url, data_dir, mode, int(first), [int(u) for u in sys.argv[5:]]))
