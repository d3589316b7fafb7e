"""``hazardbot reminders preview`` and the reminders migration (0020) up and down."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.registry import sync_units
from tests.db_inspect import table_names
from tests.reminders import factories as f

TABLES = {"contact", "reminder_outbox", "blocked_recipient", "work_submission"}


async def _seed(url: str) -> None:
    engine = create_engine(url)
    uow = make_uow_factory(engine)
    async with uow() as u:
        await sync_units(u.session)
        unit = await f.unit_id(u.session, "建外街道")
        contact = await f.user(u.session, 4242, "王联系")
        await f.contact(u.session, unit, "contact", "王联系", "13900000001", contact)
        await f.contact(u.session, unit, "leader", "李领导", "13900000002")
        await f.hazard(u.session, unit, contact, date(2019, 3, 28), datetime(2019, 3, 20, tzinfo=UTC))
        await u.commit()
    await engine.dispose()


def test_preview_prints_who_gets_what_without_sending(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.db"
    assert cli_main(["--db", str(db), "db", "upgrade"]) == 0
    asyncio.run(_seed(f"sqlite+aiosqlite:///{db}"))
    capsys.readouterr()
    assert cli_main(["--db", str(db), "reminders", "preview", "--on", "2019-03-25", "--unit", "建外街道"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2019-03-25（星期一）工作日")
    assert "[deadline.soon] 隐患#1 2019-03-28 → 王联系" in out
    assert "[work_info.contact] 单位#1 2019-03 → 王联系" in out
    assert "[summary.contact]" in out and "[plan.contact]" in out
    assert "李领导（未绑定，不发送）" not in out  # leaders hear only on the last working day
    assert "按钮：上报整改情况（rm:hazard:1）" in out
    assert cli_main(["--db", str(db), "reminders", "preview", "--on", "2019-03-29", "--unit", "建外街道"]) == 0
    assert "→ 李领导（未绑定，不发送）" in capsys.readouterr().out
    assert cli_main(["--db", str(db), "reminders", "preview", "--on", "2019-10-03"]) == 0
    assert "不是工作日" in capsys.readouterr().out
    # preview wrote nothing
    async def outbox_count() -> int:
        engine = create_engine(f"sqlite+aiosqlite:///{db}")
        async with engine.connect() as conn:
            n = (await conn.exec_driver_sql("SELECT count(*) FROM reminder_outbox")).scalar_one()
        await engine.dispose()
        return int(n)
    assert asyncio.run(outbox_count()) == 0


async def test_migration_0020_goes_down_and_up(database_url: str) -> None:
    assert await table_names(database_url) >= TABLES
    await asyncio.to_thread(downgrade, database_url, "0001")
    assert not TABLES & await table_names(database_url)
    await asyncio.to_thread(upgrade, database_url)
    assert await table_names(database_url) >= TABLES
