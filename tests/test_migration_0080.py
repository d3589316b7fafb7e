"""Migration 0080 (conversation state without Redis) goes down and up again on SQLite and PostgreSQL,
and the table takes what ``SqlStorage`` writes."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey

from storage.db import create_engine
from storage.fsm_storage import SqlStorage
from storage.migrate import downgrade, upgrade
from tests.db_inspect import table_names


async def test_the_conversation_state_table_goes_down_and_up_again(database_url: str) -> None:
    assert "conversation_state" in await table_names(database_url)
    await asyncio.to_thread(downgrade, database_url, "0080@-1")
    left = await table_names(database_url)
    assert "conversation_state" not in left and "app_user" in left
    await asyncio.to_thread(upgrade, database_url)
    assert "conversation_state" in await table_names(database_url)
    engine = create_engine(database_url)
    try:
        key = StorageKey(bot_id=1, chat_id=2, user_id=2)
        await SqlStorage(engine).set_data(key, {"op": "reject", "answers": {"reason": "整改不到位"}})
        assert await SqlStorage(engine).get_data(key) == {"op": "reject", "answers": {"reason": "整改不到位"}}
    finally:
        await engine.dispose()
