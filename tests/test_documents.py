"""The printed documents of a hazard walked through its life cycle, on SQLite and PostgreSQL: the
一患一案 case file (PDF) and the notices (Word) are read back with their own readers, and every fact of the
hazard's history is found on paper."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import col, select

from bot.clock import fixed_clock
from bot.documents.views import NoticeKind
from bot.domain import PhotoStage
from bot.services.deadlines import DeadlineService, submit_extension_request
from bot.services.documents import DocumentService, NoticeNotApplicable
from bot.services.errors import NotFound, PermissionDenied
from bot.services.evidence import EvidenceService
from bot.services.find import FindService
from bot.services.lifecycle import FiveImplementations
from bot.services.lifecycle_service import Document, LifecycleService
from bot.services.supervision import submit_supervision
from bot.services.watermark import WatermarkInfo
from storage.db import UowFactory
from storage.models import Draft, HazardEvent, Inspection, InspectionHazard, Photo
from storage.photo_store import FileSystemPhotoStore
from tests.document_reading import docx_text, pdf_pages, render_pages, squeeze
from tests.lifecycle_factories import NOW, TODAY, Cast, cast, hazard, unit_id

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently


class _NoForms:
    """The deadline service's form opener, never used here: the walk submits what the forms would."""

    async def start(self, *args: object, **kwargs: object) -> object:
        raise AssertionError("no form is opened in this walk")


NOTES = {"approve": "情况属实", "supervise": "重大隐患，区安委会挂牌", "fail": "灭火器未到位",
         "close": "整改到位，同意销账"}


async def _photo(uow: UowFactory, store: FileSystemPhotoStore, evidence: EvidenceService, owner: int,
                 source: Path) -> int:
    data = source.read_bytes()
    sha, key = await store.put(data)
    async with uow() as u:
        p = Photo(sha256=sha, storage_key=key, size=len(data), stage=PhotoStage.ACCEPTANCE.value, user_id=owner)
        u.session.add(p)
        await u.session.flush()
        await evidence.record(u.session, p, WatermarkInfo(received_at=NOW, stage=p.stage, unit_name="建外街道"))
        await u.commit()
        assert p.id is not None
        return p.id


async def _walk(uow: UowFactory, tmp_path: Path, photos_dir: Path) -> tuple[Cast, int, DocumentService, list[bytes]]:
    """A hazard through review, registration, supervision, notices, a failed and a passed re-inspection
    and closure; returns the documents issued along the way."""
    c = await cast(uow)
    clock = fixed_clock(NOW)
    store = FileSystemPhotoStore(tmp_path / "photos")
    evidence = EvidenceService(uow, store, clock)
    life = LifecycleService(uow, clock, "110105", evidence)
    docs = DocumentService(uow, store, clock, FindService(uow, clock))
    hid = await hazard(uow, c.inspector, site_name="张XX出租房")
    async with uow() as u:  # the inspection that found it (附件1)
        home = await unit_id(uow, "110105001")
        insp = Inspection(number="J202603090001", unit_id=home, inspected_on=date(2026, 3, 9), inspecting_unit="建外街道",
                          inspection_type="日常检查", inspector_count=2, site_name="张XX出租房", district="朝阳区",
                          township="建外街道", address="建国门外大街1号", penalty_type="责令整改",
                          created_by=c.inspector.user_id)
        u.session.add(insp)
        await u.session.flush()
        u.session.add(InspectionHazard(inspection_id=insp.id, hazard_id=hid))  # type: ignore[arg-type]
        await u.commit()
    issued = []
    await life.approve(c.reviewer, hid, note=NOTES["approve"])
    await life.register(c.office, hid)
    async with uow() as u:  # 挂牌督办 as its form submits it (方案 五(五)): level, requirement, deadline, responsible
        await submit_supervision(u.session, c.office, Draft(user_id=c.office.user_id, form="supervision",
                                                             context={"hazard_id": hid}),
                                 {"level": "区安委会", "requirement": NOTES["supervise"], "deadline": "2026-04-20",
                                  "responsible": "刘主任"}, NOW)
        await u.commit()
    async with uow() as u:  # the unit asks to move the deadline (方案 四(三)); the office approves it below
        asked, _told = await submit_extension_request(
            u.session, c.inspector, Draft(user_id=c.inspector.user_id, form="deadline_extension",
                                          context={"hazard_id": hid}),
            {"new_deadline": "2026-05-15", "reason": "雨季施工受阻"}, NOW)
        await u.commit()
    await DeadlineService(uow, clock, _NoForms()).approve(c.office, asked.record_id)
    issued.append((await docs.notice(c.inspector, hid, NoticeKind.RECTIFICATION)).data)
    issued.append((await docs.notice(c.office, hid, NoticeKind.SUPERVISION)).data)
    photo = await _photo(uow, store, evidence, c.inspector.user_id, photos_dir / "landscape_1.jpg")
    await life.report_rectification(c.inspector, hid, FiveImplementations("房东张三", None, Decimal("0.8"), None, "专人值守"),
                                    photo_ids=[photo])
    await life.reinspect(c.inspector2, hid, TODAY, passed=False, new_deadline=date(2026, 5, 31), note=NOTES["fail"])
    await life.report_rectification(c.inspector, hid, FiveImplementations(), document=Document("验收报告.pdf", legacy_ref="file-1"))
    on_site = await _photo(uow, store, evidence, c.inspector2.user_id, photos_dir / "landscape_2.jpg")
    await life.reinspect(c.inspector2, hid, TODAY, passed=True, photo_ids=[on_site])
    issued.append((await docs.notice(c.inspector2, hid, NoticeKind.REINSPECTION)).data)
    await life.close(c.office, hid, note=NOTES["close"])
    return c, hid, docs, issued


