"""A ledger's good rows imported through the run mode's middlewares (the exactly-once claim, stored state): the
"正在保存" progress message, sent while the import's transaction is open, does not wait for the writer turn that
transaction holds (``bot.dedup``: the claim rides the import's commit); and after a failed import the staged
file can be imported again with the same button."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import func
from sqlmodel import select

from bot.services import reports
from storage.models import Hazard
from storage.models_scale import ProcessedUpdate
from tests.old_ledgers import bad_rows, variant_rows, write_ledger
from tests.scale.conftest import AlternatingChat, Cluster, open_cluster

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the import used to wait for itself until the SQLite writer turn's timeout: fail long before that
STALL = 10.0


async def _count(cluster: Cluster, model: Any) -> int:
    async with cluster.core.uow() as u:
        return int((await u.session.exec(select(func.count()).select_from(model))).one())


async def _mixed(cluster: Cluster, tmp_path: Path, user: int) -> AlternatingChat:
    office = await cluster.bind(user, "office", "区安委会办公室")
    good = variant_rows()[:2]
    await office.file(write_ledger(tmp_path / "ledger.xlsx", good + bad_rows()), "ledger.xlsx", XLSX)
    assert [b.text for b in office.buttons()] == ["导入正确的 2 行", "全部不导入"], office.last_text()
    return office


async def test_the_good_rows_import_under_the_claim_with_its_progress_shown(database_url: str,
                                                                           tmp_path: Path) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=1) as cluster:
        office = await _mixed(cluster, tmp_path, 9301)
        claims = await _count(cluster, ProcessedUpdate)
        async with asyncio.timeout(STALL):
            sent = await office.press("导入正确的")
        assert office.last_text().startswith("已导入 2 行，均为新增。"), office.last_text()
        assert any(isinstance(m, SendMessage) and m.text.startswith("正在保存") for m in sent)
        assert await _count(cluster, Hazard) == 2
        assert await _count(cluster, ProcessedUpdate) == claims + 1  # the press claimed once


async def test_after_a_failed_import_the_same_button_imports_the_file(database_url: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=1) as cluster:
        office = await _mixed(cluster, tmp_path, 9302)
        button = office.buttons()[0]
        real = reports.store_hazards
        calls = 0

        async def fails_once(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            report = await real(*args, **kwargs)  # the rows written, then the transaction fails
            if calls == 1:
                raise ConnectionResetError("the database went away")
            return report

        monkeypatch.setattr(reports, "store_hazards", fails_once)
        await office.press_button(button)
        assert "请重试" in office.last_text(), office.last_text()
        assert await _count(cluster, Hazard) == 0
        await office.press_button(button)
        assert office.last_text().startswith("已导入 2 行，均为新增。"), office.last_text()
        assert await _count(cluster, Hazard) == 2
        await office.press_button(button)  # done now: a third press finds nothing waiting
        assert office.last_text() == "该文件已处理过，或已等待超过一小时。请重新发送。"
