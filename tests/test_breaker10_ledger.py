"""Hostile 上账时间 and 整改时限 in an imported 附件2 ledger, through the dispatcher (SQLite, clock 2018-10-15):
Excel date cells, an Excel serial typed as a number, an empty 上账时间, a 2017 row, and a 上账时间 of 1900 (an Excel
date cell left at serial 1) that must not open the door to a deadline of 1900."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.services.hazard_filter import PLAUSIBLE_YEARS
from bot.services.ledger_rows import EARLIEST_REGISTERED
from storage.models import Hazard
from tests.conftest import Harness
from tests.old_ledgers import base_row, write_ledger
from tests.test_old_ledger_import import XLSX

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_hostile_registration_dates_in_an_imported_ledger(harness: Harness, tmp_path: Path) -> None:
    office = await harness.bind(6101, "office", "区安委会办公室")
    rows = [base_row(51, registered_on=date(2018, 3, 1), deadline=date(2018, 12, 31)),  # 4: date cells
            base_row(52, registered_on=None),  # 5: no 上账时间
            base_row(53, day="20170601", registered_on="2017/6/1", deadline="2017.12.31"),  # 6: a 2017 row
            base_row(54, day="19000101", registered_on=date(1900, 1, 1), deadline=date(1900, 6, 30)),  # 7
            base_row(55, day="19000101", registered_on="1900-01-01", deadline="2018-12-31")]  # 8: a slip
    await office.file(write_ledger(tmp_path / "hostile.xlsx", rows), "台账.xlsx", XLSX)
    text = office.last_text()
    refused = text.split("已按附件2规范整理")[0]
    assert "第5行 上账时间" in text, text  # required
    assert "第4行" not in refused and "第6行" not in refused, text
    for row in (7, 8):  # 1900 is no 上账 year: refused, and the deadline of 1900 with it
        assert f"第{row}行 上账时间：1900-01-01 过早：不能早于 2000-01-01" in refused, text
    assert "第7行 整改时限：1900-06-30 过早" in refused, text
    assert EARLIEST_REGISTERED.year == PLAUSIBLE_YEARS[0]  # what is imported, /find can search for
    assert "共 5 行，其中 3 行有问题" in text, text
    await office.press("导入正确的 2 行")
    async with harness.core.uow() as u:
        got = {h.ledger_number: h.deadline for h in (await u.session.exec(select(Hazard))).all()}
    assert got == {rows[0]["ledger_number"]: date(2018, 12, 31), rows[2]["ledger_number"]: date(2017, 12, 31)}, got
