"""Bad input gets a short Chinese explanation and the same question again; nothing entered is lost;
user text comes back literally; unbound users and group chats are told what to do."""

from __future__ import annotations

import io

import pytest
from aiogram.methods import SendMessage
from aiogram.types import Chat
from PIL import Image
from sqlmodel import select

from storage.models import Draft
from tests.chat_script import Tap, answer, refused, shows
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, fill_hazard_until_photos

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently


async def _draft_data(harness: Harness) -> dict:  # type: ignore[type-arg]
    async with harness.core.uow() as u:
        return (await u.session.exec(select(Draft).where(Draft.status == "active"))).one().data


async def test_every_wrong_answer_is_explained_and_asked_again(harness: Harness) -> None:
    chat = await harness.bind(901, "inspector", "110105001")
    await chat.say("/inspect")
    cases = [
        ("明天", "检查时间不能晚于今天", "检查时间"),
        ("下周", "无法识别该日期。可输入 2018-10-08、2018/10/08、10月8日、今天 或 昨天。", "检查时间"),
    ]
    for typed, error, question in cases:
        await refused(chat, typed, error, question)
    await chat.press("今天")
    await chat.press("保持当前值")
    await chat.say("日常检查")
    for typed, error in (("-1", "不能小于 1"), ("三个", "请输入整数"), ("2.5", "请输入整数")):
        await refused(chat, typed, error, "检查人数")
    await chat.say("2")
    await chat.say("不存在街道")
    assert "请点击下方按钮选择" in chat.last_text()
    await chat.say("三里屯")
    assert "被检查单位名称" in chat.last_text()
    data = await _draft_data(harness)
    assert (data["inspected_on"], data["inspection_type"], data["inspector_count"], data["township"]) == (
        "2018-10-15", "日常检查", 2, "三里屯街道"
    )


async def test_hazard_checks_refuse_bad_phones_counts_areas_and_deadlines(harness: Harness) -> None:
    chat = await harness.bind(902, "inspector", "110105001")
    await answer(chat, "/hazard", Tap("保持当前值"), "某某餐馆", "朝阳路2号", "赵六")
    await refused(chat, "1391234567a", "电话号码格式不对", "联系电话")
    await answer(chat, "13912345678", Tap("个人"))
    await refused(chat, "-3", "不能小于 0")
    await answer(chat, "8", Tap("跳过"), Tap("跳过"), Tap("跳过"), Tap("保持当前值"))
    await refused(chat, "厨房", "内容太短")
    await answer(chat, "厨房燃气管道老化，无报警装置")
    await refused(chat, "燃气", "请用下方按钮回答")
    await answer(chat, Tap("城市运行"), Tap("« 上一步"), Tap("城市运行"), Tap("燃气"), Tap("一般隐患"), Tap("其他"), "50")
    for bad, reason in (("60", "拆除面积不能大于违建面积"), ("12.345", "最多保留 2 位小数")):
        await refused(chat, bad, reason)
    await answer(chat, "20", "更换管道")
    for bad in ("今天", "2018-10-01"):
        await refused(chat, bad, "整改时限必须晚于今天")
    await shows(chat, Tap("30天后"), "隐患照片")
    data = await _draft_data(harness)
    assert data["deadline"] == "2018-11-14" and data["demolished_area"] == "20" and data["illegal_area"] == "50"
    assert data["hazard_type"] == ["城市运行", "燃气"] and data["phone"] == "13912345678"


async def test_text_stickers_voice_and_files_where_a_photo_is_expected(harness: Harness) -> None:
    chat = await harness.bind(903, "inspector", "110105001")
    await fill_hazard_until_photos(chat)
    await chat.say("照片稍后补")
    assert "这里需要照片" in chat.last_text()
    for content in (
        {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False}},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
    ):
        await chat._feed(harness.factory.message(chat.user, **content))
        assert "这里无法使用该内容" in chat.last_text() and "隐患照片" in chat.last_text()
    await chat.file(b"%PDF-1.4 not an image", "report.pdf", "application/pdf")
    assert "该文件不是图片" in chat.last_text()
    await chat.file(b"\xff\xd8\xff\xe0 broken", "broken.jpg", "image/jpeg")
    assert "不是可用的图片" in chat.last_text() or "已损坏" in chat.last_text()
    await chat.file(PHOTOS / "jolla.jpg", "big.jpg", "image/jpeg", size=25 * 1024 * 1024)
    assert "最多只能接收 20 MB" in chat.last_text() and "隐患照片" in chat.last_text()
    png = io.BytesIO()
    Image.new("RGBA", (40, 30), (255, 0, 0, 128)).save(png, "PNG")
    await chat.file(png.getvalue(), "screenshot.jpg", "image/jpeg")
    assert "共 1 张" in chat.last_text()
    data = await _draft_data(harness)
    assert len(data["photos"]) == 1 and data["site_name"] == "张XX出租房"


