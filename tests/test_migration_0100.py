"""Migration 0100 (notices through the reminder outbox: an HTML parse mode, room for escaped markup) goes down
and up again on SQLite and PostgreSQL, and the outbox takes a notice longer than the old 4000 characters."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect
from sqlmodel import select

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models import User
from storage.models_reminders import ReminderOutbox


async def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("reminder_outbox")})
    finally:
        await engine.dispose()


async def test_the_outbox_loses_and_regains_its_parse_mode(database_url: str) -> None:
    assert "parse_mode" in await _columns(database_url)
    await asyncio.to_thread(downgrade, database_url, "0100-1")  # the revision below 0100 (not relative to the head: 0120 is above it)
    assert "parse_mode" not in await _columns(database_url) and "text" in await _columns(database_url)
    await asyncio.to_thread(upgrade, database_url)
    assert "parse_mode" in await _columns(database_url)
    engine = create_engine(database_url)
    try:
        uow = make_uow_factory(engine)
        markup = "&lt;" * 1500  # 1500 characters as Telegram counts them, 6000 stored
        async with uow() as u:
            user = User(channel="telegram", address=str(77), full_name="收件人")
            u.session.add(user)
            await u.session.flush()
            u.session.add(ReminderOutbox(rule="notice.hazard_step", subject="hazard_event:1", period="",
                                         recipient_id=user.id, channel="telegram", address="77", text=markup, parse_mode="HTML"))  # type: ignore[arg-type]
            await u.commit()
        async with uow() as u:
            [row] = (await u.session.exec(select(ReminderOutbox))).all()
            assert (row.text, row.parse_mode) == (markup, "HTML")
    finally:
        await engine.dispose()
