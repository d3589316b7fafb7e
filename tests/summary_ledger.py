"""Builders for hand-made ledgers used by the summary, export and import tests."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.campaign import Campaign
from bot.services.summary import StatusRules
from reminders.calendar import WorkCalendar
from storage.models import Hazard, HazardEvent, Inspection, InspectionHazard, Unit, User

SH = ZoneInfo("Asia/Shanghai")
#: the source document's campaign judged in Beijing, as the default settings build it
RULES = StatusRules(SH, Campaign(date(2018, 10, 15)), WorkCalendar.from_file())


def sh(d: date, hh: int = 10, mm: int = 0) -> datetime:
    """An aware instant at ``hh:mm`` Asia/Shanghai on ``d``."""
    return datetime.combine(d, time(hh, mm), SH)


async def unit(session: AsyncSession, code: str) -> Unit:
    return (await session.exec(select(Unit).where(Unit.code == code))).one()


async def user(session: AsyncSession, telegram_id: int = 1) -> User:
    u = User(channel="telegram", address=str(telegram_id), full_name="测试员")
    session.add(u)
    await session.flush()
    return u


_counter = iter(range(1, 10**9))


def hazard(owner: Unit, creator: User, *, state: str, registered: datetime | None = None, **kw: Any) -> Hazard:
    """A hazard with every 附件2 field filled; ``registered`` sets the ledger number and 上账时间."""
    n = next(_counter)
    township = owner.code if owner.is_township else "110105001"
    values: dict[str, Any] = dict(
        draft_number=f"T{n:010d}",
        state=state,
        unit_id=owner.id,
        district="朝阳区",
        township_code=township,
        township=owner.name if owner.is_township else "建外街道",
        site_name=f"张{n}出租房",
        address=f"朝阳区测试路{n}号",
        person_in_charge="张三",
        phone="13912345678",
        entity_nature="个人",
        occupant_count=12,
        source="检查",
        description="电动车违规充电，堵塞疏散通道",
        category="重点消防",
        subtype="村民宅基地出租房屋",
        level="一般隐患",
        illegal_building_nature="无",
        measures="清理通道，落实五落实",
        deadline=date(2019, 12, 31),
        created_by=creator.id,
        created_at=registered or sh(date(2019, 6, 1)),
        updated_at=registered or sh(date(2019, 6, 1)),
    )
    if registered is not None:
        local = registered.astimezone(SH)
        values["ledger_number"] = f"110105{township[-3:]}{local:%Y%m%d}{n % 10000:04d}"
        values["registered_at"] = registered
    values.update(kw)
    return Hazard(**values)


def closure(h: Hazard, at: datetime) -> HazardEvent:
    """A closure event of ``h`` at ``at``; a hazard closed now also gets it as its covering ``closed_at`` (the
    latest closure, as the life cycle writes it; migration 0150). Call in the order the closures happened."""
    if h.state == "closed":
        h.closed_at = at
    return HazardEvent(hazard_id=h.id, at=at, action="close", from_state="closure_requested", to_state="closed")


def inspection(owner: Unit, creator: User, on: date, *, kind: str = "日常检查", **kw: Any) -> Inspection:
    n = next(_counter)
    values: dict[str, Any] = dict(
        number=f"J{n:012d}",
        unit_id=owner.id,
        inspected_on=on,
        inspecting_unit=owner.name,
        inspection_type=kind,
        inspector_count=2,
        site_name=f"李{n}商店",
        district="朝阳区",
        township=owner.name if owner.is_township else "建外街道",
        address=f"朝阳区检查路{n}号",
        created_by=creator.id,
        created_at=sh(on),
    )
    values.update(kw)
    return Inspection(**values)


def link(i: Inspection, h: Hazard) -> InspectionHazard:
    return InspectionHazard(inspection_id=i.id, hazard_id=h.id)  # type: ignore[arg-type]


def fine(amount: str) -> Decimal:
    return Decimal(amount)
