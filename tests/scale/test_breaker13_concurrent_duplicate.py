"""The same form step delivered to two instances at once on PostgreSQL, where the draft's UPDATE and the claim go
on the driver's connection (``storage.driver_sql``): one answers, the other says nothing and fails nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from storage.models_scale import ProcessedUpdate
from tests.conftest import FailureLog
from tests.scale.conftest import open_cluster
from tests.scale.hazard_plan import at_site_name, where

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def test_a_duplicate_step_fed_to_two_instances_at_once_is_answered_once(
        database_url: str, tmp_path: Path, failures: FailureLog) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=2) as cluster:
        chat, update = await at_site_name(cluster, 8251)
        before = len(cluster.session.requests)
        first, second = cluster.instances
        for _ in range(3):  # a few rounds: which of the two wins varies
            await asyncio.gather(first.dp.feed_update(first.bot, update), second.dp.feed_update(second.bot, update))
        assert len(cluster.session.requests) == before + 1, cluster.session.requests[before:]
        assert (await where(cluster.core, chat)).field.key == "address"
        async with cluster.core.uow() as u:
            assert int((await u.session.exec(select(func.count()).select_from(ProcessedUpdate).where(
                ProcessedUpdate.update_id == update.update_id))).one()) == 1
        assert failures.messages() == []
