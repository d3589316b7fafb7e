"""The whole journey of a tip-off through the dispatcher, on SQLite and PostgreSQL: a member of the
public reports with an album and a location → the township inspector verifies (查实) → a hazard with
source 举报 → registered → closed → "not fixed"; the reporter is told each step, anonymously."""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.channels import telegram_address
from bot.cli.tipoffs import export_csv
from bot.domain import PhotoStage
from bot.services.ledger_export import ExportFilter, hazard_rows
from storage.models import Draft, Hazard, Photo
from storage.models_evidence import PhotoEvidence
from tests.tipoff_helpers import (
    PHOTOS,
    SANLITUN,
    everything_not_to,
    gps_of,
    has_exif,
    images_sent,
    last,
    report,
    sent_to,
    set_hazard_state,
    tipoff,
    verify_as_hazard,
)

REPORTER = 880_001_234
REPORTER_NAME = "王小明"
INSPECTOR = 700_001


async def test_report_verify_hazard_closure_with_reporter_told_each_step(harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN, name="李检查")
    reporter = harness.chat(REPORTER, REPORTER_NAME)
    gps_photo = PHOTOS / "DSCN0010.jpg"
    assert gps_of(gps_photo.read_bytes())  # the camera wrote where it was

    number = await report(reporter, photos=[gps_photo, PHOTOS / "portrait_6.jpg"])
    assert number.startswith("JB20181015")
    assert any(number in t and "新的群众举报" in t for t in sent_to(INSPECTOR, harness.session))

    await inspector.say("/tipoffs")
    assert number in last(inspector)
    await inspector.press(1)
    card = last(inspector)
    assert "幸福村中路12号" in card and "照片：2 张" in card
    assert "街乡正在核实" in sent_to(REPORTER, harness.session)[-1]

    shown = images_sent(harness.session, INSPECTOR)
    assert len(shown) == 2 and not any(has_exif(data) for data in shown)
    assert not any(gps_of(data) for data in shown)

    await verify_as_hazard(inspector)
    async with harness.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard))).one()
        photos = (await u.session.exec(select(Photo).where(Photo.hazard_id == hazard.id))).all()
        u.session.expunge_all()
    assert hazard.source == "举报"
    assert hazard.description.startswith("幸福村中路12号地下室")
    assert hazard.latitude == pytest.approx(39.93418)
    assert [p.stage for p in photos] == [PhotoStage.TIPOFF.value] * 2
    assert all(p.media_ref is None for p in photos)
    assert (await tipoff(harness, number)).hazard_id == hazard.id
    evidence = await harness.core.services.evidence.copies(hazard_id=hazard.id)
    assert len(evidence) == 2 and not any(has_exif(e.data) for e in evidence)
    async with harness.core.uow() as u:  # no evidence copy stamped with the reporter's name
        stamped = (await u.session.exec(select(PhotoEvidence.photo_id))).all()
        reporters = (await u.session.exec(select(Photo.id).where(Photo.user_id != hazard.created_by))).all()
    assert stamped and not set(stamped) & set(reporters)
    assert "待审核后列入" in sent_to(REPORTER, harness.session)[-1]  # not yet "in the ledger": not registered
    assert "已列入" not in sent_to(REPORTER, harness.session)[-1]

    async with harness.core.uow() as u:  # what registration (挂账) sets besides the state
        await u.session.exec(update(Hazard).where(Hazard.id == hazard.id).values(  # type: ignore[call-overload]
            ledger_number="110105004201810150001", registered_at=datetime(2018, 10, 15, 2, 0, tzinfo=UTC)))
        await u.commit()
    await set_hazard_state(harness, hazard.id, "registered")
    assert "已列入安全隐患台账，正在整改" in sent_to(REPORTER, harness.session)[-1]
    async with harness.core.uow() as u:  # the 附件2 ledger export
        ledger = await hazard_rows(u.session, ExportFilter())
    assert len(ledger) == 1 and "举报" in ledger[0].values()
    assert all(secret not in str(v) for v in ledger[0].values() for secret in (str(REPORTER), REPORTER_NAME))
    await set_hazard_state(harness, hazard.id, "rectified")  # nothing new for the reporter
    assert "正在整改" in sent_to(REPORTER, harness.session)[-1]
    assert len([t for t in sent_to(REPORTER, harness.session) if "正在整改" in t]) == 1
    await set_hazard_state(harness, hazard.id, "closed")
    assert "已整改完毕" in sent_to(REPORTER, harness.session)[-1]

    await reporter.say(f"/track {number.removeprefix('JB')}")  # typed without its JB: the same tip-off
    assert "已整改完毕" in last(reporter) and number in last(reporter), last(reporter)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number.removeprefix("JB"))  # a full-width keyboard's digits
    await reporter.say(f"/track JB {wide}")
    assert "已整改完毕" in last(reporter) and number in last(reporter), last(reporter)
    await reporter.say(f"/track {number}")
    assert "已整改完毕" in last(reporter)
    await reporter.press("仍未整改")
    assert "重新核查" in last(reporter)
    assert "仍未整改" in sent_to(INSPECTOR, harness.session)[-1]
    assert (await tipoff(harness, number)).status == "verifying"

    statuses = [t for t in sent_to(REPORTER, harness.session) if "有新进展" in t]
    assert len(statuses) == 4  # verifying, registered, rectifying, fixed

    # the reporter is anonymous: nothing identifying them reached anyone else or any log line
    elsewhere = everything_not_to(REPORTER, harness.session)
    for secret in (str(REPORTER), REPORTER_NAME):
        assert secret not in elsewhere
        assert not any(secret in record.getMessage() for record in caplog.records)


