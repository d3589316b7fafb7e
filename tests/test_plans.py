"""Filing an annual plan (附件3): validation, replacement, and who may file it; both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import func, select

from bot.clock import fixed_clock
from bot.domain import Role
from bot.services.actors import Actor, Grant
from bot.services.errors import PermissionDenied
from bot.services.plans import Arrangement, InvalidPlan, PlanInput, PlanService
from storage.db import UowFactory
from storage.models_plans import InspectionPlan, PlanArrangement
from tests.summary_ledger import unit, user
from tests.test_summary import NOW

ROW = Arrangement("每月第一周", "安全科 3人", "辖区出租房屋", "消防通道")


async def _setup(uow: UowFactory) -> tuple[PlanService, Actor, int]:
    async with uow() as u:
        a = await unit(u.session, "110105001")
        me = await user(u.session)
        await u.commit()
        grant = Grant(Role.REVIEWER, a.id, a.code, a.name, True)  # type: ignore[arg-type]
        return PlanService(uow, fixed_clock(NOW)), Actor(me.id, 1, "审核员", (grant,)), a.id  # type: ignore[arg-type]


async def test_filing_again_replaces_the_plan_and_its_rows(uow: UowFactory) -> None:
    service, actor, unit_id = await _setup(uow)
    first = await service.save(actor, PlanInput(unit_id, 2019, 1200, Decimal("10"), (ROW, ROW)))
    again = await service.save(actor, PlanInput(unit_id, 2019, 1500, Decimal("12.5"), (ROW,), "调整"))
    assert first == again
    async with uow() as u:
        plan = (await u.session.exec(select(InspectionPlan))).one()
        rows = (await u.session.exec(select(func.count()).select_from(PlanArrangement))).one()
        assert (plan.inspection_target, plan.verification_ratio, plan.remarks, rows) == (1500, Decimal("12.5"), "调整", 1)


@pytest.mark.parametrize(("year", "target", "ratio", "rows", "field"), [
    (2021, 10, "10", (ROW,), "year"),
    (2019, 0, "10", (ROW,), "inspection_target"),
    (2019, 10, "100.5", (ROW,), "verification_ratio"),
    (2019, 10, "10.125", (ROW,), "verification_ratio"),
    (2019, 10, "10", (), "arrangements"),
    (2019, 10, "10", (Arrangement(" ", "x", "y", "z"),), "arrangements"),
])
async def test_a_bad_plan_is_refused_with_the_field_named(uow: UowFactory, year: int, target: int, ratio: str,
                                                          rows: tuple[Arrangement, ...], field: str) -> None:
    service, actor, unit_id = await _setup(uow)
    with pytest.raises(InvalidPlan) as info:
        await service.save(actor, PlanInput(unit_id, year, target, Decimal(ratio), rows))
    assert info.value.params == {"field": field}


async def test_another_units_reviewer_may_not_file_it(uow: UowFactory) -> None:
    service, actor, unit_id = await _setup(uow)
    with pytest.raises(PermissionDenied):
        await service.save(actor, PlanInput(unit_id + 1, 2019, 10, Decimal(10), (ROW,)))
