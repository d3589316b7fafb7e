"""Migration 0090 removes office roles and unused office codes held outside 区安委会办公室 and keeps
everything else, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models import InviteCode, Membership, Unit, User


async def test_office_roles_outside_the_office_are_removed_and_the_rest_kept(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "0090@-1")
    engine = create_engine(database_url)
    uow = make_uow_factory(engine)
    try:
        async with uow() as u:
            office = (await u.session.exec(select(Unit).where(Unit.code == "dept-01"))).one()
            township = (await u.session.exec(select(Unit).where(Unit.code == "110105001"))).one()
            person = User(channel="telegram", address=str(90001), full_name="老办公室")
            u.session.add(person)
            await u.session.flush()
            for unit, role in ((township, "office"), (township, "reviewer"), (office, "office")):
                u.session.add(Membership(user_id=person.id, unit_id=unit.id, role=role))
            later = datetime.now(UTC) + timedelta(days=3)
            for code, unit, role in (("OFFTOWN1", township, "office"), ("REVTOWN1", township, "reviewer"),
                                     ("OFFOFF01", office, "office")):
                u.session.add(InviteCode(code=code, role=role, unit_id=unit.id, expires_at=later))
            await u.commit()
        await asyncio.to_thread(upgrade, database_url)
        async with uow() as u:
            kept = (await u.session.exec(select(Membership.unit_id, Membership.role))).all()
            codes = (await u.session.exec(select(InviteCode.code))).all()
        assert sorted(kept) == sorted([(township.id, "reviewer"), (office.id, "office")])
        assert sorted(codes) == ["OFFOFF01", "REVTOWN1"]
    finally:
        await engine.dispose()
