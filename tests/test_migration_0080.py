"""Migration 0080 (conversation state without Redis) goes down and up again on SQLite and PostgreSQL,
and the table takes what ``SqlStorage`` writes."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey

from storage.db import create_engine
from storage.fsm_storage import SqlStorage
from tests.db_inspect import tables_go_down_and_up


async def test_the_conversation_state_table_goes_down_and_up_again(database_url: str) -> None:
    await tables_go_down_and_up(database_url, "0080@-1", {"conversation_state"}, kept="app_user")
    engine = create_engine(database_url)
    try:
        key = StorageKey(bot_id=1, chat_id=2, user_id=2)
        await SqlStorage(engine).set_data(key, {"op": "reject", "answers": {"reason": "整改不到位"}})
        assert await SqlStorage(engine).get_data(key) == {"op": "reject", "answers": {"reason": "整改不到位"}}
    finally:
        await engine.dispose()
