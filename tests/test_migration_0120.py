"""Migration 0120 (an inspection can be voided and has a log of its corrections; a life cycle check names the
row it wrote) goes down and up again on SQLite and PostgreSQL, and a voided inspection with its log is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from storage.models import Inspection, Unit, User
from storage.models_corrections import InspectionEvent
from tests.db_inspect import Parts, migration_goes_down_and_up, unit_of_work


async def _a_voided_inspection_and_its_log_are_stored(url: str, _: object) -> None:
    now = datetime(2018, 10, 15, 2, tzinfo=UTC)
    async with unit_of_work(url) as uow:
        async with uow() as u:
            user = User(channel="telegram", address=str(78), full_name="张办公室")
            unit = Unit(code="t-0120", name="测试单位", kind="街乡")
            u.session.add_all([user, unit])
            await u.session.flush()
            row = Inspection(number="J201810150001", unit_id=unit.id, inspected_on=date(2018, 10, 15),  # type: ignore[arg-type]
                             inspecting_unit="测试单位", inspection_type="日常检查", inspector_count=2, site_name="甲",
                             district="朝阳区", township="建外街道", address="永安里8号", created_by=user.id,  # type: ignore[arg-type]
                             voided_at=now, voided_by=user.id, void_reason="重复录入")
            u.session.add(row)
            await u.session.flush()
            u.session.add(InspectionEvent(inspection_id=row.id, at=now, actor_id=user.id, action="void",  # type: ignore[arg-type]
                                          note="重复录入", data={}))
            await u.commit()
        async with uow() as u:
            [stored] = (await u.session.exec(select(Inspection))).all()
            [event] = (await u.session.exec(select(InspectionEvent))).all()
            assert (stored.voided_at, stored.void_reason, event.action) == (now, "重复录入", "void")


async def test_inspections_lose_and_regain_their_void_and_log(database_url: str) -> None:
    # the revision below 0120, wherever the head is
    await migration_goes_down_and_up(
        database_url, "0120-1",
        added=Parts.of({"inspection_event"}, columns={"inspection": {"voided_at", "voided_by", "void_reason", "source_event_id"}}),
        check=_a_voided_inspection_and_its_log_are_stored)
