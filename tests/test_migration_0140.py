"""Migration 0140 (a hazard names the functional zone it lies in; the industry columns are indexed) goes down and
up again on SQLite and PostgreSQL, and on the way up a hazard a zone committee recorded is put in its zone."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import inspect
from sqlmodel import select

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models import Hazard, Unit
from tests.summary_ledger import hazard, sh, user


async def _columns(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: (
                {col["name"] for col in inspect(c).get_columns("hazard")},
                {ix["name"] for ix in inspect(c).get_indexes("hazard")}))
    finally:
        await engine.dispose()


async def test_hazards_lose_and_regain_their_zone_filled_from_the_recording_committee(database_url: str) -> None:
    engine = create_engine(database_url)
    uow = make_uow_factory(engine)
    try:
        async with uow() as u:
            cbd = (await u.session.exec(select(Unit).where(Unit.code == "zone-01"))).one()
            town = (await u.session.exec(select(Unit).where(Unit.code == "110105001"))).one()
            me = await user(u.session, 140)
            by_zone = hazard(cbd, me, state="registered", registered=sh(date(2019, 3, 1)))
            by_town = hazard(town, me, state="registered", registered=sh(date(2019, 3, 2)))
            u.session.add_all([by_zone, by_town])
            await u.commit()
            ids = (by_zone.id, by_town.id)
    finally:
        await engine.dispose()
    columns, indexes = await _columns(database_url)
    assert "zone_id" in columns and {"ix_hazard_zone_id", "ix_hazard_district_department"} <= indexes
    await asyncio.to_thread(downgrade, database_url, "0140-1")  # the revision below 0140, wherever the head is
    columns, indexes = await _columns(database_url)
    assert "zone_id" not in columns and "ix_hazard_district_department" not in indexes
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        async with make_uow_factory(engine)() as u:
            zone = {h.id: h.zone_id for h in (await u.session.exec(select(Hazard))).all()}
            cbd_id = (await u.session.exec(select(Unit.id).where(Unit.code == "zone-01"))).one()
        assert (zone[ids[0]], zone[ids[1]]) == (cbd_id, None)
    finally:
        await engine.dispose()
