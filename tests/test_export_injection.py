"""Formula injection (issue 14, finding 8): whatever people typed reaches every export as text a spreadsheet
never runs — the ledgers (附件1, 附件2), the plans (附件3: ``/export plans``, ``/plan_file``, remarks in merged
cells), the contacts (附件4) and the public's tip-offs (CSV) — on SQLite and PostgreSQL. Each file is opened
again with openpyxl: the cell is a string (``data_type`` ``s``, never ``f``), holds exactly what was typed,
and, looking like a formula, carries Excel's quote prefix so that editing it keeps it text."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from aiogram.methods import SendDocument
from aiogram.types import FSInputFile
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from bot.cli.tipoffs import export_csv
from bot.services.ledger_export import ExportFilter, export_hazards, export_inspections, export_plans
from storage.db import UowFactory
from storage.excel.cells import csv_cell, looks_like_formula
from storage.excel.contacts_export import export_contacts
from storage.models_plans import InspectionPlan, PlanArrangement
from storage.models_reminders import Contact
from tests.conftest import Harness
from tests.summary_ledger import hazard, inspection, sh, unit, user
from tests.tipoff_helpers import ADDRESS, report

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

LINK = '=HYPERLINK("http://x","y")'
# the family: every start a spreadsheet reads as a formula, full-width ones from a Chinese keyboard included
PAYLOADS = (LINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1", "＝HYPERLINK(\"http://x\")",
            "＋1", "－1", "＠SUM(1)", "  =1+1", "\u3000=1+1")


def test_every_formula_start_is_recognised_and_plain_text_is_left_alone() -> None:
    assert all(looks_like_formula(p) for p in PAYLOADS)
    for text in ("张三出租房", "13912345678", "010-65001234", "a=b", "", "  ", "电动车-充电"):
        assert not looks_like_formula(text), text
    assert csv_cell(LINK) == "'" + LINK and csv_cell("朝阳路1号") == "朝阳路1号" and csv_cell(3) == 3


def _cells_holding(path: Path | bytes, texts: set[str]) -> list[Cell]:
    book = load_workbook(io.BytesIO(path) if isinstance(path, bytes) else path)
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c, Cell) and c.value in texts]


def _assert_text(cells: list[Cell], texts: set[str]) -> None:
    assert {c.value for c in cells} == texts, [(c.coordinate, c.value, c.data_type) for c in cells]
    assert [(c.coordinate, c.value) for c in cells if c.data_type != "s"] == []  # "f": a formula
    assert [(c.coordinate, c.value) for c in cells if not c.quotePrefix] == []


async def test_the_annex_1_and_2_ledgers_write_typed_text_as_text(uow: UowFactory, tmp_path: Path) -> None:
    async with uow() as u:
        home, me = await unit(u.session, "110105001"), await user(u.session)
        u.session.add(hazard(home, me, state="registered", registered=sh(date(2019, 3, 1)), site_name=LINK,
                             description=PAYLOADS[1], address=PAYLOADS[2], person_in_charge=PAYLOADS[3],
                             measures=PAYLOADS[6], remarks=PAYLOADS[4]))
        u.session.add(inspection(home, me, date(2019, 3, 1), site_name=LINK, address=PAYLOADS[9], remarks=PAYLOADS[7]))
        await u.commit()
    hazards, inspections = tmp_path / "hazards.xlsx", tmp_path / "inspections.xlsx"
    async with uow() as u:
        assert await export_hazards(u.session, ExportFilter(), hazards) == 1
        assert await export_inspections(u.session, ExportFilter(), inspections) == 1
    typed = {LINK, PAYLOADS[1], PAYLOADS[2], PAYLOADS[3], PAYLOADS[6], PAYLOADS[4]}
    _assert_text(_cells_holding(hazards, typed), typed)
    typed = {LINK, PAYLOADS[9], PAYLOADS[7]}
    _assert_text(_cells_holding(inspections, typed), typed)


async def _plan(uow: UowFactory, code: str, year: int) -> None:
    async with uow() as u:
        home, me = await unit(u.session, code), await user(u.session, telegram_id=99)
        plan = InspectionPlan(unit_id=home.id, year=year, inspection_target=100, verification_ratio=Decimal("10"),
                              remarks=LINK, created_by=me.id)
        u.session.add(plan)
        await u.session.flush()
        u.session.add(PlanArrangement(plan_id=plan.id, position=1, schedule=PAYLOADS[8], participants=PAYLOADS[2],
                                      areas=PAYLOADS[3], key_content=PAYLOADS[10]))
        await u.commit()


async def test_plan_remarks_in_a_merged_cell_and_the_arrangements_stay_text(uow: UowFactory, tmp_path: Path) -> None:
    await _plan(uow, "110105001", 2019)
    path = tmp_path / "plans.xlsx"
    async with uow() as u:
        assert await export_plans(u.session, path, 2019) == 1
    typed = {LINK, PAYLOADS[8], PAYLOADS[2], PAYLOADS[3], PAYLOADS[10]}
    _assert_text(_cells_holding(path, typed), typed)


async def test_contact_names_and_titles_stay_text(uow: UowFactory, tmp_path: Path) -> None:
    async with uow() as u:
        home = await unit(u.session, "110105001")
        u.session.add(Contact(unit_id=home.id, role="contact", name=LINK, title=PAYLOADS[11], mobile="13901234567"))
        await u.commit()
    path = tmp_path / "contacts.xlsx"
    async with uow() as u:
        assert await export_contacts(u.session, path) == 1
    _assert_text(_cells_holding(path, {LINK, PAYLOADS[11]}), {LINK, PAYLOADS[11]})


async def test_export_plans_and_plan_file_in_the_bot(harness: Harness) -> None:
    await _plan(harness.core.uow, "110105001", 2018)  # the harness's today is 2018-10-15
    reviewer = await harness.bind(7701, "reviewer", "建外街道")
    office = await harness.bind(7702, "office", "区安委会办公室")
    files: list[bytes] = []

    def keep(method: object) -> None:  # the bot deletes its temporary file once it is sent
        if isinstance(method, SendDocument) and isinstance(method.document, FSInputFile):
            files.append(Path(method.document.path).read_bytes())

    harness.session.on_request = keep
    for chat, command in ((office, "/export plans"), (reviewer, "/plan_file")):
        await chat.say(command)
    assert len(files) == 2
    typed = {LINK, PAYLOADS[8], PAYLOADS[2], PAYLOADS[3], PAYLOADS[10]}
    for data in files:
        _assert_text(_cells_holding(data, typed), typed)


@pytest.mark.parametrize("payload", [LINK, "@SUM(1,2)", "－1+2"])
async def test_the_tipoff_csv_neutralises_what_the_public_typed(
    harness: Harness, tmp_path: Path, payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = harness.chat(880_009, "举报人")
    await report(reporter, description=payload + " 楼道里堆满杂物，电动车在充电", address=payload + ADDRESS)
    out = tmp_path / "tipoffs.csv"
    assert await export_csv(argparse.Namespace(out=out), harness.core.settings) == 0
    assert f"已将 1 条群众举报写入 {out}" in capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0]["举报内容"] == "'" + payload + " 楼道里堆满杂物，电动车在充电"
    assert rows[0]["地址"] == "'" + payload + ADDRESS
    assert not any(looks_like_formula(v) for row in rows for v in row.values())
