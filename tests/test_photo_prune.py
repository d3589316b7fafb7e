"""``hazardbot photos prune`` on both databases: photos a hazard, an open draft, a tip-off or a life-cycle
step names survive; a photo row nobody names (a rectification's questions cancelled) and every file no
row names go once older than the retention; younger ones stay; a dry run removes nothing."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.channels import telegram_address
from bot.cli import build_parser, settings_from
from bot.domain import HazardState, PhotoStage
from storage.models import Draft, Photo
from storage.models_evidence import PhotoEvidence
from storage.models_tipoffs import TipOffPhoto
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_photos, finish_hazard
from tests.image_factory import encode, scene
from tests.lifecycle_factories import hazard
from tests.tipoff_helpers import report

DAY = 86400


def _picture(n: int) -> bytes:
    return encode(scene((320 + n, 240)), "JPEG")


async def _named_keys(h: Harness) -> set[str]:
    async with h.core.uow() as u:
        keys = set((await u.session.exec(select(Photo.storage_key))).all())
        for copy_key, thumb_key in (await u.session.exec(select(PhotoEvidence.copy_key, PhotoEvidence.thumb_key))).all():
            keys.update((copy_key, thumb_key))
    return keys


async def _received(h: Harness, photo_id: int, when: datetime) -> None:
    async with h.core.uow() as u:
        await u.session.exec(update(Photo).where(Photo.id == photo_id).values(received_at=when))  # type: ignore[call-overload, arg-type]
        await u.commit()


async def _prune(h: Harness, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    args = build_parser().parse_args(["--db", h.core.settings.effective_database_url,
                                      "--data-dir", str(h.core.settings.data_dir), "photos", "prune", *extra])
    assert await args.func(args, settings_from(args)) == 0
    return capsys.readouterr().out


async def test_prune_removes_only_what_nothing_names_and_only_when_old(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    h = harness
    store = h.core.photo_store
    # a submitted hazard with two photos
    submitter = await h.bind(75001, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(submitter)
    await submitter.photo(_picture(1))
    await submitter.photo(_picture(2))
    await submitter.press("完成")
    await finish_hazard(submitter)
    await submitter.press("提交")
    # a draft still open, with one photo
    drafting = await h.bind(75002, "inspector", "110105001", name="李检查")
    await fill_hazard_until_photos(drafting)
    await drafting.photo(_picture(3))
    # a tip-off from the public, with one photo
    await report(h.chat(75003, "群众"), photos=[_picture(4)])
    # a photo kept for a life-cycle step that never attached it (``LifecycleService.add_photo`` alone; the
    # forms keep theirs in their draft)
    await h.bind(75004, "inspector", "建外街道", "赵整改")
    fixer = await h.core.services.users.touch(telegram_address(75004), "赵整改", "zh-hans")
    hid = await hazard(h.core.uow, fixer, state=HazardState.REGISTERED)
    stored = await h.core.services.photos.keep_original(_picture(5))
    await h.core.services.lifecycle.add_photo(fixer, stored, None, PhotoStage.ACCEPTANCE, hid)
    # files nothing ever named: one old, one young
    _, old_stray = await store.put(b"left behind by a crash")
    _, young_stray = await store.put(b"received a minute ago")

    root = h.core.settings.effective_photo_dir
    long_ago = time.time() - 40 * DAY
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (long_ago, long_ago))
    os.utime(root / young_stray, None)
    async with h.core.uow() as u:  # rows were received in 2018 (the tests' clock): all long past the retention
        orphan = (await u.session.exec(select(Photo.id).where(
            Photo.draft_id.is_(None), Photo.hazard_id.is_(None), Photo.inspection_id.is_(None)))).one()  # type: ignore[union-attr]
        named_by_records = {
            "hazard": (await u.session.exec(select(Photo.storage_key).where(Photo.hazard_id.is_not(None)))).all(),  # type: ignore[union-attr]
            "open draft": (await u.session.exec(select(Photo.storage_key).join(Draft).where(
                Draft.status == "active", Draft.form == "hazard"))).all(),
            "tipoff": (await u.session.exec(select(Photo.storage_key).join(TipOffPhoto))).all(),
        }
    assert [len(v) for v in named_by_records.values()] == [2, 1, 1], named_by_records

    before = {f.key for f in await store.entries()}
    named = await _named_keys(h)
    out = await _prune(h, capsys)  # dry run, retention from the settings (30 days)
    assert {f.key for f in await store.entries()} == before
    async with h.core.uow() as u:
        assert await u.session.get(Photo, orphan) is not None
    listed = {line.split()[1] for line in out.splitlines() if line.startswith("将删除文件 ") and "/" in line}
    assert f"将删除照片记录 {orphan}（" in out
    assert old_stray in listed and young_stray not in listed
    assert "试运行：未删除任何照片" in out

    # while the unnamed row is young, it and its files stay; every other unnamed file that is old goes
    await _received(h, orphan, datetime.now(UTC))
    out = await _prune(h, capsys, "--apply", "--older-than", "30")
    remaining = {f.key for f in await store.entries()}
    assert remaining == named | {young_stray} and f"照片记录 {orphan}（" not in out
    assert old_stray not in remaining

    await _received(h, orphan, datetime.now(UTC) - timedelta(days=31))
    out = await _prune(h, capsys, "--apply", "--older-than", "30")
    remaining = {f.key for f in await store.entries()}
    survivors = await _named_keys(h)
    assert remaining == survivors | {young_stray} and survivors < named
    for keys in named_by_records.values():
        assert set(keys) <= survivors
    assert listed == before - remaining
    async with h.core.uow() as u:
        assert await u.session.get(Photo, orphan) is None
        hazard_id = (await u.session.exec(select(Photo.hazard_id).where(Photo.hazard_id.is_not(None)))).first()  # type: ignore[union-attr]
    assert len(await h.core.services.evidence.copies(hazard_id=hazard_id)) == 2  # still shown on the card
    assert f"已删除照片记录 {orphan}（" in out

    out = await _prune(h, capsys, "--apply", "--older-than", "30")  # nothing left to do
    assert out.startswith("无任何引用且超过 30 天的照片记录 0 条、文件 0 个"), out


def test_prune_refuses_a_retention_under_a_day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["--data-dir", str(tmp_path), "photos", "prune", "--older-than", "0"])
    assert stopped.value.code == 2 and "至少 1 天" in capsys.readouterr().err
