"""Hostile spreadsheets through the dispatcher, on both databases (issue 14, finding 1 and the formula part of
finding 10). Every file of ``tests.hostile_sheets`` goes to the plan/ledger import (a document ending in
.xlsx) and to ``/contacts_import``, from people without the role (unbound, an inspector, an office member
whose role went while the file was awaited) and from the office. Asserted: the answer;
that nothing is downloaded for whoever may not import; and that the bot process's resident memory grows by
less than 300 MB at its peak (the bombs take gigabytes when parsed in the process, which the probe caps).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from aiogram.methods import GetFile
from openpyxl import load_workbook
from sqlalchemy import delete

from bot.channels import telegram_address
from handlers import media
from storage.models import Membership
from tests import hostile_sheets as hs
from tests.conftest import TODAY, Harness, open_harness
from tests.memory_probe import PROBE, peak_growth
from tests.reminders.test_contacts_import import FLAT_HEADER

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DENIED = "您的角色无权进行此操作。"
NOT_BOUND = "您尚未绑定单位"  # someone with no role is told how to bind
GROWTH_MB = 300
TOO_HEAVY = "文件过大或格式异常：读取该文件所需的内存或时间超出限制"

PLAN_FORMULAS = [["2019年度监督检查计划表"], ["单位名称", "朝外街道"],
                 [None, "年度监督检查目标（家次）", None, "挂账隐患核查比例（%）"], [None, "=10*2", None, "=5*2"]]
CONTACT_FORMULAS = [FLAT_HEADER, ["建外街道", "主管领导", "张伟", "副主任", "010-65001234", "=13901234567"]]

# name → (file for the plan import, file for /contacts_import, what the office is told)
CORPUS: dict[str, tuple[Callable[[], bytes], Callable[[], bytes], str]] = {
    "dimension_bomb": (hs.dimension_bomb, hs.dimension_bomb, "工作表“计划”的内容延伸到第 1048576 行，一次最多导入 50000 行"),
    "zip_bomb": (hs.zip_bomb, hs.zip_bomb, "文件过大或格式异常：解压后的内容远超一张表格"),
    "too_many_rows": (hs.too_many_rows, hs.too_many_rows, "的内容延伸到第 50001 行，一次最多导入 50000 行"),
    "too_many_members": (hs.too_many_members, hs.too_many_members, "文件过大或格式异常：解压后的内容远超一张表格"),
    "shared_strings": (hs.shared_strings, hs.shared_strings, "文件过大或格式异常：解压后的内容远超一张表格"),
    "truncated": (lambda: hs.truncated(hs.too_many_members(10)), lambda: hs.truncated(hs.too_many_members(10)),
                  "该工作簿已损坏或不完整"),
    "not_a_workbook": (hs.not_a_workbook, hs.not_a_workbook, "该文件不是Excel工作簿（.xlsx）"),
    "uncached_formulas": (lambda: hs.uncached_formulas(PLAN_FORMULAS), lambda: hs.uncached_formulas(CONTACT_FORMULAS),
                          "是公式，但文件中没有保存计算结果"),
}


def fetched(sent: list[object]) -> bool:
    return any(isinstance(m, GetFile) for m in sent)


@pytest.mark.parametrize("name", list(CORPUS))
async def test_a_hostile_spreadsheet_is_refused_without_growing_the_bot(name: str, harness: Harness) -> None:
    plan_file, contacts_file, told = CORPUS[name]
    plan_data, contacts_data = plan_file(), contacts_file()
    stranger = harness.chat(7701, "路人")
    inspector = await harness.bind(7704, "inspector", "110105001")  # bound, but imports nothing
    office = await harness.bind(7702, "office", "区安委会办公室")
    revoked = await harness.bind(7703, "office", "区安委会办公室")
    await revoked.say("/contacts_import")  # asked for the file while still in the office
    async with harness.core.uow() as u:
        await u.session.exec(delete(Membership).where(Membership.user_id == await _user_id(harness, 7703)))  # type: ignore[call-overload, arg-type]
        await u.commit()

    with peak_growth() as growth:
        for nobody, refusal in ((stranger, NOT_BOUND), (inspector, DENIED)):
            sent = await nobody.file(plan_data, "计划.xlsx", XLSX)
            assert not fetched(sent) and refusal in nobody.last_text(), (name, nobody.last_text())
        sent = await revoked.file(contacts_data, "附件4.xlsx", XLSX)
        assert not fetched(sent) and revoked.last_text() == DENIED, (name, revoked.last_text())

        sent = await office.file(plan_data, "计划.xlsx", XLSX)
        assert fetched(sent) and told in office.last_text(), (name, office.last_text())
        await office.say("/contacts_import")
        await office.file(contacts_data, "附件4.xlsx", XLSX)
        assert told in office.last_text(), (name, office.last_text())
    assert growth.mb < GROWTH_MB, f"{name}: the bot process grew by {growth.mb:.0f} MB"


async def _user_id(harness: Harness, telegram_id: int) -> int:
    actor = await harness.core.services.users.touch(telegram_address(telegram_id), "测试用户", "zh-hans")
    return actor.user_id


async def test_formula_cells_without_values_are_named_instead_of_importing_0_rows(
    harness: Harness, tmp_path: Path
) -> None:
    """Finding 10: a 附件2 ledger whose cells are formulas (never calculated) said "已导入 0 行"."""
    from bot.services.ledger_export import ExportFilter, export_hazards

    path = tmp_path / "h.xlsx"
    async with harness.core.uow() as u:
        await export_hazards(u.session, ExportFilter(), path)  # the annex headers, no rows
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for col in range(1, 27):
        sheet.cell(4, col, f'=CONCATENATE("{col}")')
    book.save(path)
    office = await harness.bind(7711, "office", "区安委会办公室")
    await office.file(path, "台账.xlsx", XLSX)
    text = office.last_text()
    assert "已导入" not in text and "是公式，但文件中没有保存计算结果（共 26 个）" in text, text
    assert f"{sheet.title}!A4、{sheet.title}!B4" in text, text


@pytest.mark.parametrize(("settings", "data"), [
    ({"sheet_worker_timeout_seconds": 0.1, "sheet_max_ratio": 100_000}, lambda: hs.text_bomb(64 * hs.MIB)),
    ({"sheet_worker_memory_mb": 256, "sheet_max_unpacked_mb": 600, "sheet_max_ratio": 100_000},
     lambda: hs.text_bomb(256 * hs.MIB)),
], ids=["timeout", "memory"])
async def test_a_parse_beyond_the_workers_time_or_memory_is_refused_in_words(
    settings: dict[str, object], data: Callable[[], bytes], database_url: str, tmp_path: Path
) -> None:
    """Within every bound of the file, but more than the worker may spend: the worker is stopped (timeout)
    or dies of its address-space bound (a 256 MB cell), and the user is told, not "系统出现问题". The next
    file gets a fresh worker."""
    from bot.clock import fixed_clock

    async with open_harness(database_url, tmp_path, clock=fixed_clock(TODAY), **settings) as h:
        office = await h.bind(7721, "office", "区安委会办公室")
        with peak_growth() as growth:
            await office.file(data(), "计划.xlsx", XLSX)
        assert TOO_HEAVY in office.last_text(), office.last_text()
        assert growth.mb < GROWTH_MB, f"the bot process grew by {growth.mb:.0f} MB"
        await office.file(hs.uncached_formulas(PLAN_FORMULAS), "计划.xlsx", XLSX)
        assert "Sheet!B4、Sheet!D4 是公式" in office.last_text(), office.last_text()


def test_the_command_line_import_is_bounded_too(database_url: str, tmp_path: Path) -> None:
    """``hazardbot import plans|contacts`` in a process of its own (capped at 2.5 GB of address space)."""
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(hs.dimension_bomb())
    commands = [f"--db {database_url} import {kind} {bomb}" for kind in ("plans", "contacts")]
    run = subprocess.run([sys.executable, "-c", PROBE, " :: ".join(commands)],
                         capture_output=True, text=True, timeout=300)
    said = run.stdout + run.stderr
    assert said.count("exit=1") == 2 and said.count("的内容延伸到第 1048576 行，一次最多导入") == 2, said[-2000:]
    growth = re.search(r"growth_mb=(\d+)", said)
    assert growth is not None and int(growth[1]) < GROWTH_MB, said[-2000:]


def test_the_parse_worker_loads_neither_aiogram_nor_sqlalchemy() -> None:
    """``import aiogram`` costs seconds and ~100 MB: the worker imports only what parsing needs."""
    probe = "import sys, bot.services.sheet_jobs, bot.services.sheet_parser, storage.untrusted_worker; print(sorted(m for m in " \
            "('aiogram', 'sqlalchemy', 'sqlmodel', 'pydantic', 'PIL') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out


async def test_a_spreadsheet_download_cut_mid_way_is_tried_again_then_named(
    harness: Harness, cut_downloads: Callable[[int], None]
) -> None:
    office = await harness.bind(7705, "office", "区安委会办公室")
    cut_downloads(media.ATTEMPTS - 1)
    await office.file(hs.not_a_workbook(), "计划.xlsx", XLSX)
    assert "该文件不是Excel工作簿" in office.last_text(), office.last_text()
    for start in ((), ("/contacts_import",)):
        for command in start:
            await office.say(command)
        cut_downloads(media.ATTEMPTS)
        await office.file(hs.not_a_workbook(), "附件4.xlsx", XLSX)
        assert office.last_text() == "文件下载失败，请重新发送。", office.last_text()
