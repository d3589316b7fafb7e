"""Factories for life cycle tests: people bound to roles (real users and memberships) and hazards."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import func, select

from bot.domain import HazardState, Role
from bot.services.actors import Actor, address_of, load_actor
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, Membership, Unit, User
from storage.models_lifecycle import Rectification, RectificationPlan

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
TODAY = date(2026, 3, 10)
HOME = "110105001"  # 建外街道
OTHER = "110105002"  # 朝外街道
OFFICE_UNIT = "dept-01"  # 区安委会办公室
_ids = itertools.count(1000)
S = HazardState


async def unit_id(uow: UowFactory, code: str) -> int:
    async with uow() as u:
        unit = (await u.session.exec(select(Unit).where(Unit.code == code))).one()
        assert unit.id is not None
        return unit.id


async def person(
    uow: UowFactory, name: str, *grants: tuple[Role, str], admin: bool = False, telegram_id: int | None = None
) -> Actor:
    """A user named ``name`` holding each (role, unit code) of ``grants`` (a fresh Telegram id unless given)."""
    async with uow() as u:
        user = User(channel="telegram", address=str(telegram_id or next(_ids)), full_name=name)
        u.session.add(user)
        await u.session.flush()
        for role, code in grants:
            unit = (await u.session.exec(select(Unit).where(Unit.code == code))).one()
            u.session.add(Membership(user_id=user.id, unit_id=unit.id, role=role.value))  # type: ignore[arg-type]
        await u.session.flush()
        actor = await load_actor(u.session, user, frozenset({address_of(user)}) if admin else frozenset())
        await u.commit()
        return actor


@dataclass(frozen=True)
class Cast:
    """The people of a journey: inspector, second inspector, reviewer of 建外街道, office, leader, contact."""

    inspector: Actor
    inspector2: Actor
    reviewer: Actor
    office: Actor
    leader: Actor
    contact: Actor


async def cast(uow: UowFactory) -> Cast:
    return Cast(
        await person(uow, "李检查", (Role.INSPECTOR, HOME)),
        await person(uow, "赵复查", (Role.INSPECTOR, HOME)),
        await person(uow, "王审核", (Role.REVIEWER, HOME)),
        await person(uow, "张办公室", (Role.OFFICE, OFFICE_UNIT)),
        await person(uow, "刘领导", (Role.LEADER, HOME)),
        await person(uow, "陈联络", (Role.CONTACT, HOME)),
    )


async def hazard(
    uow: UowFactory,
    creator: Actor,
    *,
    state: HazardState = HazardState.PENDING_REVIEW,
    unit: str = HOME,
    level: str = "一般隐患",
    measures: str = "清理堆物，增设灭火器",
    deadline: date | None = date(2026, 4, 30),
    site_name: str = "张XX出租房",
    full_plan: bool = False,
    rectified_by: Actor | None = None,
) -> int:
    """A hazard recorded by ``unit`` in ``state`` (submitted by ``creator``); ``full_plan`` fills the five
    implementations; ``rectified_by`` adds a rectification report by that person."""
    async with uow() as u:
        unit_row = (await u.session.exec(select(Unit).where(Unit.code == unit))).one()
        township = unit_row.code if unit_row.is_township else HOME
        n = next(_ids)
        h = Hazard(
            draft_number=f"D001{TODAY:%Y%m%d}{n:04d}", state=state.value, unit_id=unit_row.id,  # type: ignore[arg-type]
            district="朝阳区", township_code=township, township=unit_row.name, site_name=site_name,
            address=f"建国门外大街{n}号", person_in_charge="张三", phone="13800000000", entity_nature="个人",
            occupant_count=12, source="检查", description="电动自行车楼道内充电", category="重点消防",
            subtype="村民宅基地出租房屋", level=level, illegal_building_nature="无", measures=measures,
            deadline=deadline, created_by=creator.user_id,
        )
        if state in (HazardState.REGISTERED, HazardState.RECTIFIED, HazardState.CLOSURE_REQUESTED,
                     HazardState.CLOSED):
            h.ledger_number = f"110105001{TODAY:%Y%m%d}{n % 10000:04d}"
            h.registered_at = NOW
        u.session.add(h)
        await u.session.flush()
        u.session.add(HazardEvent(hazard_id=h.id, at=NOW, actor_id=creator.user_id, action="submit",  # type: ignore[arg-type]
                                  from_state=None, to_state=S.PENDING_REVIEW.value, data={"photos": []}))
        if full_plan:
            u.session.add(RectificationPlan(
                hazard_id=h.id, responsibility="房东张三", measures=measures, funds=Decimal("1.5"),  # type: ignore[arg-type]
                deadline=deadline, contingency_plan="夜间专人巡查", updated_by=creator.user_id,
            ))
        if rectified_by is not None:
            u.session.add(Rectification(
                hazard_id=h.id, measures=measures, deadline=deadline, photo_ids=[],  # type: ignore[arg-type]
                document_legacy_ref="doc", document_name="验收单.pdf", reported_by=rectified_by.user_id,
            ))
        await u.commit()
        assert h.id is not None
        return h.id


async def state_of(uow: UowFactory, hazard_id: int) -> tuple[str, int, int]:
    """(state, version, number of events) of a hazard."""
    async with uow() as u:
        h = await u.session.get(Hazard, hazard_id)
        assert h is not None
        count = (await u.session.exec(select(func.count()).where(HazardEvent.hazard_id == hazard_id))).one()
        return h.state, h.version, count
