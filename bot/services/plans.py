"""Annual inspection plans (附件3): a unit files its plan for a year; filing again replaces it.

Due by 31 March of 2019 and 2020 (2018: 15 October), 方案 四(一). Coverage and verification in the status
summary read the targets from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.campaign import Campaign
from bot.clock import Clock
from bot.domain import Role
from bot.services.actors import Actor, current_actor
from bot.services.errors import DomainError, PermissionDenied
from storage.db import UowFactory
from storage.models_plans import InspectionPlan, PlanArrangement


class InvalidPlan(DomainError, code="invalid_plan"):
    """``field`` names the bad value: ``year``, ``inspection_target``, ``verification_ratio`` or ``arrangements``."""


@dataclass(frozen=True)
class Arrangement:
    """One 工作安排 row: 检查时间安排, 参加检查部门及人员, 检查地区或单位名称, 检查重点内容."""

    schedule: str
    participants: str
    areas: str
    key_content: str


@dataclass(frozen=True)
class PlanInput:
    """A unit's yearly inspection plan as entered, before ``PlanService.validate``."""

    unit_id: int
    year: int
    inspection_target: int  # 家次
    verification_ratio: Decimal  # percent, 0–100, at most 2 decimals
    arrangements: tuple[Arrangement, ...]
    remarks: str | None = None


class PlanService:
    """Units' yearly inspection plans (方案 四): check and save a plan, one per unit and year."""

    def __init__(self, uow: UowFactory, clock: Clock, campaign: Campaign) -> None:
        self._uow = uow
        self._clock = clock
        self._campaign = campaign

    @staticmethod
    def validate(actor: Actor, plan: PlanInput, campaign: Campaign) -> None:
        """Raise ``PermissionDenied`` unless the actor is the unit's reviewer or leader, the office or an
        admin; ``InvalidPlan`` for a year outside the campaign (``bot.campaign``; 2018–2020 by default), a target < 1, a ratio outside 0–100 or with more
        than two decimals, no arrangement row or one without schedule or areas."""
        if not (actor.is_admin or actor.has(Role.OFFICE) or actor.has(Role.REVIEWER, plan.unit_id)
                or actor.has(Role.LEADER, plan.unit_id)):
            raise PermissionDenied()
        if not campaign.covers(plan.year):
            raise InvalidPlan(field="year", first=campaign.first_year, last=campaign.last_year)
        if plan.inspection_target < 1:
            raise InvalidPlan(field="inspection_target")
        ratio = Decimal(plan.verification_ratio)
        if not Decimal(0) <= ratio <= Decimal(100) or ratio != ratio.quantize(Decimal("0.01")):
            raise InvalidPlan(field="verification_ratio")
        if not plan.arrangements or any(not (a.schedule.strip() and a.areas.strip()) for a in plan.arrangements):
            raise InvalidPlan(field="arrangements")

    async def save(self, actor: Actor, plan: PlanInput) -> int:
        """Create or replace the unit's plan for the year after ``validate``; returns its id."""
        async with self._uow() as u:
            plan_id = await store_plan(u.session, actor, plan, self._clock(), self._campaign)
            await u.commit()
        return plan_id


async def store_plan(s: AsyncSession, actor: Actor, plan: PlanInput, now: datetime, campaign: Campaign) -> int:
    """``PlanService.save`` inside the caller's transaction (the plan conversation submits with it).

    Raises ``PermissionDenied`` and ``InvalidPlan`` as ``PlanService.validate``, with the actor's roles as they are
    now (``current_actor``).
    """
    PlanService.validate(await current_actor(s, actor), plan, campaign)
    ratio = Decimal(plan.verification_ratio)
    row = (await s.exec(select(InspectionPlan).where(
        InspectionPlan.unit_id == plan.unit_id, InspectionPlan.year == plan.year))).first()
    if row is None:
        row = InspectionPlan(unit_id=plan.unit_id, year=plan.year, inspection_target=plan.inspection_target,
                             verification_ratio=ratio, created_by=actor.user_id, created_at=now)
    row.inspection_target = plan.inspection_target
    row.verification_ratio = ratio
    row.remarks = plan.remarks
    row.updated_at = now
    s.add(row)
    await s.flush()
    await s.exec(delete(PlanArrangement).where(PlanArrangement.plan_id == row.id))  # type: ignore[arg-type]
    for i, a in enumerate(plan.arrangements, 1):
        s.add(PlanArrangement(plan_id=row.id, position=i, schedule=a.schedule.strip(),  # type: ignore[arg-type]
                              participants=a.participants.strip(), areas=a.areas.strip(),
                              key_content=a.key_content.strip()))
    assert row.id is not None
    return row.id