async def test_user_text_is_sent_back_literally(harness: Harness) -> None:
    chat = await harness.bind(904, "inspector", "110105001")
    tricky = "<b>粗体</b> *星号* _下划线_ [链接](http://x) & <script>"
    await answer(chat, "/hazard", Tap("保持当前值"), tricky, "朝阳路<3号>", "/cancel", Tap("确认放弃"), "/hazard")
    assert f"当前：{tricky}" not in chat.last_text()  # resumed draft shows the current question only
    sent = [m for m in harness.session.sent(SendMessage) if "<b>粗体</b>" in m.text or "&lt;b&gt;" in m.text]
    assert all("&lt;b&gt;粗体&lt;/b&gt;" in m.text for m in sent)


async def test_the_review_card_shows_user_text_escaped_and_literal(harness: Harness) -> None:
    chat = await harness.bind(905, "inspector", "110105001")
    await answer(chat, "/inspect", Tap("今天"), Tap("保持当前值"), Tap("日常检查"), "2", Tap("保持当前值"))
    await answer(chat, "<b>张</b>*_[", "路 <i>1</i> 号 & 2", Tap("无"), Tap("无"), Tap("跳过"), Tap("跳过"))
    assert "被检查单位名称：<b>张</b>*_[" in chat.last_text()
    assert "地址：路 <i>1</i> 号 & 2" in chat.last_text()
    raw = harness.session.sent(SendMessage)[-1].text
    assert "&lt;b&gt;张&lt;/b&gt;*_[" in raw and "&amp; 2" in raw


async def test_unbound_users_are_told_how_to_bind(harness: Harness) -> None:
    chat = harness.chat(950, "路人甲")
    await chat.say("/start")
    assert "尚未绑定单位" in chat.last_text() and "/bind" in chat.last_text()
    for command in ("/hazard", "/inspect"):
        await chat.say(command)
        assert "尚未绑定单位" in chat.last_text()
    await chat.say("随便问问")  # a member of the public as much as staff not yet bound
    assert "/report" in chat.last_text() and "/bind" in chat.last_text(), chat.last_text()
    await chat.say("/bind WRONG123")
    assert "邀请码不存在" in chat.last_text()


async def test_invite_codes_are_single_use(harness: Harness) -> None:
    from bot.domain import Role

    issued = await harness.core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
    first, second = harness.chat(951), harness.chat(952)
    await first.say(f"/bind {issued.code.lower()}")
    assert "已绑定" in first.last_text() and "建外街道" in first.last_text()
    await second.say(f"/bind {issued.code}")
    assert "已被使用" in second.last_text()
    await first.say("/start")
    assert "建外街道：检查人员" in first.last_text()


async def test_expired_invite_codes_are_refused(harness: Harness) -> None:
    from datetime import timedelta

    from bot.domain import Role
    from storage.models import InviteCode
    from storage.types import utcnow

    issued = await harness.core.services.invites.issue(Role.REVIEWER, "区安委会办公室", issuer=None)
    async with harness.core.uow() as u:
        invite = (await u.session.exec(select(InviteCode).where(InviteCode.code == issued.code))).one()
        invite.expires_at = utcnow() - timedelta(minutes=1)
        u.session.add(invite)
        await u.commit()
    chat = harness.chat(953)
    await chat.say(f"/bind {issued.code}")
    assert "已过期" in chat.last_text()


async def test_in_groups_only_commands_addressed_to_the_bot_are_answered(harness: Harness) -> None:
    await harness.bind(960, "inspector", "110105001")
    user = harness.factory.user(960)
    group = Chat(id=-100123, type="supergroup", title="建外街道隐患群")
    before = len(harness.session.requests)
    for text in ("/hazard", "大家好", "/start"):
        await harness.dp.feed_update(harness.bot, harness.factory.text(user, text, chat=group))
    assert [r for r in harness.session.requests[before:] if isinstance(r, SendMessage)] == []
    await harness.dp.feed_update(harness.bot, harness.factory.text(user, "/hazard@hazardbot", chat=group))
    reply = harness.session.sent(SendMessage)[-1]
    assert reply.chat_id == -100123 and "私聊" in reply.text
    assert reply.reply_markup.inline_keyboard[0][0].url == "https://t.me/hazardbot?start=group"  # type: ignore[union-attr]


async def test_english_speaking_users_get_english(harness: Harness) -> None:
    from bot.domain import Role

    issued = await harness.core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
    chat = harness.chat(970, "Alice", language="en")
    await chat.say(f"/bind {issued.code}")
    assert chat.last_text().startswith("Bound: you are now inspector of 建外街道")
    await chat.say("/inspect")
    assert "Inspection date" in chat.last_text()
    await chat.say("tomorrow")
    assert "cannot be in the future" in chat.last_text()
    assert [b.text for b in chat.buttons()][:1] == ["Today 10-15"]
