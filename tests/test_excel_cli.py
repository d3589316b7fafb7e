"""``hazardbot export`` / ``hazardbot import`` end to end on a seeded database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from storage.db import UowFactory
from tests.test_excel import _wipe, seed


async def test_export_then_import_through_the_command_line(
    uow: UowFactory, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(uow)
    out = tmp_path / "h.xlsx"
    db = ["--db", database_url]
    assert await asyncio.to_thread(main, [*db, "export", "hazards", "--unit", "建外街道", "--state", "open", "-o", str(out)]) == 0
    assert "已导出隐患 1 条 → " in capsys.readouterr().out  # 建外: one open (registered) and one closed hazard
    assert await asyncio.to_thread(main, [*db, "export", "hazards", "--from", "2019-01-01", "-o", str(out)]) == 0
    assert "已导出隐患 3 条 → " in capsys.readouterr().out
    await _wipe(uow)
    assert await asyncio.to_thread(main, [*db, "import", "hazards", str(out)]) == 0
    assert capsys.readouterr().out.strip() == "已导入 3 行，均为新增。"
    assert await asyncio.to_thread(main, [*db, "import", "hazards", str(out)]) == 0
    assert capsys.readouterr().out.strip() == ("没有导入新数据：这 3 行此前都已在台账中，已跳过；台账中的记录保持原样，"
                                               "未按本文件更新。")
    wb = load_workbook(out)
    wb.worksheets[0]["H4"] = "不是电话"
    wb.save(tmp_path / "bad.xlsx")
    assert await asyncio.to_thread(main, [*db, "import", "hazards", str(tmp_path / "bad.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "第4行 联系电话：应为手机号、固定电话（外地须带区号）或400/800电话" in err and "处错误，未导入任何行" in err


async def test_plans_go_out_and_back_in_through_the_command_line(
    uow: UowFactory, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from decimal import Decimal

    from sqlalchemy import delete

    from storage.models_plans import InspectionPlan, PlanArrangement
    from tests.summary_ledger import unit

    async with uow() as u:
        a = await unit(u.session, "110105001")
        plan = InspectionPlan(unit_id=a.id, year=2019, inspection_target=300, verification_ratio=Decimal("15"))
        u.session.add(plan)
        await u.session.flush()
        u.session.add(PlanArrangement(plan_id=plan.id, position=1, schedule="每周", participants="科室",
                                      areas="全辖区", key_content="消防"))
        await u.commit()
    out = tmp_path / "p.xlsx"
    db = ["--db", database_url]
    assert await asyncio.to_thread(main, [*db, "export", "plans", "--year", "2019", "-o", str(out)]) == 0
    async with uow() as u:
        await u.session.exec(delete(PlanArrangement))  # type: ignore[call-overload]
        await u.session.exec(delete(InspectionPlan))  # type: ignore[call-overload]
        await u.commit()
    capsys.readouterr()
    assert await asyncio.to_thread(main, [*db, "import", "plans", str(out)]) == 0
    assert "新增 1" in capsys.readouterr().out