async def test_contact_is_shown_to_the_office_only(harness, caplog: pytest.LogCaptureFixture, tmp_path) -> None:
    caplog.set_level(logging.INFO)
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    office = await harness.bind(700_002, "office", "区安委会办公室")
    reporter = harness.chat(REPORTER, REPORTER_NAME)
    number = await report(reporter, contact="13800138000")

    await inspector.say("/tipoffs")
    await inspector.press(1)
    assert number in last(inspector)
    await office.say("/tipoffs")
    await office.press(1)
    office_card = last(office)
    assert "13800138000" in office_card and str(REPORTER) in office_card and REPORTER_NAME in office_card

    to_inspector = "\n".join(sent_to(INSPECTOR, harness.session))
    for secret in ("13800138000", str(REPORTER), REPORTER_NAME):
        assert secret not in to_inspector
        assert not any(secret in record.getMessage() for record in caplog.records)
    rows = await harness.core.services.tipoffs.export_rows(await _actor(harness, 700_002))
    assert rows and number == rows[0]["number"]
    out = tmp_path / "tipoffs.csv"
    await export_csv(argparse.Namespace(out=out), harness.core.settings)
    exported = out.read_text(encoding="utf-8-sig")
    assert number in exported and "受理编号" in exported
    for secret in ("13800138000", str(REPORTER), REPORTER_NAME):
        assert all(secret not in str(value) for row in rows for value in row.values())
        assert secret not in exported


async def _actor(harness, telegram_id: int):  # type: ignore[no-untyped-def]
    return await harness.core.services.users.touch(telegram_address(telegram_id), "x", "zh")


async def test_tipoff_photos_keep_no_original_bytes(harness) -> None:
    reporter = harness.chat(REPORTER, REPORTER_NAME)
    await report(reporter, photos=[PHOTOS / "DSCN0010.jpg"])
    async with harness.core.uow() as u:
        photos = (await u.session.exec(select(Photo).where(col(Photo.stage) == PhotoStage.TIPOFF.value))).all()
        u.session.expunge_all()
    assert len(photos) == 1
    stored = await harness.core.photo_store.get(photos[0].storage_key)
    assert not has_exif(stored)
    assert photos[0].media_ref is None


async def test_a_photo_sent_as_a_file_loses_its_gps_too(harness) -> None:
    """Telegram keeps EXIF only for images sent as files: that is the path that must be stripped."""
    reporter = harness.chat(REPORTER, REPORTER_NAME)
    await reporter.say("/report")
    await reporter.say("楼道里每天晚上都有好几辆电动车在充电")
    original = (PHOTOS / "DSCN0010.jpg").read_bytes()
    await reporter.file(original, "IMG_0010.JPG", "image/jpeg")
    async with harness.core.uow() as u:
        photo = (await u.session.exec(select(Photo))).one()
    stored = await harness.core.photo_store.get(photo.storage_key)
    assert gps_of(original) and not gps_of(stored) and not has_exif(stored)
    assert photo.media_ref is None and photo.stage == PhotoStage.TIPOFF.value


async def test_album_photos_arriving_after_the_report_was_sent_are_answered_once(harness) -> None:  # type: ignore[no-untyped-def]
    reporter = harness.chat(700_090, "市民乙")
    await report(reporter, photos=[PHOTOS / "landscape_1.jpg", PHOTOS / "landscape_2.jpg"])
    async with harness.core.uow() as u:  # the album's media group, as the submitted report remembers it
        draft = (await u.session.exec(select(Draft).order_by(Draft.id.desc()))).first()
        group = draft.context["albums"][0][0]
    late = reporter.texts(await reporter.photo(PHOTOS / "landscape_3.jpg", media_group_id=group))
    assert late == ["相册中的这张照片在表单提交（或取消）之后才到达，未能加入。"], late
    assert reporter.texts(await reporter.photo(PHOTOS / "landscape_4.jpg", media_group_id=group)) == []
    stray = reporter.texts(await reporter.photo(PHOTOS / "landscape_5.jpg"))  # no album, no report open
    assert len(stray) == 1 and "/report" in stray[0] and "尚未绑定" not in stray[0], stray
