"""A hazard recorded by conversation through the real dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from aiogram.methods import SendMessage
from sqlmodel import select

from bot.local_chat import LocalChat
from storage.models import Draft, Hazard, HazardEvent, Photo
from tests.chat_helpers import stored
from tests.chat_script import Tap, answer, shows
from tests.conftest import Harness
from tests.forms_flow import (
    PHOTOS,
    fill_hazard_until_photos,
    fill_hazard_until_review,
    finish_hazard,
    photos_done,
)


async def test_a_full_hazard_entry_with_an_album_and_a_location_stores_every_field(harness: Harness) -> None:
    chat = await harness.bind(701, "inspector", "110105001", name="王检查")
    await fill_hazard_until_review(chat)
    await chat.press("提交")
    reply = chat.last_text()
    assert "隐患已提交" in reply and "D00120181015" in reply and "待本单位审核" in reply

    async with harness.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard))).one()
        photos = (await u.session.exec(select(Photo).where(Photo.hazard_id == hazard.id))).all()
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hazard.id))).all()
    assert hazard.draft_number == "D001201810150001"
    assert hazard.ledger_number is None and hazard.registered_at is None
    assert hazard.state == "pending_review"
    assert (hazard.district, hazard.township_code, hazard.township) == ("朝阳区", "110105001", "建外街道")
    assert hazard.site_name == "张XX出租房"
    assert hazard.address == "建国门外大街永安里8号"
    assert (round(hazard.latitude, 4), round(hazard.longitude, 4)) == (39.9087, 116.4605)  # type: ignore[arg-type]
    assert (hazard.person_in_charge, hazard.phone) == ("张三", "13912345678")
    assert (hazard.entity_nature, hazard.occupant_count) == ("民营企业", 25)
    assert hazard.parent_group == "北京某某集团有限公司"
    assert (hazard.district_department, hazard.city_department) == ("区房管局", "朝阳消防支队")
    assert hazard.source == "检查"
    assert hazard.description.startswith("出租房内私拉电线")
    assert (hazard.category, hazard.subtype, hazard.level) == ("重点消防", "村民宅基地出租房屋", "重大隐患")
    assert hazard.illegal_building_nature == "集体土地违建"
    assert (hazard.illegal_area, hazard.demolished_area) == (Decimal("120.5"), Decimal("80"))
    assert hazard.measures.startswith("责任人张三")
    assert hazard.deadline == date(2018, 12, 31)
    assert hazard.remarks == "第一批挂账"
    assert hazard.reinspection_result == "未复查"
    assert len(photos) == 3 and {p.stage for p in photos} == {"discovery"}
    assert len({p.sha256 for p in photos}) == 3
    originals = {(PHOTOS / f"landscape_{i}.jpg").read_bytes() for i in (1, 2, 3)}
    assert {await harness.core.photo_store.get(p.storage_key) for p in photos} == originals
    assert [(e.action, e.from_state, e.to_state) for e in events] == [("submit", None, "pending_review")]


async def test_the_album_is_acknowledged_once_and_every_photo_is_kept(harness: Harness) -> None:
    chat = await harness.bind(702, "inspector", "110105002")
    await fill_hazard_until_photos(chat)
    sent = await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in (4, 5, 6, 7)])
    assert len(chat.texts(sent)) == 1 and "正在接收相册" in chat.texts(sent)[0]
    await photos_done(chat, 4)


async def test_photos_sent_uncompressed_as_files_are_accepted(harness: Harness) -> None:
    chat = await harness.bind(703, "inspector", "110105003")
    await fill_hazard_until_photos(chat)
    await chat.file(PHOTOS / "DSCN0010.jpg", "DSCN0010.JPG", "image/jpeg")
    assert "共 1 张" in chat.last_text()
    await chat.file(PHOTOS / "portrait_6.jpg", "IMG_0001.heic", None)
    assert "共 2 张" in chat.last_text()
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press("提交")
    async with harness.core.uow() as u:
        photos = (await u.session.exec(select(Photo).where(Photo.hazard_id.is_not(None)))).all()  # type: ignore[union-attr]
    assert sorted(p.size for p in photos) == sorted(
        [(PHOTOS / "DSCN0010.jpg").stat().st_size, (PHOTOS / "portrait_6.jpg").stat().st_size]
    )


async def test_a_restart_mid_form_resumes_the_draft_from_the_database(harness: Harness, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.clock import fixed_clock
    from tests.conftest import TODAY, open_harness

    chat = await harness.bind(704, "inspector", "110105001")
    await answer(chat, "/hazard", Tap("保持当前值"), "李XX仓库", "朝阳路1号")
    await shows(chat, "李四", "联系电话")

    url = harness.core.settings.effective_database_url
    async with open_harness(url, tmp_path / "second", clock=fixed_clock(TODAY)) as restarted:
        chat2 = restarted.chat(704)
        for step, question in (("010-65001234", "单位性质"), (Tap("« 上一步"), "当前：010-65001234"),
                               ("/resume", "联系电话")):
            await shows(chat2, step, question)
    async with harness.core.uow() as u:
        draft = (await u.session.exec(select(Draft).where(Draft.status == "active"))).one()
    assert draft.data["site_name"] == "李XX仓库" and draft.data["person_in_charge"] == "李四"
    assert draft.data["phone"] == "010-65001234"


async def test_an_edit_from_the_review_card_changes_only_that_field(harness: Harness) -> None:
    chat = await harness.bind(705, "inspector", "110105004")
    await fill_hazard_until_review(chat, album=1)
    await chat.press("修改：隐患级别")
    await chat.press("一般隐患")
    assert "提交前请核对" in chat.last_text()
    assert "隐患级别：一般隐患" in chat.last_text()
    await chat.press("修改：违建性质")
    await chat.press("无")
    card = chat.last_text()
    assert "违建面积" not in card and "拆除面积" not in card
    await chat.press("提交")
    async with harness.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard))).one()
    assert hazard.level == "一般隐患" and hazard.illegal_building_nature == "无"
    assert hazard.illegal_area is None and hazard.demolished_area is None
    assert hazard.site_name == "张XX出租房"


async def test_cancel_discards_the_draft_and_nothing_is_submitted(harness: Harness) -> None:
    chat = await harness.bind(706, "inspector", "110105001")
    await answer(chat, "/hazard", Tap("保持当前值"))
    await shows(chat, "/cancel", "确定放弃这张表单吗")  # in the command menu /cancel is one tap away: it asks first
    await shows(chat, Tap("确认放弃"), "已取消")
    await shows(chat, "随便说点什么", "没有正在填写的表单")
    assert await stored(harness, Hazard) == []


async def test_album_photos_arriving_at_once_are_all_kept(harness: Harness) -> None:
    """Telegram delivers an album as separate updates that polling handles concurrently."""
    import asyncio

    chat = await harness.bind(707, "inspector", "110105001")
    await fill_hazard_until_photos(chat)
    updates = [chat.photo_update(PHOTOS / f"landscape_{i}.jpg", "album-1") for i in range(1, 9)]
    await asyncio.gather(*(harness.dp.feed_update(harness.bot, u) for u in updates))
    await photos_done(chat, 8)


async def test_an_album_shows_its_count_on_done_and_late_photos_join_it(harness: Harness) -> None:
    """On a slow network the last photos of an album can arrive after the inspector pressed Done."""
    chat = await harness.bind(709, "inspector", "110105001")
    await fill_hazard_until_photos(chat)
    files = [PHOTOS / f"landscape_{i}.jpg" for i in range(1, 6)]
    replies = []
    for path in files[:3]:
        replies += await chat.photo(path, media_group_id="album-late")
    texts = [m.text for m in replies if isinstance(m, SendMessage)]
    assert len(texts) == 1 and "正在接收相册" in texts[0], texts
    assert "当前：" not in texts[0], texts[0]  # its count was still growing
    await chat.press("完成")
    assert "隐患照片：已保存 3 张照片" in chat.last_text(), chat.last_text()
    assert "备注" in chat.last_text()
    late = await chat.photo(files[3], media_group_id="album-late")
    late_texts = [m.text for m in late if isinstance(m, SendMessage)]
    assert len(late_texts) == 1 and "相册中晚到的照片已加入隐患照片。" in late_texts[0], late_texts
    assert "备注</b>" in late_texts[0]  # and the question that was showing is asked again
    assert [m for m in await chat.photo(files[4], media_group_id="album-late") if isinstance(m, SendMessage)] == []
    await chat.photo(files[0])  # a single photo here is still not an answer to this question
    assert "这个问题不需要照片" in chat.last_text(), chat.last_text()
    await finish_hazard(chat)
    assert "隐患照片：5 张" in chat.last_text(), chat.last_text()


async def _done_then_album(
    harness: Harness, user_id: int, site: str, photos: tuple[int, ...], group: str
) -> tuple[LocalChat, list[Any]]:
    """An inspector at 隐患照片 with one photo sent: the updates of a press on Done, then of an album."""
    chat = await harness.bind(user_id, "inspector", "110105001")
    await fill_hazard_until_photos(chat, site=site)
    await chat.photo(PHOTOS / "landscape_1.jpg")
    done = next(b for b in chat.buttons() if "完成" in b.text)
    updates = [harness.factory.callback(chat.user, done.message, done.callback_data)]
    updates += [chat.photo_update(PHOTOS / f"landscape_{i}.jpg", group) for i in photos]
    return chat, updates


async def test_an_album_that_arrives_after_done_joins_the_photos_question_just_left(harness: Harness) -> None:
    """Done tapped while the album was still uploading: its photos reach the bot at 备注."""
    import asyncio

    chat, updates = await _done_then_album(harness, 710, "张XX出租房", (2, 3, 4), "slow")
    before = len(harness.session.requests)
    for update in updates:  # Done first, then the album
        await harness.dp.feed_update(harness.bot, update)
    texts = chat.texts(harness.session.requests[before:])
    assert not any("不需要照片" in t for t in texts), texts
    assert len([t for t in texts if "相册中晚到的照片已加入隐患照片" in t]) == 1, texts
    await finish_hazard(chat)
    assert "隐患照片：4 张" in chat.last_text(), chat.last_text()

    chat2, racing = await _done_then_album(harness, 711, "李XX仓库", (5, 6, 7), "race")  # the same, all at once
    await asyncio.gather(*(harness.dp.feed_update(harness.bot, u) for u in racing))
    await finish_hazard(chat2)
    assert "隐患照片：4 张" in chat2.last_text(), chat2.last_text()


async def test_the_review_card_shows_the_evidence_photos_ten_at_a_time(harness: Harness) -> None:
    from aiogram.methods import SendMediaGroup, SendPhoto

    chat = await harness.bind(708, "inspector", "110105001")
    await fill_hazard_until_photos(chat)
    await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in range(1, 9)])
    await chat.album([PHOTOS / "portrait_6.jpg", PHOTOS / "DSCN0010.jpg", PHOTOS / "jolla.jpg"])
    await chat.press("完成")
    await finish_hazard(chat)
    sent = await chat.press("查看照片（11 张）")
    albums = [m for m in sent if isinstance(m, SendMediaGroup)]
    assert len(albums) == 1 and len(albums[0].media) == 10
    assert "已显示 10 张，共 11 张" in chat.last_text()
    sent = await chat.press("更多照片")
    photos = [m for m in sent if isinstance(m, SendPhoto | SendMediaGroup)]
    assert [type(m) for m in photos] == [SendPhoto]
    assert (photos[0].caption or "") == "证据照片第11张，共11张"  # type: ignore[union-attr]


async def test_an_album_at_a_question_that_takes_no_photo_is_refused_once(harness: Harness) -> None:
    chat = await harness.bind(712, "inspector", "110105001")
    await chat.say("/hazard")
    sent = await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in (1, 2, 3)])
    texts = [m.text for m in sent if isinstance(m, SendMessage)]
    assert len(texts) == 1 and "这个问题不需要照片" in texts[0], texts
    sent = await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in (4, 5)])  # another album: said again
    assert len([m for m in sent if isinstance(m, SendMessage)]) == 1
