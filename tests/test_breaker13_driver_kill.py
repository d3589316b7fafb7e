"""A form step whose PostgreSQL connection dies between its locked read and its draft UPDATE, which goes on the
driver's connection past SQLAlchemy (``storage.driver_sql``): the person is told, nothing entered is lost and the
next step works on a healthy connection."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

import bot.services.forms as forms_module
from storage.db import create_engine
from tests.chat_helpers import bind_cast, last_text
from tests.conftest import Harness

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def test_a_connection_killed_before_the_draft_update_is_told_and_the_next_step_works(
        harness: Harness, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    h = harness
    [inspector] = await bind_cast(h, {2131: "李检查"})
    await inspector.say("/hazard")
    await inspector.press("保持当前值")

    real_store = forms_module._store
    killed: list[int] = []
    admin = create_engine(database_url, pool_size=1, max_overflow=0)

    async def store_after_kill(session: Any, draft: Any, state: Any) -> None:
        if not killed:
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            pid = raw.driver_connection.get_server_pid()
            async with admin.connect() as conn:
                assert (await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar_one()
            killed.append(pid)
        await real_store(session, draft, state)

    monkeypatch.setattr(forms_module, "_store", store_after_kill)
    try:
        await inspector.say("张XX出租房")
        told = last_text(h, inspector)
        assert killed, "the kill never happened"
        assert "出错" in told or "重试" in told or "稍后" in told, told
        await inspector.say("张XX出租房")  # again: the step is taken now, on a live connection
        again = last_text(h, inspector)
        assert "地址" in again or "位置" in again, again
    finally:
        await admin.dispose()