async def test_the_case_file_holds_every_fact_of_the_hazards_history(uow: UowFactory, tmp_path: Path,
                                                                      photos_dir: Path) -> None:
    c, hid, docs, _issued = await _walk(uow, tmp_path, photos_dir)
    pdf = await docs.case_file(c.contact, hid)  # a contact reads the hazards of their unit
    assert pdf.filename.startswith("一患一案-110105001") and pdf.mime == "application/pdf"
    pages = pdf_pages(pdf.data)
    text = "".join(pages)
    for n, page in enumerate(pages, 1):  # every page: unit, print date, page number of the total
        assert "建外街道" in page and "打印日期：2026-03-10" in page and f"第{n}页/共{len(pages)}页" in page, n
    # the 附件2 record
    for fact in ("张XX出租房", "电动自行车楼道内充电", "重点消防：村民宅基地出租房屋", "13800000000", "一般隐患", "已销账"):
        assert fact in text, fact
    # every event: what, who, why, and when (Asia/Shanghai)
    async with uow() as u:
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid)
                                       .order_by(col(HazardEvent.id)))).all()
    assert len(events) == 14
    for label in ("提交", "单位审核通过", "确认挂账", "挂牌督办", "申请延期", "出具文书", "报告整改（验收）", "复查不合格",
                  "复查合格", "销账"):
        assert label in text, label
    for who in ("李检查", "王审核", "张办公室", "赵复查"):
        assert who in text, who
    for note in NOTES.values():
        assert squeeze(note) in text, note
    assert "2026-03-1010:00" in text  # the events' time in Beijing
    # five implementations, deadlines and where they came from, supervision, notices, attachments, photos
    # the extension: old and new date, why, who asked, who approved; the supervision's substance
    for fact in ("2026-05-15", "雨季施工受阻", "2026-04-20", "刘主任"):
        assert fact in text, fact
    for fact in ("房东张三", "专人值守", "0.8", "2026-04-30", "2026-05-31", "区安委会", "朝隐整〔2026〕1号",
                 "朝隐督〔2026〕1号", "朝隐复〔2026〕1号", "验收报告.pdf", "J202603090001", "日常检查", "图1验收"):
        assert fact in text, fact
    assert "照片1张" in text  # the rectification event names its photo


async def test_the_case_file_pages_render_and_show_the_photo(uow: UowFactory, tmp_path: Path, photos_dir: Path) -> None:
    c, hid, docs, _issued = await _walk(uow, tmp_path, photos_dir)
    pdf = await docs.case_file(c.office, hid)
    pngs = render_pages(pdf.data, tmp_path)
    assert len(pngs) == len(pdf_pages(pdf.data)) >= 2
    last = Image.open(pngs[-1]).convert("L")
    # the photo page is not blank: a photo has many distinct grey levels, text pages few
    assert sum(1 for n in last.histogram() if n) > 64


