"""Old 附件2 ledgers come in (issue 16 item 7) at the driver's pace (issue 19 item 2): a real-shaped ledger
with every variant imports with its normalisations listed; with bad rows the office chooses the good rows or
nothing (two buttons in the bot, ``--good-rows`` on the command line); the progress message is edited a
bounded number of times. Through the dispatcher and the CLI, on SQLite and PostgreSQL (clock 2018-10-15)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiogram.methods import EditMessageText, SendMessage
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli import main
from bot.forms.checks import parse_any_phone, parse_phone
from bot.services.ledger_export import ExportFilter, export_hazards
from handlers import ledger_upload
from storage.models import Hazard, HazardEvent
from tests.conftest import Harness
from tests.old_ledgers import bad_rows, base_row, variant_rows, write_ledger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BIG_ROWS = 3000


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 000 good rows over ten registration days (made once for the module)."""
    days = [f"201803{d:02d}" for d in range(1, 11)]
    rows = [base_row(i // len(days) + 1, day=days[i % len(days)]) for i in range(BIG_ROWS)]
    return write_ledger(tmp_path_factory.mktemp("big") / "big.xlsx", rows)


async def _hazards(h: Harness) -> dict[str, Hazard]:
    async with h.core.uow() as u:
        return {x.ledger_number: x for x in (await u.session.exec(select(Hazard))).all()}


def test_service_numbers_are_never_read_as_beijing_landlines() -> None:
    assert parse_phone("400-810-1234") == "400-810-1234" == parse_any_phone("400-810-1234")
    assert parse_any_phone("4008101234") == "400-810-1234" and parse_any_phone("800 810 1234") == "800-810-1234"
    assert parse_any_phone("0571-88881234") == "0571-88881234" and parse_any_phone("021 6500 1234") == "021-65001234"


async def test_an_old_ledger_with_every_variant_imports_with_its_normalisations_listed(harness: Harness,
                                                                                       tmp_path: Path) -> None:
    office = await harness.bind(601, "office", "区安委会办公室")
    path = write_ledger(tmp_path / "old.xlsx", variant_rows())
    await office.file(path, "朝外街道台账.xlsx", XLSX)
    text = office.last_text()
    assert text.startswith("已导入 12 行，均为新增。")
    for line in ("第4行 隐患类型：「重点消防」→「重点消防：其他」", "第5行 整改时限：「长期」→「无期限（不计超期）」",
                 "第6行 隐患来源：「群众举报」→「举报」", "第7行 隐患销账情况：「（空）」→「否」",
                 "第8行 联系电话：「（空）」→「（空，旧隐患）」", "第11行 整改时限：「２０１８.１２.３１」→「2018-12-31」",
                 "第11行 经营人员和使用人员数：「１２」→「12」", "第12行 上账时间：「2018.3.7」→「2018-03-07」",
                 "第13行 上账时间：「2018年3月8日」→「2018-03-08」", "第14行 所属街乡：「朝外街道 」→「朝外街道」",
                 "第15行 联系电话：「4008101234」→「400-810-1234」", "第15行 隐患级别：「重大」→「重大隐患」"):
        assert line in text, line
    assert "第9行" not in text and "第10行" not in text  # 400-810-1234 and 0571-88881234 stay as they are
    got = await _hazards(harness)
    n = {row["ledger_number"]: row for row in variant_rows()}
    first = list(n)
    assert (got[first[0]].category, got[first[0]].subtype) == ("重点消防", "其他")
    assert got[first[1]].deadline is None and got[first[2]].source == "举报" and got[first[3]].state == "registered"
    assert got[first[4]].phone == "" and got[first[5]].phone == "400-810-1234" and got[first[6]].phone == "0571-88881234"
    assert got[first[7]].deadline == date(2018, 12, 31) and got[first[7]].occupant_count == 12
    assert got[first[10]].township == "朝外街道" and got[first[10]].site_name == "某饭店"
    assert got[first[11]].phone == "400-810-1234" and got[first[11]].level == "重大隐患"
    async with harness.core.uow() as u:
        events = (await u.session.exec(select(HazardEvent.action))).all()
    assert events == ["import"] * 12
    exported = tmp_path / "back.xlsx"  # the export writes 长期 back, so the ledger goes round unchanged
    async with harness.core.uow() as u:
        await export_hazards(u.session, ExportFilter(), exported)
    assert "长期" in [c.value for c in load_workbook(exported).worksheets[0]["V"]]
    await office.file(exported, "back.xlsx", XLSX)
    assert office.last_text().startswith("没有导入新数据：这 12 行此前都已在台账中，已跳过")


async def _send_mixed(harness: Harness, tmp_path: Path, user: int) -> tuple[object, list[str]]:
    office = await harness.bind(user, "office", "区安委会办公室")
    good = variant_rows()
    path = write_ledger(tmp_path / "mixed.xlsx", good[:3] + bad_rows() + good[3:])
    await office.file(path, "台账.xlsx", XLSX)
    text = office.last_text()
    assert "共 15 行，其中 3 行有问题" in text
    for line in ("第7行 联系电话：应为手机号、固定电话（外地须带区号）或400/800电话", "第8行 隐患级别：应为以下之一",
                 "第9行 联系电话：必填"):
        assert line in text, line
    assert [b.text for b in office.buttons()] == ["导入正确的 12 行", "全部不导入"]
    return office, [row["ledger_number"] for row in good]


async def test_good_rows_mode_imports_exactly_the_good_rows_and_lists_the_bad(harness: Harness, tmp_path: Path) -> None:
    office, good = await _send_mixed(harness, tmp_path, 602)
    assert await _hazards(harness) == {}  # nothing before the choice
    button = office.buttons()[0]
    await office.press("导入正确的")  # type: ignore[attr-defined]
    text = office.last_text()  # type: ignore[attr-defined]
    assert text.startswith("已导入 12 行，均为新增。\n以下 3 行有问题，未导入：")
    assert "第8行 隐患级别" in text
    assert sorted(await _hazards(harness)) == sorted(good)
    await office.press_button(button)  # type: ignore[attr-defined]  # a second press finds nothing waiting
    assert office.last_text() == "该文件已处理过，或已等待超过一小时。请重新发送。"  # type: ignore[attr-defined]
    assert len(await _hazards(harness)) == 12


async def test_nothing_mode_imports_nothing(harness: Harness, tmp_path: Path) -> None:
    office, _good = await _send_mixed(harness, tmp_path, 603)
    other = await harness.bind(604, "office", "区安委会办公室")
    sent = await other.press_button(office.buttons()[0])  # type: ignore[attr-defined]  # only the sender answers
    assert "您的角色无权进行此操作。" in [getattr(m, "text", None) for m in sent]
    await office.press("全部不导入")  # type: ignore[attr-defined]
    assert office.last_text() == "未导入任何行。请改正上面列出的行后重新发送。"  # type: ignore[attr-defined]
    assert await _hazards(harness) == {}


async def test_the_command_line_imports_all_or_nothing_or_with_good_rows_the_good_ones(
    harness: Harness, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = variant_rows()
    path = write_ledger(tmp_path / "mixed.xlsx", good + bad_rows())
    db = ["--db", database_url]
    assert await asyncio.to_thread(main, [*db, "import", "hazards", str(path)]) == 1
    err = capsys.readouterr().err
    assert "第16行 联系电话：应为手机号、固定电话（外地须带区号）或400/800电话" in err and "处错误，未导入任何行" in err
    assert "第4行 隐患类型：「重点消防」→「重点消防：其他」" in err
    assert await _hazards(harness) == {}
    assert await asyncio.to_thread(main, [*db, "import", "hazards", str(path), "--good-rows"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "已导入 12 行，均为新增。" and "第17行 隐患级别" in err and "处错误，3 行未导入（见上）" in err
    assert "[##############################] 12/12 行 (100%)" in err
    got = await _hazards(harness)
    assert sorted(got) == sorted(r["ledger_number"] for r in good) and got[good[5]["ledger_number"]].phone == "400-810-1234"
    assert await asyncio.to_thread(main, [*db, "import", "plans", str(path), "--good-rows"]) == 2


async def test_the_progress_message_is_edited_a_bounded_number_of_times(
    harness: Harness, big_ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = itertools.count()
    monkeypatch.setattr(ledger_upload, "time", SimpleNamespace(monotonic=lambda: float(next(ticks))))  # 1 s a call
    office = await harness.bind(605, "office", "区安委会办公室")
    sent = await office.file(big_ledger, "big.xlsx", XLSX)
    assert office.last_text() == f"已导入 {BIG_ROWS} 行，均为新增。"
    progress = [m for m in sent if isinstance(m, SendMessage) and m.text.startswith(("已处理", "正在保存"))]
    edits = [m for m in sent if isinstance(m, EditMessageText)]
    assert len(progress) == 1  # one message, then edits
    reports = BIG_ROWS // 1000 * 2 + 1  # at most: a check report per 1 000 rows (and the last), a save per batch
    # at most one edit per PROGRESS_EDIT_SECONDS (3 ticks), and the last batch saved always shown: at least one
    # edit however fast the check ran (then it reported nothing)
    assert 1 <= len(edits) <= reports // 3 + 1
    assert edits[-1].text == f"正在保存：{BIG_ROWS}/{BIG_ROWS} 行……"
    assert len(await _hazards(harness)) == BIG_ROWS


async def test_impossible_deadlines_and_a_reinspection_before_registration_are_refused_by_row(
        harness: Harness, tmp_path: Path) -> None:
    """A 整改时限 of 9999-12-31 would never be overdue, one of 1999 (before the campaign's first year and the row's
    上账 year) is a slip, as is a 复查时间 before 上账时间: each row refused by number (clock 2018-10-15, campaign
    from 2018: deadlines from 2018-01-01, or the row's own 上账 year, to 2021-10-15). A past deadline within those
    bounds is kept, even one before 上账时间 (挂账 after the deadline passed: the bot's own export has such rows), and
    an old ledger's row of 2017 keeps its 2017 deadline."""
    office = await harness.bind(606, "office", "区安委会办公室")
    rows = [base_row(31, deadline="9999-12-31"), base_row(32, deadline="1999-01-01"),
            base_row(33, day="20170601", registered_on="2017-06-01", deadline="2017-12-31"),
            base_row(38, day="20170601", registered_on="2017-06-01", deadline="2016-12-31"),
            base_row(34, reinspected_on="2018-02-01", reinspection_result="复查不合格"),
            base_row(35, deadline="2018-05-31"), base_row(36, deadline="2021-10-15"),
            base_row(37, day="20180601", registered_on="2018-06-01", deadline="2018-05-31")]
    await office.file(write_ledger(tmp_path / "dates.xlsx", rows), "台账.xlsx", XLSX)
    text = office.last_text()
    assert "共 8 行，其中 4 行有问题" in text, text
    for line in ("第4行 整改时限：9999-12-31 过晚：最晚为 2021-10-15", "第5行 整改时限：1999-01-01 过早：不能早于 2018-01-01",
                 "第7行 整改时限：2016-12-31 过早：不能早于 2017-01-01", "第8行 复查时间：2018-02-01 早于上账时间 2018-03-01"):
        assert line in text, (line, text)
    assert "第6行" not in text, text
    await office.press("导入正确的 4 行")
    got = await _hazards(harness)
    assert {n: h.deadline for n, h in got.items()} == {
        rows[2]["ledger_number"]: date(2017, 12, 31), rows[5]["ledger_number"]: date(2018, 5, 31),
        rows[6]["ledger_number"]: date(2021, 10, 15), rows[7]["ledger_number"]: date(2018, 5, 31)}


async def test_a_repeat_import_says_the_rows_already_there_were_skipped_not_updated(
        harness: Harness, tmp_path: Path) -> None:
    office = await harness.bind(607, "office", "区安委会办公室")
    first = [base_row(41), base_row(42)]
    await office.file(write_ledger(tmp_path / "first.xlsx", first), "台账.xlsx", XLSX)
    assert office.last_text() == "已导入 2 行，均为新增。"
    again = [base_row(41, site_name="改过的名称"), base_row(42), base_row(43)]
    await office.file(write_ledger(tmp_path / "again.xlsx", again), "台账.xlsx", XLSX)
    assert office.last_text() == ("已导入 1 行新数据。另有 2 行此前已在台账中，已跳过：台账中的记录保持原样，"
                                  "未按本文件更新。"), office.last_text()
    got = await _hazards(harness)
    assert len(got) == 3 and got[first[0]["ledger_number"]].site_name == "某小区41号楼"  # what the message says


async def test_a_date_cell_that_lost_its_format_is_read_as_the_day_its_serial_number_names(
        harness: Harness, tmp_path: Path) -> None:
    """An old ledger's date column copied as numbers holds Excel's serial numbers (43160 is 2018-03-01): read as
    that day and listed as a normalisation; a number outside 2000–2099 is still no date."""
    office = await harness.bind(608, "office", "区安委会办公室")
    rows = [base_row(51, registered_on=43160, deadline=43465.0), base_row(52, deadline=12)]
    await office.file(write_ledger(tmp_path / "serials.xlsx", rows), "台账.xlsx", XLSX)
    text = office.last_text()
    assert "第4行 上账时间：「43160」→「2018-03-01」" in text and "第4行 整改时限：「43465」→「2018-12-31」" in text, text
    assert "第5行 整改时限" in text and "第5行 整改时限：「12」→" not in text, text
    await office.press("导入正确的 1 行")
    got = await _hazards(harness)
    number = rows[0]["ledger_number"]
    assert list(got) == [number] and got[number].deadline == date(2018, 12, 31)
    assert got[number].registered_at is not None
