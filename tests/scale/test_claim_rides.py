"""The exactly-once claim rides the update's own transaction (``bot.dedup``): a form step is one commit holding
the answer and the claim, a duplicate met there is rolled back, and an update that only reads is still
answered once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from bot.dedup import DuplicateUpdate, SqlUpdateLedger, _Claim
from storage.db import UowFactory, end_ride, ride_next_commit
from storage.models_scale import ProcessedUpdate
from storage.types import utcnow
from tests.scale.conftest import open_cluster
from tests.scale.hazard_plan import at_site_name, where


async def _claims(core: Any, update_id: int) -> int:
    async with core.uow() as u:
        return int((await u.session.exec(
            select(func.count()).select_from(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id)
        )).one())


async def test_a_text_answer_is_one_commit_holding_the_claim(database_url: str, tmp_path: Path) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=1) as cluster:
        chat, update = await at_site_name(cluster, 8201)
        commits: list[str] = []
        event.listen(cluster.core.engine.sync_engine, "commit", lambda _conn: commits.append("commit"))
        instance = cluster.instances[0]
        await instance.dp.feed_update(instance.bot, update)
        assert (await where(cluster.core, chat)).field.key == "address"
        assert len(commits) == 1  # the answer and the claim together
        assert await _claims(cluster.core, update.update_id) == 1


async def test_a_duplicate_met_in_the_steps_transaction_leaves_nothing(database_url: str, tmp_path: Path) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=1) as cluster:
        chat, update = await at_site_name(cluster, 8202)
        # another instance claimed this update while this one was answering it
        async with cluster.core.uow() as u:
            u.session.add(ProcessedUpdate(bot_id=cluster.instances[0].bot.id, update_id=update.update_id, at=utcnow()))
            await u.commit()
        before = len(cluster.session.requests)
        instance = cluster.instances[0]
        await instance.dp.feed_update(instance.bot, update)
        assert len(cluster.session.requests) == before  # nothing said
        assert (await where(cluster.core, chat)).field.key == "site_name"  # the answer rolled back with the claim


async def test_an_update_that_only_reads_is_answered_once(database_url: str, tmp_path: Path) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=1) as cluster:
        chat = await cluster.bind(8203)
        await chat.say("/hazard")
        update = cluster.factory.text(chat.user, "/resume")
        instance = cluster.instances[0]
        before = len(cluster.session.requests)
        await instance.dp.feed_update(instance.bot, update)
        assert len(cluster.session.requests) == before + 1
        await instance.dp.feed_update(instance.bot, update)
        assert len(cluster.session.requests) == before + 1
        assert await _claims(cluster.core, update.update_id) == 1


async def test_a_claim_lands_only_with_the_commit_it_rides(engine: Any, uow: UowFactory) -> None:
    ledger = SqlUpdateLedger(engine)
    claim = _Claim(ledger, 7, 70)
    token = ride_next_commit(claim)
    try:
        async with uow() as u:  # rolled back: the claim goes with it and waits for the next commit
            u.session.add(ProcessedUpdate(bot_id=7, update_id=71, at=utcnow()))
            await u.session.flush()
        assert claim.waiting()
        with pytest.raises(RuntimeError):
            async with uow() as u:
                u.session.add(ProcessedUpdate(bot_id=7, update_id=72, at=utcnow()))
                await u.commit()
                raise RuntimeError("after the commit")
        assert not claim.waiting()
        async with uow() as u:  # landed: later commits carry nothing
            u.session.add(ProcessedUpdate(bot_id=7, update_id=73, at=utcnow()))
            await u.commit()
    finally:
        end_ride(token)
    async with uow() as u:
        ids = (await u.session.exec(select(ProcessedUpdate.update_id).where(ProcessedUpdate.bot_id == 7)
                                    .order_by(ProcessedUpdate.update_id))).all()  # type: ignore[arg-type]
    assert ids == [70, 72, 73]
    again = _Claim(ledger, 7, 70)
    token = ride_next_commit(again)
    try:
        with pytest.raises(DuplicateUpdate):
            async with uow() as u:
                u.session.add(ProcessedUpdate(bot_id=7, update_id=74, at=utcnow()))
                await u.commit()
    finally:
        end_ride(token)
    async with uow() as u:  # the duplicate's own work was rolled back
        assert (await u.session.exec(select(ProcessedUpdate).where(ProcessedUpdate.update_id == 74))).first() is None
