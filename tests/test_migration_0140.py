"""Migration 0140 (a hazard names the functional zone it lies in; the industry columns are indexed) goes down and
up again on SQLite and PostgreSQL, and on the way up a hazard a zone committee recorded is put in its zone."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from storage.models import Hazard, Unit
from tests.db_inspect import Parts, migration_goes_down_and_up, unit_of_work
from tests.summary_ledger import hazard, sh, user


async def test_hazards_lose_and_regain_their_zone_filled_from_the_recording_committee(database_url: str) -> None:
    async with unit_of_work(database_url) as uow, uow() as u:
        cbd = (await u.session.exec(select(Unit).where(Unit.code == "zone-01"))).one()
        town = (await u.session.exec(select(Unit).where(Unit.code == "110105001"))).one()
        me = await user(u.session, 140)
        by_zone = hazard(cbd, me, state="registered", registered=sh(date(2019, 3, 1)))
        by_town = hazard(town, me, state="registered", registered=sh(date(2019, 3, 2)))
        u.session.add_all([by_zone, by_town])
        await u.commit()
        ids = (by_zone.id, by_town.id)

    async def put_in_the_recording_zone(url: str, _: object) -> None:
        async with unit_of_work(url) as uow, uow() as u:
            zone = {h.id: h.zone_id for h in (await u.session.exec(select(Hazard))).all()}
            cbd_id = (await u.session.exec(select(Unit.id).where(Unit.code == "zone-01"))).one()
        assert (zone[ids[0]], zone[ids[1]]) == (cbd_id, None)

    # the revision below 0140, wherever the head is
    await migration_goes_down_and_up(
        database_url, "0140-1",
        added=Parts.of(columns={"hazard": {"zone_id"}},
                       indexes={"hazard": {"ix_hazard_zone_id", "ix_hazard_district_department"}}),
        check=put_in_the_recording_zone)