async def test_the_notices_carry_the_hazard_the_requirement_and_the_issuer(uow: UowFactory, tmp_path: Path,
                                                                           photos_dir: Path) -> None:
    c, hid, docs, (rectification, supervision, reinspection) = await _walk(uow, tmp_path, photos_dir)
    text = docx_text(rectification)  # issued after the extension: the approved deadline
    for fact in ("建外街道", "隐患整改通知书", "朝隐整〔2026〕1号", "张XX出租房（负责人：张三）", "电动自行车楼道内充电",
                 "清理堆物，增设灭火器", "2026-05-15", "《中华人民共和国安全生产法》", "（盖章）", "二〇二六年三月十日",
                 "回  执", "签收人"):
        assert fact in text, fact
    text = docx_text(supervision)
    for fact in ("区安委会办公室", "挂牌督办通知书", "朝隐督〔2026〕1号", "督办级别 | 区安委会", "督办期限 | 2026-04-20",
                 "责任人 | 刘主任", "督办要求 | " + NOTES["supervise"]):
        assert fact in text, fact
    text = docx_text(reinspection)
    for fact in ("复查/验收记录", "复查（验收）人员 | 赵复查", "复查（验收）结果 | 复查合格", "验收材料《验收报告.pdf》"):
        assert fact in text, fact
    assert re.search(r"1\. 复查照片 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text), text  # the re-inspection's photo, when received
    async with uow() as u:
        notices = (await u.session.exec(select(HazardEvent.data).where(
            HazardEvent.hazard_id == hid, HazardEvent.action == "issue_notice").order_by(col(HazardEvent.id)))).all()
    assert [n["number"] for n in notices] == ["朝隐整〔2026〕1号", "朝隐督〔2026〕1号", "朝隐复〔2026〕1号"]


async def test_a_notice_that_does_not_fit_is_refused_and_recorded_nowhere(uow: UowFactory, tmp_path: Path) -> None:
    c = await cast(uow)
    clock = fixed_clock(NOW)
    docs = DocumentService(uow, FileSystemPhotoStore(tmp_path), clock, FindService(uow, clock))
    hid = await hazard(uow, c.inspector)  # pending review
    with pytest.raises(NoticeNotApplicable):
        await docs.notice(c.inspector, hid, NoticeKind.RECTIFICATION)
    with pytest.raises(PermissionDenied):
        await docs.notice(c.inspector, hid, NoticeKind.SUPERVISION)  # the office's
    with pytest.raises(NoticeNotApplicable):
        await docs.notice(c.office, hid, NoticeKind.SUPERVISION)  # not supervised
    other = await hazard(uow, c.inspector, unit="110105002")
    with pytest.raises(NotFound):
        await docs.case_file(c.contact, other)  # out of the contact's scope
    async with uow() as u:
        assert (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "issue_notice"))).all() == []
    pdf = await docs.case_file(c.reviewer, hid)  # a hazard still in review: "—" where facts are missing
    text = "".join(pdf_pages(pdf.data))
    assert "台账编号—" in text and "D001" in text


async def test_the_case_file_and_gcj02_geojson_from_the_command_line(
    uow: UowFactory, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    import json

    from bot.cli import main
    from bot.domain import HazardState
    from bot.geo import gcj02_to_wgs84, wgs84_to_gcj02
    from storage.models import Hazard

    c = await cast(uow)
    hid = await hazard(uow, c.inspector, state=HazardState.REGISTERED, site_name="命令行仓库")
    async with uow() as u:
        h = await u.session.get(Hazard, hid)
        assert h is not None and h.ledger_number
        number = h.ledger_number
        h.longitude, h.latitude = 116.4551, 39.9087
        u.session.add(h)
        await u.commit()
    await hazard(uow, c.inspector, state=HazardState.REGISTERED)  # no pin: counted, not drawn
    db = ["--db", database_url, "--data-dir", str(tmp_path)]
    out = tmp_path / "case.pdf"
    assert await asyncio.to_thread(main, [*db, "export", "casefile", number, "-o", str(out)]) == 0
    assert "命令行仓库" in "".join(pdf_pages(out.read_bytes()))
    assert await asyncio.to_thread(main, [*db, "export", "casefile", "110105999", "-o", str(out)]) != 0
    assert "没有台账编号或草稿编号为 110105999 的隐患" in capsys.readouterr().err
    assert await asyncio.to_thread(main, [*db, "export", "casefile", "-o", str(out)]) == 2
    assert "导出案卷需要隐患的台账编号" in capsys.readouterr().err

    geo = tmp_path / "h.geojson"
    assert await asyncio.to_thread(main, [*db, "export", "geojson", "--gcj02", "-o", str(geo)]) == 0
    doc = json.loads(geo.read_text(encoding="utf-8"))
    [feature] = doc["features"]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(wgs84_to_gcj02(116.4551, 39.9087), abs=1e-7)
    assert 0.004 < abs(lon - 116.4551) + abs(lat - 39.9087) < 0.01  # a few hundred metres in Beijing
    assert gcj02_to_wgs84(lon, lat) == pytest.approx((116.4551, 39.9087), abs=1e-7)
    assert doc["without_location"]["count"] == 1 and "GCJ-02" in doc["crs_note"]
