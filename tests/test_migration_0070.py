"""Migration 0070 (weekly ranking subscriptions) goes down and up again on SQLite and PostgreSQL, and the
table matches the model (a row written through the model survives)."""

from __future__ import annotations

from storage.db import create_engine, make_uow_factory
from storage.models import User
from storage.models_ranking import RankSubscription
from tests.db_inspect import tables_go_down_and_up


async def test_the_subscription_table_goes_down_and_up_again(database_url: str) -> None:
    await tables_go_down_and_up(database_url, "0070@-1", {"rank_subscription"}, kept="app_user")
    engine = create_engine(database_url)
    try:
        uow = make_uow_factory(engine)
        async with uow() as u:
            user = User(channel="telegram", address=str(99), full_name="领导")
            u.session.add(user)
            await u.session.flush()
            u.session.add(RankSubscription(user_id=user.id))  # type: ignore[arg-type]
            await u.commit()
        async with uow() as u:
            row = await u.session.get(RankSubscription, user.id)
            assert row is not None and row.subscribed_at.tzinfo is not None
    finally:
        await engine.dispose()
