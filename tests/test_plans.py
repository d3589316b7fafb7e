"""Filing an annual plan (附件3): validation, replacement, and who may file it; both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import func, select

from bot.channels import telegram_address
from bot.clock import fixed_clock
from bot.domain import Role
from bot.services.actors import Actor, Grant
from bot.services.errors import PermissionDenied
from bot.services.plans import Arrangement, InvalidPlan, PlanInput, PlanService
from storage.db import UowFactory
from storage.models import Membership
from storage.models_plans import InspectionPlan, PlanArrangement
from tests.summary_ledger import RULES, unit, user
from tests.test_summary import NOW

ROW = Arrangement("每月第一周", "安全科 3人", "辖区出租房屋", "消防通道")


async def _setup(uow: UowFactory) -> tuple[PlanService, Actor, int]:
    async with uow() as u:
        a = await unit(u.session, "110105001")
        me = await user(u.session)
        u.session.add(Membership(user_id=me.id, unit_id=a.id, role=Role.REVIEWER.value))  # type: ignore[arg-type]
        await u.commit()
        grant = Grant(Role.REVIEWER, a.id, a.code, a.name, True)  # type: ignore[arg-type]
        return PlanService(uow, fixed_clock(NOW), RULES.campaign), Actor(me.id, telegram_address(1), "审核员", (grant,)), a.id  # type: ignore[arg-type]


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
    assert info.value.params["field"] == field
    if field == "year":  # the campaign's years, to say which are allowed
        assert (info.value.params["first"], info.value.params["last"]) == (2018, 2020)


async def test_another_units_reviewer_may_not_file_it(uow: UowFactory) -> None:
    service, actor, unit_id = await _setup(uow)
    with pytest.raises(PermissionDenied):
        await service.save(actor, PlanInput(unit_id + 1, 2019, 10, Decimal(10), (ROW,)))


async def test_plans_exported_as_annex_3_import_back_and_bad_sheets_are_reported(uow: UowFactory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook
    from sqlalchemy import delete

    from bot.services.ledger_export import export_plans
    from bot.services.reports import ReportService

    service, actor, unit_id = await _setup(uow)
    await service.save(actor, PlanInput(unit_id, 2019, 1200, Decimal("10.5"), (ROW, Arrangement("每季度", "", "商场", "")), "备注一"))
    out = tmp_path / "plans.xlsx"
    async with uow() as u:
        assert await export_plans(u.session, out, 2019) == 1
        await u.session.exec(delete(PlanArrangement))  # type: ignore[call-overload]
        await u.session.exec(delete(InspectionPlan))  # type: ignore[call-overload]
        await u.commit()
    reports = ReportService(uow, fixed_clock(NOW), RULES)
    kind, report = await reports.import_file(actor, out)
    assert kind == "plans" and report.ok and report.added == 1
    async with uow() as u:
        plan = (await u.session.exec(select(InspectionPlan))).one()
        rows = (await u.session.exec(select(PlanArrangement).order_by(PlanArrangement.position))).all()
        assert (plan.year, plan.inspection_target, plan.verification_ratio, plan.remarks) == (2019, 1200, Decimal("10.5"), "备注一")
        assert [(r.schedule, r.areas) for r in rows] == [("每月第一周", "辖区出租房屋"), ("每季度", "商场")]
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    ws["B4"], ws["D4"], ws["D6"] = "很多", 150, None
    wb.save(tmp_path / "bad.xlsx")
    _kind, report = await reports.import_file(actor, tmp_path / "bad.xlsx")
    assert {e.column.split("!")[1] for e in report.errors} == {"B4", "D4", "B6"} and report.added == 0
    for ratio, refused in (("NaN", True), ("1e1", True), ("12.5%", False), ("10.125", True)):
        ws["B4"], ws["D4"], ws["D6"] = 1200, ratio, "辖区出租房屋"  # the chat form's rule for the ratio
        wb.save(tmp_path / "ratio.xlsx")
        _kind, report = await reports.import_file(actor, tmp_path / "ratio.xlsx")
        assert ("D4" in {e.column.split("!")[1] for e in report.errors}) is refused, (ratio, report.errors)
