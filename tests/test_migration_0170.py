"""Migration 0170 (the status's tallies, issue 19 item 1) goes down and up again on SQLite and PostgreSQL: down,
both tables are gone; up, they are counted from the ledger — the same counters the writes had kept, and a
status read from them equal to the ledger scan."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from sqlalchemy import inspect

from bot.clock import Clock
from bot.services.lifecycle_service import LifecycleService
from bot.services.summary import compute_status
from storage.db import UowFactory, create_engine
from storage.migrate import downgrade, upgrade
from tests.lifecycle_factories import cast, hazard
from tests.summary_ledger import RULES, SH
from tests.test_status_tally import counters

NOW = datetime(2019, 3, 5, 10, tzinfo=SH)


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_tallies_are_dropped_and_counted_again_from_the_ledger(database_url: str, uow: UowFactory) -> None:
    c = await cast(uow)
    life = LifecycleService(uow, Clock(lambda: NOW, SH))
    for n in range(3):
        hid = await hazard(uow, c.inspector, full_plan=True, deadline=date(2019, 3, 1))
        if n:
            await life.approve(c.reviewer, hid)
            await life.register(c.office, hid)
    kept = await counters(uow)
    assert any(k[1] == "deadline" for k in kept)  # registered ones past their deadline
    await asyncio.to_thread(downgrade, database_url, "0165")
    assert not {"status_tally", "hazard_tally"} & await _tables(database_url)
    await asyncio.to_thread(upgrade, database_url)
    assert {"status_tally", "hazard_tally"} <= await _tables(database_url)
    assert await counters(uow) == kept
    async with uow() as u:
        assert await compute_status(u.session, NOW, rules=RULES) == await compute_status(
            u.session, NOW, rules=RULES, scan=True)
