"""The district emergency bureau goes by its current name 区应急局, its old name 区安监局 (the plan's, 2018) and the
other names people type for it finding the same unit, through the dispatcher on SQLite and PostgreSQL: /status by
either name counts the hazards of its industry, an invite for it is issued under the current name, and an old
ledger's 所属区/市行业部门 written with a former or short name is stored as the registry names it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState
from storage.models import Hazard
from tests.conftest import Harness
from tests.lifecycle_factories import hazard
from tests.old_ledgers import base_row, write_ledger
from tests.test_old_ledger_import import XLSX


async def test_status_finds_the_bureau_by_its_current_and_its_old_name(harness: Harness) -> None:
    creator = await harness.core.services.users.touch(telegram_address(7801), "录入", "zh-hans")
    for _n in range(2):
        hid = await hazard(harness.core.uow, creator, state=HazardState.REGISTERED)
        async with harness.core.uow() as u:  # of the bureau's industry (所属区行业部门), as the form names it
            row = await u.session.get(Hazard, hid)
            assert row is not None
            row.district_department = "区应急局"
            u.session.add(row)  # through the ORM: the status tallies follow
            await u.commit()
    office = await harness.bind(7802, "office", "区安委会办公室")
    for typed in ("区应急局", "区安监局", "安监局", "区应急管理局", "应急局"):
        await office.say(f"/status {typed}")
        said = office.last_text()
        assert "区应急局城市安全隐患治理情况" in said and "在账隐患 2 项" in said, (typed, said)


@pytest.mark.parametrize("typed", ["区安监局", "区应急局"])
async def test_an_invite_for_the_bureau_names_it_as_it_is_called_now(harness: Harness, typed: str) -> None:
    office = await harness.bind(7803, "office", "区安委会办公室")
    await office.say(f"/invite leader {typed}")
    assert re.search(r"区应急局.*/bind [A-Z0-9]{8}", office.last_text(), re.DOTALL), office.last_text()


async def test_an_old_ledger_naming_the_bureau_by_its_old_name_lands_in_its_scope(harness: Harness,
                                                                                  tmp_path: Path) -> None:
    office = await harness.bind(7804, "office", "区安委会办公室")
    rows = [base_row(1, district_department="区安监局"), base_row(2, city_department="房管局"),
            base_row(3, district_department="某某公司安全部")]  # no department of the registry: kept as written
    await office.file(write_ledger(tmp_path / "old.xlsx", rows), "朝外街道台账.xlsx", XLSX)
    said = office.last_text()
    assert said.startswith("已导入 3 行") and "第4行 所属区行业部门：「区安监局」→「区应急局」" in said, said
    assert "第5行 所属市行业部门：「房管局」→「区房管局」" in said and "第6行" not in said, said
    async with harness.core.uow() as u:
        stored = {h.site_name: (h.district_department, h.city_department)
                  for h in (await u.session.exec(select(Hazard))).all()}
    assert stored == {"某小区1号楼": ("区应急局", None), "某小区2号楼": (None, "区房管局"),
                      "某小区3号楼": ("某某公司安全部", None)}
    await office.say("/status 区安监局")
    assert "在账隐患 1 项" in office.last_text(), office.last_text()
