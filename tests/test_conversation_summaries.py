"""/status, drill-down buttons, /rank, /map, /export and ledger files through the real dispatcher,
on the hand-built ledger of ``test_summary`` (clock frozen at 2019-06-12 10:00 Asia/Shanghai)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.methods import SendChatAction, SendDocument, SendPhoto
from openpyxl import load_workbook
from sqlmodel import select

from bot.clock import fixed_clock
from bot.services.ledger_export import ExportFilter, export_hazards
from handlers.callbacks import ReportCb
from storage.models import Unit
from tests.chat_helpers import last_told
from tests.conftest import Harness, open_harness
from tests.test_excel import _wipe
from tests.test_summary import NOW, build


@pytest.fixture
async def h(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(NOW)) as harness:
        await build(harness.core.uow)
        yield harness


async def test_office_status_has_chart_numbers_and_drill_down(h: Harness) -> None:
    office = await h.bind(501, "office", "区安委会办公室")
    sent = await office.say("/status")
    assert not any(isinstance(m, SendChatAction) for m in sent)  # no "uploading photo" first (84ae12d)
    assert len([m for m in sent if isinstance(m, SendPhoto)]) == 1
    text = office.last_text()
    assert "全区城市安全隐患治理情况" in text and "超期 2 项" in text and "整改率 37.5%（3/8）" in text
    assert "计划完成率 40.0%（6/15）" in text and "核查比例 33.3%（1/3），计划不低于 20%" in text
    assert "挂牌督办：2" in text
    assert "未报送2019-05工作信息的单位：1 个（朝外街道）" in text and "尚未开始的单位（尚无任何记录或报送）：77 个" in text  # the units with duties
    await office.press("超期清单")
    assert "全区超期隐患：2 项" in office.last_text()
    await office.say("/status")
    await office.press("朝外街道")
    assert "朝外街道城市安全隐患治理情况" in office.last_text() and "超期 1 项" in office.last_text()
    await office.press("重大隐患清单")
    assert "朝外街道在账重大隐患：1 项" in office.last_text()


async def test_a_unit_leader_sees_only_the_unit_even_with_a_forged_button(h: Harness) -> None:
    leader = await h.bind(502, "leader", "朝外街道")
    await leader.say("/status")
    assert "朝外街道城市安全隐患治理情况" in leader.last_text()
    async with h.core.uow() as u:
        other = (await u.session.exec(select(Unit.id).where(Unit.code == "110105001"))).one()
    message = leader.buttons()[0].message
    await leader._feed(h.factory.callback(leader.user, message, ReportCb(k="u", u=other).pack()))
    assert last_told(leader).startswith("您只能查看本单位（朝外街道）的情况"), last_told(leader)
    inspector = await h.bind(503, "inspector", "朝外街道")
    await inspector.say("/status")
    assert inspector.last_text() == "您的角色无权进行此操作。"


async def test_rank_map_and_export(h: Harness, tmp_path: Path) -> None:
    office = await h.bind(504, "office", "区安委会办公室")
    await office.say("/rank")
    lines = office.last_text().splitlines()
    assert "周通报" in lines[0] and lines[1].startswith("1. 建外街道") and lines[2].startswith("2. 朝外街道")
    sent = await office.say("/map")
    photo = next(m for m in sent if isinstance(m, SendPhoto))
    assert "2 项超期隐患没有位置" in (photo.caption or "")  # the hand-built ledger has no coordinates
    sent = await office.say("/export hazards")
    doc = next(m for m in sent if isinstance(m, SendDocument))
    assert doc.document.filename.startswith("安全隐患台账-20190612") and "共 10 行" in (doc.caption or "")


async def test_office_imports_a_ledger_file_and_gets_a_bad_row_report(h: Harness, tmp_path: Path) -> None:
    office = await h.bind(505, "office", "区安委会办公室")
    good = tmp_path / "h.xlsx"
    async with h.core.uow() as u:
        await export_hazards(u.session, ExportFilter(), good)
    await _wipe(h.core.uow)
    wb = load_workbook(good)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=4):
        if row[24].value == "是":  # the hand-built closed hazards skipped re-inspection; 销账 needs 复查合格
            row[22].value, row[23].value = "2019-06-01", "复查合格"
    wb.save(good)
    ws["H4"] = "123"
    wb.save(tmp_path / "bad.xlsx")
    await office.file(tmp_path / "bad.xlsx", "台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "共 10 行，其中 1 行有问题" in office.last_text() and "第4行 联系电话" in office.last_text()
    await office.press("全部不导入")
    assert office.last_text() == "未导入任何行。请改正上面列出的行后重新发送。"
    await office.file(good, "台账.xlsx", None)
    assert office.last_text() == "已导入 10 行，均为新增。"
    await office.file(good, "台账.xlsx", None)
    # the same file again: nothing new, and the office is told the stored rows were not updated from it
    assert office.last_text() == ("没有导入新数据：这 10 行此前都已在台账中，已跳过；台账中的记录保持原样，"
                                  "未按本文件更新。")
    leader = await h.bind(506, "leader", "朝外街道")
    await leader.file(good, "台账.xlsx", None)
    assert leader.last_text() == "您的角色无权进行此操作。"


async def test_a_reviewer_gets_the_plan_template_and_files_it_by_sending_it_back(h: Harness, tmp_path: Path) -> None:
    from bot.services.ledger_export import write_plan_template

    reviewer = await h.bind(507, "reviewer", "朝外街道")
    sent = await reviewer.say("/plan_file")
    doc = next(m for m in sent if isinstance(m, SendDocument))
    assert doc.document.filename == "朝外街道2019年度监督检查计划.xlsx" and "报送期限：2019-03-31" in (doc.caption or "")
    path = tmp_path / "plan.xlsx"
    write_plan_template(path, "朝外街道", 2019)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    ws["B4"], ws["D4"] = 20, 30
    ws["B6"], ws["C6"], ws["D6"], ws["E6"] = "每月", "安全科", "辖区商户", "消防"
    wb.save(path)
    await reviewer.file(path, "计划.xlsx", None)
    assert reviewer.last_text() == "已报备计划 1 份。/status 将按计划统计完成情况。"
    leader = await h.bind(508, "leader", "朝外街道")
    await leader.say("/status")
    assert "计划完成率 10.0%（2/20）" in leader.last_text()  # the new plan replaces B's 5 家次 target
    other = await h.bind(509, "reviewer", "建外街道")
    await other.file(path, "计划.xlsx", None)
    assert other.last_text() == "您的角色无权进行此操作。"


async def test_a_rate_without_a_base_says_why_instead_of_x_over_0(h: Harness) -> None:
    leader = await h.bind(510, "leader", "110105003")  # no plan, nothing registered or closed there
    await leader.say("/status")
    text = leader.last_text()
    assert "计划完成率 —（未报计划）" in text and "整改率 —（尚无挂账隐患）" in text, text
    assert "核查比例 —（尚无销账隐患）" in text and "/0）" not in text


async def test_export_takes_the_chinese_words_and_help_shows_them(h: Harness) -> None:
    office = await h.bind(9302, "office", "区安委会办公室")
    for word, name in (("隐患", "安全隐患台账"), ("附件2", "安全隐患台账"), ("检查", ""), ("附件１", "")):
        sent = await office.say(f"/export {word}")
        doc = next(m for m in sent if isinstance(m, SendDocument))
        assert doc.document.filename.startswith(name), (word, doc.document.filename)
    sent = await office.say("/export 检查")
    inspections = next(m for m in sent if isinstance(m, SendDocument)).document.filename
    assert not inspections.startswith("安全隐患台账")
    await office.say("/export 别的")
    assert office.last_text() == "用法：/export 隐患（附件2）| 检查（附件1）| 计划（附件3）| 联系人（附件4）"
    await office.say("/help")
    assert "/export [隐患|检查|计划|联系人]" in office.last_text() and "hazards|" not in office.last_text()


async def test_rank_of_a_unit_gives_its_line(h: Harness) -> None:
    office = await h.bind(9303, "office", "区安委会办公室")
    await office.say("/rank 建外")
    lines = office.last_text().splitlines()
    assert len(lines) == 3 and lines[1].startswith("1. 建外街道") and lines[2].startswith("在 "), lines
    await office.say("/rank 全区")
    assert office.last_text().splitlines()[1].startswith("1. 建外街道")
    await office.say("/rank 火星街道")
    assert "火星街道" in office.last_text() and "1. 建外街道" not in office.last_text()


async def test_rank_of_a_unit_not_placed_says_so_instead_of_a_place(h: Harness) -> None:
    office = await h.bind(9305, "office", "区安委会办公室")
    await office.say("/rank 和平街街道")  # owes reports, has recorded nothing: listed, not placed
    lines = office.last_text().splitlines()
    assert len(lines) == 3 and lines[1].startswith("和平街街道") and lines[2].startswith("未排名："), lines


async def test_the_find_export_caption_joins_chinese_sentences_without_a_space(h: Harness) -> None:
    office = await h.bind(9304, "office", "区安委会办公室")
    sent = await office.say("/find 建外街道 xlsx")
    caption = next(m for m in sent if isinstance(m, SendDocument)).caption or ""
    assert "。 " not in caption and "， " not in caption, caption
