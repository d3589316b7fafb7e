"""Migration 0130 (channel-free at the seam: a user is reached at ``(channel, address)``, a photo keeps a channel's
media reference, the outbox addresses a user on a channel, a tip-off names its channel) carries the Telegram ids
of a database written before it over, on SQLite and PostgreSQL, and gives them back going down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import select as model_select

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models import Photo, User
from storage.models_reminders import ReminderOutbox
from storage.models_tipoffs import TipOff
from tests.db_inspect import run_sync

NOW = datetime(2018, 10, 15, 2, tzinfo=UTC)
STAMP = NOW.replace(tzinfo=None)  # written raw, as ``UTCDateTime`` stores it (naive UTC)


def _old_rows(c: Connection) -> None:
    """Rows as the schema below 0130 stored them: Telegram ids everywhere."""
    meta = MetaData()
    user, photo, outbox, tipoff = (Table(t, meta, autoload_with=c) for t in ("app_user", "photo", "reminder_outbox", "tipoff"))
    c.execute(insert(user), [
        {"telegram_id": 5_000_000_001, "full_name": "李检查", "language": "zh-hans", "created_at": STAMP},
        {"telegram_id": 0, "full_name": "台账导入", "language": None, "created_at": STAMP},
    ])
    me = c.execute(select(user.c.id).where(user.c.telegram_id == 5_000_000_001)).scalar_one()
    c.execute(insert(photo), [
        {"sha256": "a" * 64, "storage_key": "aa/" + "a" * 64, "size": 10, "stage": "discovery", "user_id": me,
         "received_at": STAMP, "telegram_file_id": "AgACAgUAAxkBAAIB", "telegram_file_unique_id": "AQADx"},
        {"sha256": "b" * 64, "storage_key": "bb/" + "b" * 64, "size": 10, "stage": "tipoff", "user_id": me,
         "received_at": STAMP, "telegram_file_id": None, "telegram_file_unique_id": None},
    ])
    c.execute(insert(outbox).values(
        rule="notice.hazard_step", subject="hazard_event:1", period="", recipient_id=me, chat_id=5_000_000_001,
        text="<b>x</b>", status="pending", attempts=0, not_before=STAMP, created_at=STAMP))
    c.execute(insert(tipoff).values(
        number="JB201810150001", reporter_user_id=me, reporter_chat_id=5_000_000_001, reporter_locale="zh",
        description="楼道堆物", township_code="110105001", township="建外街道", address="", status="new",
        created_at=STAMP, updated_at=STAMP))


def _telegram_ids(c: Connection) -> dict[str, Any]:
    meta = MetaData()
    user, photo, outbox, tipoff = (Table(t, meta, autoload_with=c) for t in ("app_user", "photo", "reminder_outbox", "tipoff"))
    return {
        "users": sorted(c.execute(select(user.c.full_name, user.c.telegram_id)).all()),
        "photos": sorted(c.execute(select(photo.c.sha256, photo.c.telegram_file_id, photo.c.telegram_file_unique_id)).all()),
        "outbox": c.execute(select(outbox.c.chat_id)).scalars().all(),
        "tipoff": c.execute(select(tipoff.c.reporter_chat_id)).scalars().all(),
    }


async def test_telegram_ids_become_addresses_and_media_references_and_come_back(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "0120")
    columns = await run_sync(database_url, lambda c: {col["name"] for col in inspect(c).get_columns("app_user")})
    assert "telegram_id" in columns and "address" not in columns
    await run_sync(database_url, _old_rows)
    await asyncio.to_thread(upgrade, database_url)

    engine = create_engine(database_url)
    try:
        async with make_uow_factory(engine)() as u:
            users = {x.full_name: (x.id, x.channel, x.address) for x in (await u.session.exec(model_select(User))).all()}
            me, *_ = users["李检查"]
            assert users == {"李检查": (me, "telegram", "5000000001"), "台账导入": (users["台账导入"][0], "system", "ledger-import")}
            photos = {p.sha256[0]: (p.media_channel, p.media_ref, p.media_unique)
                      for p in (await u.session.exec(model_select(Photo))).all()}
            assert photos == {"a": ("telegram", "AgACAgUAAxkBAAIB", "AQADx"), "b": (None, None, None)}
            [row] = (await u.session.exec(model_select(ReminderOutbox))).all()
            assert (row.recipient_id, row.channel, row.address) == (me, "telegram", "5000000001")
            [tip] = (await u.session.exec(model_select(TipOff))).all()
            assert (tip.reporter_user_id, tip.reporter_channel) == (me, "telegram")
            # the pair is unique: a second user at the same address is refused
            u.session.add(User(channel="telegram", address="5000000001", full_name="冒名"))
            with pytest.raises(IntegrityError, match="(?i)unique|duplicate"):
                await u.session.flush()
            await u.session.rollback()
            u.session.add(User(channel="wecom", address="5000000001", full_name="企业微信同号"))  # another channel: fine
            await u.session.flush()
            await u.session.rollback()
    finally:
        await engine.dispose()

    await asyncio.to_thread(downgrade, database_url, "0120")
    assert await run_sync(database_url, _telegram_ids) == {
        "users": [("台账导入", 0), ("李检查", 5_000_000_001)],
        "photos": [("a" * 64, "AgACAgUAAxkBAAIB", "AQADx"), ("b" * 64, None, None)],
        "outbox": [5_000_000_001],
        "tipoff": [5_000_000_001],
    }
    await asyncio.to_thread(upgrade, database_url)
