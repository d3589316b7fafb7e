"""Migration 0070 (weekly ranking subscriptions) goes down and up again on SQLite and PostgreSQL, and the
table matches the model (a row written through the model survives)."""

from __future__ import annotations

import asyncio

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models import User
from storage.models_ranking import RankSubscription
from tests.db_inspect import table_names


async def test_the_subscription_table_goes_down_and_up_again(database_url: str) -> None:
    assert "rank_subscription" in await table_names(database_url)
    await asyncio.to_thread(downgrade, database_url, "0070@-1")
    left = await table_names(database_url)
    assert "rank_subscription" not in left and "app_user" in left
    await asyncio.to_thread(upgrade, database_url)
    assert "rank_subscription" in await table_names(database_url)
    engine = create_engine(database_url)
    try:
        uow = make_uow_factory(engine)
        async with uow() as u:
            user = User(telegram_id=99, full_name="领导")
            u.session.add(user)
            await u.session.flush()
            u.session.add(RankSubscription(user_id=user.id))  # type: ignore[arg-type]
            await u.commit()
        async with uow() as u:
            row = await u.session.get(RankSubscription, user.id)
            assert row is not None and row.subscribed_at.tzinfo is not None
    finally:
        await engine.dispose()
