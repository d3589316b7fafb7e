"""Rows for the reminder tests: users, contacts, memberships, hazards, inspections."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Hazard, Inspection, Membership, Unit, User
from storage.models_reminders import Contact

_seq = count(1)


async def unit_id(session: AsyncSession, name: str) -> int:
    return (await session.exec(select(Unit.id).where(Unit.name == name))).one()  # type: ignore[return-value]


async def user(session: AsyncSession, telegram_id: int, name: str = "") -> int:
    u = User(channel="telegram", address=str(telegram_id), full_name=name or f"用户{telegram_id}")
    session.add(u)
    await session.flush()
    return u.id  # type: ignore[return-value]


async def contact(session: AsyncSession, unit: int, role: str, name: str, mobile: str,
                  user_id: int | None = None) -> int:
    c = Contact(unit_id=unit, role=role, name=name, title="科员", mobile=mobile, user_id=user_id)
    session.add(c)
    await session.flush()
    return c.id  # type: ignore[return-value]


async def membership(session: AsyncSession, user_id: int, unit: int, role: str) -> None:
    session.add(Membership(user_id=user_id, unit_id=unit, role=role))
    await session.flush()


async def hazard(session: AsyncSession, unit: int, created_by: int, deadline: date | None,
                 updated_at: datetime, level: str = "一般隐患", state: str = "registered") -> int:
    n = next(_seq)
    h = Hazard(
        draft_number=f"D{n:06d}", ledger_number=f"110105001201901{n:05d}", state=state, unit_id=unit,
        district="朝阳区", township_code="110105001", township="建外街道", site_name=f"场所{n}",
        address="建外大街1号", person_in_charge="张三", phone="13900000000", entity_nature="民营企业",
        occupant_count=3, source="检查", description="隐患", category="重点消防", subtype="其他", level=level,
        illegal_building_nature="无", measures="整改", deadline=deadline, created_by=created_by,
        created_at=updated_at, updated_at=updated_at,
    )
    session.add(h)
    await session.flush()
    return h.id  # type: ignore[return-value]


async def inspection(session: AsyncSession, unit: int, created_by: int, created_at: datetime) -> int:
    n = next(_seq)
    i = Inspection(
        number=f"I{n:06d}", unit_id=unit, inspected_on=created_at.date(), inspecting_unit="建外街道",
        inspection_type="日常检查", inspector_count=2, site_name="某店", district="朝阳区", township="建外街道",
        address="建外大街2号", created_by=created_by, created_at=created_at,
    )
    session.add(i)
    await session.flush()
    return i.id  # type: ignore[return-value]
