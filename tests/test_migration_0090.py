"""Migration 0090 removes office roles and unused office codes held outside 区安委会办公室 and keeps
everything else, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.models import InviteCode, Membership, Unit, User
from tests.db_inspect import migration_goes_down_and_up, unit_of_work


async def _office_roles_in_a_township_and_the_office(url: str) -> tuple[int, int]:
    """Office and reviewer roles and codes held in a township and the office; the ids of the two units."""
    async with unit_of_work(url) as uow, uow() as u:
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
        return township.id, office.id  # type: ignore[return-value]


async def _only_the_office_keeps_office_roles(url: str, units: tuple[int, int] | None) -> None:
    assert units is not None
    township, office = units
    async with unit_of_work(url) as uow, uow() as u:
        kept = (await u.session.exec(select(Membership.unit_id, Membership.role))).all()
        codes = (await u.session.exec(select(InviteCode.code))).all()
    assert sorted(kept) == sorted([(township, "reviewer"), (office, "office")])
    assert sorted(codes) == ["OFFOFF01", "REVTOWN1"]


async def test_office_roles_outside_the_office_are_removed_and_the_rest_kept(database_url: str) -> None:
    await migration_goes_down_and_up(database_url, "0090@-1", seed=_office_roles_in_a_township_and_the_office,
                                     check=_only_the_office_keeps_office_roles)
