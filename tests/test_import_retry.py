"""A staged 附件2 ledger whose save was cut short by a killed process can be imported with the same button after
a restart; one that was saved cannot be saved again, even when its staging folder outlived the save (a kill
between the commit and the folder's removal). The "handled" mark is the import's own transaction's.

A kill is played as what it leaves behind: the staging folders as they were while the save ran (copied at that
moment) and a database without the save's rows; the next process remembers nothing of the last one's."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.services import ledger_staging, reports
from handlers.callbacks import ImportCb
from storage.models import Hazard
from tests.conftest import Harness
from tests.old_ledgers import bad_rows, variant_rows, write_ledger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GONE = "该文件已处理过，或已等待超过一小时。请重新发送。"


async def _count(h: Harness) -> int:
    async with h.core.uow() as u:
        return int((await u.session.exec(select(func.count()).select_from(Hazard))).one())


def _staged(button: Any) -> list[Path]:
    """The staging folders of the ledger behind ``button`` (only its own: other tests may stage beside it)."""
    token = ImportCb.unpack(button.callback_data).t
    return sorted(Path(tempfile.gettempdir()).glob(f"{ledger_staging._PREFIX}{token}*"))


def _snapshot(button: Any, into: Path) -> Path:
    """Copy the staging folders of ``button``'s ledger as they are now into ``into``."""
    into.mkdir()
    for folder in _staged(button):
        shutil.copytree(folder, into / folder.name)
    return into


def _back_to(button: Any, snapshot: Path) -> None:
    """The staging folders of ``button``'s ledger exactly as ``snapshot`` holds them (what a killed process left
    on disk)."""
    for folder in _staged(button):
        shutil.rmtree(folder)
    for folder in snapshot.iterdir():
        shutil.copytree(folder, Path(tempfile.gettempdir()) / folder.name)


async def _mixed(h: Harness, tmp_path: Path, user: int) -> Any:
    office = await h.bind(user, "office", "区安委会办公室")
    await office.file(write_ledger(tmp_path / "ledger.xlsx", variant_rows()[:2] + bad_rows()), "ledger.xlsx", XLSX)
    assert [b.text for b in office.buttons()] == ["导入正确的 2 行", "全部不导入"], office.last_text()
    return office


async def test_an_import_killed_while_saving_can_be_pressed_again_after_a_restart(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = await _mixed(harness, tmp_path, 9401)
    button = office.buttons()[0]
    real = reports.store_hazards
    saving = asyncio.Event()
    snapshot = tmp_path / "at-kill"

    async def killed(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)  # the rows are written, not committed: then the process dies
        _snapshot(button, snapshot)
        saving.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(reports, "store_hazards", killed)
    press = asyncio.create_task(office.press_button(button))
    await asyncio.wait_for(saving.wait(), 30)
    press.cancel()  # the process is gone: nothing it would still have done runs
    with pytest.raises(asyncio.CancelledError):
        await press
    _back_to(button, snapshot)
    assert await _count(harness) == 0
    monkeypatch.setattr(reports, "store_hazards", real)
    await office.press_button(button)
    assert office.last_text().startswith("已导入 2 行，均为新增。"), office.last_text()
    assert await _count(harness) == 2
    await office.press_button(button)
    assert office.last_text() == GONE
    assert await _count(harness) == 2


async def test_a_saved_import_is_not_saved_again_when_its_folder_outlived_the_save(harness: Harness,
                                                                                  tmp_path: Path) -> None:
    office = await _mixed(harness, tmp_path, 9402)
    button = office.buttons()[0]
    before = _snapshot(button, tmp_path / "before")
    await office.press_button(button)
    assert office.last_text().startswith("已导入 2 行，均为新增。"), office.last_text()
    _back_to(button, before)  # killed after the commit, before the folder was removed
    await office.press_button(button)
    assert office.last_text() == GONE, office.last_text()
    assert await _count(harness) == 2
