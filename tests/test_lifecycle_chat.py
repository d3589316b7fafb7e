"""The life cycle through the dispatcher (real-shaped updates, recording Bot API), on SQLite and PostgreSQL:
one hazard goes through review, registration, rectification with evidence, a failed then a passed
re-inspection, closure, a failed verification (rebound) and closure again; its history shows every step.
Forged and repeated buttons are refused without changing anything."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMediaGroup, SendPhoto
from aiogram.types import Chat, Message
from sqlmodel import col, select

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.local_chat import Button, LocalChat
from handlers.hazard_callbacks import HazardCb, SuperviseCb
from storage.models import Draft, Hazard, HazardEvent, InviteCode
from storage.models_lifecycle import RectificationPlan
from tests.chat_helpers import (
    KEEP,
    SUBMIT,
    actor_of,
    bind_cast,
    five_implementations_begun,
    hazard_row,
    last_text,
    open_first,
    reinspect_failed_until_photos,
    reinspect_passed,
    report_rectification,
    sent_to,
    stored,
    supervise,
)
from tests.conftest import PHOTOS, Harness
from tests.lifecycle_factories import hazard

HOME, OTHER, OFFICE = "建外街道", "朝外街道", "区安委会办公室"


async def _hazard_by(h: Harness, chat: LocalChat) -> int:
    actor = await actor_of(h, chat)
    return await hazard(h.core.uow, actor)


def _alerts(h: Harness) -> list[str]:
    return [m.text or "" for m in h.session.requests if isinstance(m, AnswerCallbackQuery) and m.show_alert]


async def _state(h: Harness, hid: int) -> tuple[str, int]:
    row = await hazard_row(h, hid)
    return row.state, row.version


async def test_a_hazard_goes_through_its_whole_life_by_chat(harness: Harness, photos_dir) -> None:  # type: ignore[no-untyped-def]
    h = harness
    inspector, inspector2, reviewer, office, contact = await bind_cast(h, {
        201: "李检查", 202: "赵复查", 203: "王审核", 204: "张办公室", 205: "陈联络"})
    hid = await _hazard_by(h, inspector)

    await open_first(reviewer, "/review")
    assert "待单位审核" in last_text(h, reviewer)
    await reviewer.press("审核通过")
    assert "待区安委会办公室确认挂账" in last_text(h, reviewer)
    assert any("王审核 审核通过" in t for t in sent_to(h, 201))

    await open_first(inspector, "/find 张XX出租房")
    assert [b.text for b in inspector.buttons()] == ["📝 填写五落实", "📜 全过程记录及照片", "🖨 一患一案（PDF）"]  # no review buttons
    await open_first(office, "/office")
    await office.press("确认挂账")
    assert "台账编号：110105001201810150001" in last_text(h, office)

    await open_first(inspector, "/rectify")
    await inspector.press("报告整改")
    assert "关于：110105001201810150001 · 张XX出租房" in last_text(h, inspector)  # the prompt names its hazard
    await inspector.say("房东张三")          # responsibility
    await inspector.press(KEEP)              # measures
    # no deadline once registered (only an approved extension moves it); a 一般隐患: no funds, no contingency plan
    await inspector.press("完成")
    said = last_text(h, inspector)  # evidence is required: asked for, not refused as a skip
    assert "验收材料" in said and "请至少发送一张照片或一份文件" in said and "跳过" not in said, said
    await inspector.photo(photos_dir / "landscape_1.jpg")
    await inspector.press("完成")
    assert "提交前请核对" in last_text(h, inspector) and "房东张三" in last_text(h, inspector)
    assert "已挂账" not in last_text(h, inspector)  # a fact only the form's conditions need, not for review
    await inspector.press(SUBMIT)
    assert "已整改，待复查" in last_text(h, inspector)

    await open_first(inspector, "/rectify")
    assert not any(b.text.endswith(("复查合格", "复查不合格")) for b in inspector.buttons())  # not to the reporter
    kept = inspector.buttons()[0]  # a 复查 button kept from elsewhere is refused before any photo is asked
    await inspector.press_button(Button("复查合格", HazardCb(id=hid, a="rp").pack(), None, kept.message))
    assert "整改报告人以外" in last_text(h, inspector)
    await inspector.say("/resume")  # the form was ended: the step cannot be done by this person
    assert last_text(h, inspector).startswith("当前没有正在填写的表单"), last_text(h, inspector)

    await open_first(inspector2, "/rectify")
    await reinspect_failed_until_photos(inspector2, who="赵复查、钱同事")
    await inspector2.photo(photos_dir / "landscape_2.jpg")
    await inspector2.press("完成")
    assert "复查结果：不合格" in last_text(h, inspector2) and "新的整改时限：2018-11-30" in last_text(h, inspector2)
    assert not any("复查结果" in b.text for b in inspector2.buttons())  # the button pressed decided it
    await inspector2.press(SUBMIT)
    assert "已挂账，整改中" in last_text(h, inspector2)
    async with h.core.uow() as u:  # what a 附件1 row of the re-inspection needs (issue 15 item 5)
        failed = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "reinspect_fail"))).one()
    assert failed.data["inspected_on"] == "2018-10-15" and failed.data["inspectors"] == "赵复查、钱同事", failed.data

    await open_first(inspector, "/rectify")
    await inspector.press("报告整改")
    for _ in range(2):
        await inspector.press(KEEP)  # the plan given before is offered back
    await inspector.file(b"%PDF-1.4 acceptance", "验收单.pdf", "application/pdf")
    await inspector.press("完成")
    assert "验收单.pdf" in last_text(h, inspector)
    await inspector.press(SUBMIT)
    assert "已整改，待复查" in last_text(h, inspector)
    await open_first(inspector2, "/rectify")
    await inspector2.press("复查合格")
    await inspector2.say("昨天")  # before the rectification it checks, reported today: refused, asked again
    assert "2018-10-14 太早了：复查日期不能早于 2018-10-15" in last_text(h, inspector2), last_text(h, inspector2)
    await inspector2.say("今天")
    await inspector2.say("赵复查")
    await inspector2.press("完成")
    await inspector2.press(SUBMIT)
    assert "复查合格，待销账" in last_text(h, inspector2)

    await open_first(office, "/office")
    await office.press("销账")
    assert "销账说明" in last_text(h, office)
    await office.press("取消")  # 销账 asks to confirm: cancelled, the hazard still waits for closure
    assert await _state(h, hid) == ("closure_requested", 7)
    await open_first(office, "/office")
    await office.press("销账")
    await office.press("跳过")  # note
    await office.press("跳过")  # photos
    await office.press("提交")
    assert "已销账" in last_text(h, office)

    await office.say("/verify")
    assert "抽查 1 条" in last_text(h, office) and "默认比例" in last_text(h, office)
    await office.press("1. 不合格")
    await office.say("楼道又见电动车充电")
    await office.say("2018-12-31")
    await office.press("完成")
    assert "提交前请核对" in last_text(h, office)  # a failed check is confirmed before it counts
    await office.press(SUBMIT)
    assert "核查不合格（反弹）" in last_text(h, office) and "已挂账，整改中" in last_text(h, office)
    assert any("反弹" in t for t in sent_to(h, 205)) and any("反弹" in t for t in sent_to(h, 203))

    await open_first(inspector, "/rectify")
    await report_rectification(inspector, photos_dir / "landscape_3.jpg")
    await open_first(inspector2, "/rectify")
    await reinspect_passed(inspector2)
    await open_first(office, "/office")
    await office.press("销账")
    await office.say("整改到位，同意销账")
    await office.photo(photos_dir / "landscape_1.jpg")
    await office.press("完成")
    await office.press("提交")
    assert await _state(h, hid) == ("closed", 12)

    await open_first(contact, "/find 110105001201810150001")
    assert "已销账" in last_text(h, contact)
    assert [b.text for b in contact.buttons()] == ["📜 全过程记录及照片", "🖨 一患一案（PDF）"]  # a contact only reads
    before = len(h.session.requests)
    await contact.press("全过程记录")
    history = contact.texts(h.session.requests[before:])[0]
    for step in ("提交", "审核通过", "确认挂账", "报告整改", "复查不合格", "复查合格", "核查不合格（反弹）", "销账"):
        assert step in history, step
    albums = [m for m in h.session.requests[before:] if isinstance(m, SendMediaGroup)]
    alone = [m for m in h.session.requests[before:] if isinstance(m, SendPhoto)]  # the one photo of its stage
    assert sum(len(a.media) for a in albums) + len(alone) == 4  # with the photo of the second 销账
    async with h.core.uow() as u:
        actions = (await u.session.exec(
            select(HazardEvent.action).where(HazardEvent.hazard_id == hid).order_by(col(HazardEvent.id))
        )).all()
    assert actions == ["submit", "approve", "register", "report_rectification", "reinspect_fail",
                       "report_rectification", "reinspect_pass", "close", "verify_fail",
                       "report_rectification", "reinspect_pass", "close"]


async def test_forged_and_repeated_buttons_change_nothing(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    inspector, reviewer = await bind_cast(h, {301: "李检查", 302: "王审核"})
    outsider = await h.bind(303, "reviewer", OTHER, "外单位审核")
    hid = await _hazard_by(h, inspector)

    forged = HazardCb(id=hid, a="ap").pack()
    message = Message(message_id=999, date=datetime.now(UTC), chat=Chat(id=303, type="private"))
    with caplog.at_level(logging.WARNING, logger="hazardbot.lifecycle"):
        await outsider._feed(h.factory.callback(outsider.user, message, forged))
        await inspector._feed(h.factory.callback(inspector.user, message, forged))
        await inspector._feed(h.factory.callback(inspector.user, message, HazardCb(id=hid, a="o").pack()))
    assert await _state(h, hid) == ("pending_review", 1)
    refused = [r for r in caplog.records if "refused callback" in r.getMessage()]
    outsider_id = (await h.core.services.users.touch(telegram_address(303), "外单位审核", "zh-hans")).user_id
    # who pressed, by our own user id; never the Telegram id (personal data)
    assert len(refused) == 2 and f"from user {outsider_id}:" in refused[0].getMessage()
    assert "303" not in refused[0].getMessage()
    assert _alerts(h) == ["您的角色无权进行此操作。"] * 2

    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    await reviewer.say("/review")  # another command is answered; the form stays open
    assert "待审核的隐患" in last_text(h, reviewer)
    await reviewer.say("不是理由")
    assert "提交前请核对" in last_text(h, reviewer)  # a rejection counts only once confirmed
    assert await _state(h, hid) == ("pending_review", 1)
    await reviewer.say("/cancel")
    await reviewer.press("确认放弃")
    assert await _state(h, hid) == ("pending_review", 1)
    await open_first(reviewer, "/review")
    await reviewer.press("审核通过")
    await reviewer.press("审核通过")
    assert "已由 王审核 完成" in last_text(h, reviewer)
    assert await _state(h, hid) == ("pending_confirmation", 2)


async def test_a_major_hazard_waits_for_its_five_implementations_filled_in_by_chat(harness: Harness) -> None:
    h = harness
    _, reviewer, office = await bind_cast(h, {401: "李检查", 402: "王审核", 403: "张办公室"})
    actor = await h.core.services.users.touch(telegram_address(401), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, actor, level="重大隐患")

    await open_first(reviewer, "/review")
    await reviewer.press("审核通过")
    await open_first(office, "/office")
    await office.press("确认挂账")
    assert "缺少：责任、资金（万元）、预案" in last_text(h, office)
    assert await _state(h, hid) == ("pending_confirmation", 2)

    await open_first(reviewer, "/find 张XX出租房")
    assert "改为一般隐患" in [b.text for b in reviewer.buttons()]
    await reviewer.press("填写五落实")
    assert "资金" not in last_text(h, reviewer)
    await reviewer.say("房东张三")
    await reviewer.press(KEEP)
    await reviewer.say("一万")
    assert last_text(h, reviewer).startswith("⚠️ 请输入数字，例如 0.5 或 120。\n")
    await reviewer.say("-3")
    assert last_text(h, reviewer).startswith("⚠️ 数值不能小于 0。\n") and "资金" in last_text(h, reviewer)
    await reviewer.say("2.5")  # a 重大隐患 is asked funds and a contingency plan
    await reviewer.press(KEEP)
    await reviewer.say("专人值守")
    await reviewer.press(SUBMIT)
    assert "更新五落实" in last_text(h, reviewer)

    await open_first(office, "/office")
    await office.press("确认挂账")
    answer, prompt = sent_to(h, 403)[-2:]  # the answer, then the office's prompt to supervise (方案 五(五))
    assert "台账编号：" in answer and "重大隐患已挂账" in prompt and "区政府" in prompt
    await open_first(office, "/find 张XX出租房")
    card = last_text(h, office)
    assert "责任：房东张三" in card and "资金（万元）：2.5" in card and "预案：专人值守" in card


async def test_supervision_and_the_december_lookback_by_chat(harness: Harness) -> None:
    h = harness
    inspector, office, _, _ = await bind_cast(h, {501: "李检查", 502: "张办公室", 503: "刘领导", 504: "陈联络"})
    actor = await h.core.services.users.touch(telegram_address(501), "李检查", "zh-hans")
    open_one = await hazard(h.core.uow, actor, state=HazardState.REGISTERED)
    closed = await hazard(h.core.uow, actor, state=HazardState.CLOSED, site_name="王XX仓库")

    await open_first(office, "/find 张XX出租房")
    await office.press("挂牌督办")
    assert [b.text for b in office.buttons()][:4] == ["区政府", "区安委会", "区安委会办公室", "街乡"]
    await supervise(office, "区政府", "制订整改方案，专人负责，全程跟踪", "2018-11-15", "刘领导（主管副主任）")
    assert "挂牌督办" in last_text(h, office)
    assert any("挂牌督办" in t for t in sent_to(h, 503)) and any("挂牌督办" in t for t in sent_to(h, 504))
    message = Message(message_id=998, date=datetime.now(UTC), chat=Chat(id=502, type="private"))
    await office._feed(h.factory.callback(office.user, message, SuperviseCb(id=open_one, lv=7).pack()))
    assert await _state(h, open_one) == ("registered", 2) and _alerts(h)[-1] == "您的角色无权进行此操作。"
    await open_first(office, "/find 张XX出租房")
    assert "挂牌督办：区政府" in last_text(h, office)

    await open_first(inspector, "/find 王XX仓库")
    await inspector.press("回头看：反弹")
    assert "检查日期" in last_text(h, inspector)
    await inspector.say("明天")  # a lookback is not done in the future
    assert last_text(h, inspector).startswith("⚠️ ") and "检查日期" in last_text(h, inspector), last_text(h, inspector)
    await inspector.press(KEEP)  # today
    await inspector.say("李检查、王同事")
    await inspector.say("楼道内又堆放杂物")
    await inspector.say("2018-11-30")
    await inspector.press("完成")
    await inspector.press(SUBMIT)
    assert "回头看：反弹" in last_text(h, inspector) and "已挂账，整改中" in last_text(h, inspector)
    assert await _state(h, closed) == ("registered", 2)
    async with h.core.uow() as u:
        row = await u.session.get(Hazard, closed)
        assert row is not None and row.deadline is not None and row.deadline.isoformat() == "2018-11-30"
        old_number = row.draft_number
        event = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "lookback_rebound"))).one()
    # what a 附件1 row of the lookback needs (issue 15 item 5)
    assert event.data["inspected_on"] == "2018-10-15" and event.data["inspectors"] == "李检查、王同事", event.data

    found = await hazard(h.core.uow, actor, site_name="王XX仓库二层")
    async with h.core.uow() as u:
        new_row = await u.session.get(Hazard, found)
        assert new_row is not None
        new_number = new_row.draft_number
    await inspector.say(f"/link {old_number} {new_number}")
    assert "关联新生隐患" in last_text(h, inspector)
    await open_first(inspector, f"/find {old_number}")
    assert f"回头看发现的新生隐患：{new_number}" in last_text(h, inspector)
    await inspector.say(f"/link {old_number} D999")
    assert last_text(h, inspector) == "未找到，或不在您的权限范围内。"

    held = await hazard(h.core.uow, actor, state=HazardState.CLOSED, site_name="赵XX仓库")
    await open_first(inspector, "/find 赵XX仓库")
    await inspector.press("回头看：未反弹")  # no rebound: recorded with its date and people, no reason asked
    await inspector.say("昨天")
    await inspector.say("李检查")
    await inspector.press("完成")
    assert "反弹情况" not in last_text(h, inspector) and "提交前请核对" in last_text(h, inspector), last_text(h, inspector)
    await inspector.press(SUBMIT)
    assert "回头看：未反弹" in last_text(h, inspector), last_text(h, inspector)
    async with h.core.uow() as u:
        passed = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "lookback_pass"))).one()
    assert passed.hazard_id == held and passed.data["inspected_on"] == "2018-10-14", passed.data
    assert await _state(h, held) == ("closed", 2)


async def test_the_office_hands_out_and_takes_back_codes_and_roles_by_chat(harness: Harness) -> None:
    h = harness
    office, inspector = await bind_cast(h, {601: "张办公室", 602: "李检查"})

    await inspector.say("/invite reviewer 建外街道")
    assert last_text(h, inspector) == "您的角色无权进行此操作。"
    await office.say("/invite reviewer 建外街道")
    code = last_text(h, office).split("/bind ")[-1].strip()
    assert len(code) == 8 and "建外街道" in last_text(h, office)
    async with h.core.uow() as u:  # the expiry in the deployment's zone, as everywhere else (not UTC)
        expires = (await u.session.exec(select(InviteCode).where(InviteCode.code == code))).one().expires_at
    local = (expires if expires.tzinfo else expires.replace(tzinfo=UTC)).astimezone(h.core.clock.tz)
    assert f"（有效期至 {local:%Y-%m-%d %H:%M}，北京时间）" in last_text(h, office), last_text(h, office)
    await office.say("/invites")
    assert code in last_text(h, office)
    await office.say(f"/revoke {code}")
    assert last_text(h, office) == f"已撤销：{code}。"
    newcomer = h.chat(603, "新人")
    await newcomer.say(f"/bind {code}")
    assert last_text(h, newcomer) == "该邀请码已被撤销。"

    await office.say("/users 建外街道")
    line = next(ln for ln in last_text(h, office).splitlines() if "李检查" in ln)
    user_id = line.split()[0].lstrip("#")
    await office.say(f"/setrole {user_id} 建外街道 reviewer inspector")
    assert last_text(h, office).endswith("建外街道 单位审核人")
    await inspector.say("/review")
    assert "待审核的隐患" in last_text(h, inspector)
    await office.say(f"/setrole {user_id} 区安委会办公室 admin")
    assert last_text(h, office) == "您的角色无权进行此操作。"


async def test_a_rectified_card_shows_before_and_after(harness: Harness, photos_dir) -> None:  # type: ignore[no-untyped-def]
    from aiogram.methods import SendPhoto

    from bot.domain import PhotoStage
    from storage.models import Photo

    h = harness
    inspector, reviewer = await bind_cast(h, {701: "李检查", 702: "王审核"})
    actor = await h.core.services.users.touch(telegram_address(701), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, actor, state=HazardState.REGISTERED)
    stored = await h.core.services.photos.keep_original((photos_dir / "landscape_6.jpg").read_bytes())
    found = await h.core.services.lifecycle.add_photo(actor, stored, None, PhotoStage.DISCOVERY, hid)
    async with h.core.uow() as u:  # as the hazard form attaches its photos on submission
        photo = await u.session.get(Photo, found)
        assert photo is not None
        photo.hazard_id = hid
        u.session.add(photo)
        await u.commit()

    await open_first(inspector, "/rectify")
    await inspector.press("报告整改")
    for _ in range(2):
        await inspector.press(1)  # responsibility: skip; measures: keep
    await inspector.photo(photos_dir / "landscape_7.jpg")
    await inspector.press("完成")
    await inspector.press(SUBMIT)
    before = len(h.session.requests)
    await open_first(reviewer, "/rectify")
    pictures = [m for m in h.session.requests[before:] if isinstance(m, SendPhoto)]
    assert [p.caption for p in pictures] == ["整改前后对比"] and pictures[0].chat_id == 702


def test_losing_a_simultaneous_press_is_explained_as_such() -> None:
    """Two people pressing at once: the one stored second hears that someone else was first, not the forms'
    "that button belongs to an earlier message"."""
    from bot.i18n_telegram import build_i18n
    from bot.services.errors import StaleAction
    from handlers.error_texts import error_text

    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        assert "其他人刚刚处理了这条隐患" in error_text(StaleAction(hazard_id=1))
        assert "其他人刚刚处理了这条隐患" not in error_text(StaleAction())  # a form's old button
    with i18n.context(), i18n.use_locale("en"):
        assert "Someone else changed this hazard" in error_text(StaleAction(hazard_id=1))


async def test_a_double_tap_in_the_five_implementations_answers_one_question(harness: Harness) -> None:
    h = harness
    reviewer = await five_implementations_begun(h, 411)
    await reviewer.press(KEEP)
    await reviewer.say("1e3")  # an exponent is no way to write an amount
    assert last_text(h, reviewer).startswith("⚠️ 请输入数字"), last_text(h, reviewer)
    await reviewer.say("100000000")  # funds (万元): far beyond any rectification
    assert last_text(h, reviewer).startswith("⚠️ 数值不能大于 10000000。"), last_text(h, reviewer)
    await reviewer.say("2.5")
    await reviewer.say("下周")  # the examples offered for a deadline are all in the future
    assert "可输入 2018-11-14、2018/11/14、11月14日 或 明天。" in last_text(h, reviewer), last_text(h, reviewer)  # today + 30
    keep = next(b for b in reviewer.buttons() if KEEP in b.text)  # the deadline's
    await reviewer.press_button(keep)
    assert "预案" in last_text(h, reviewer)
    second = await reviewer.press_button(keep)  # a double tap must not skip the contingency plan
    assert any(isinstance(m, AnswerCallbackQuery) and "已过期" in (m.text or "") for m in second)
    assert "预案" in last_text(h, reviewer) and "更新五落实" not in last_text(h, reviewer)
    await reviewer.say("专人值守")
    await reviewer.press(SUBMIT)
    assert "更新五落实" in last_text(h, reviewer)


async def test_a_command_typed_mid_answers_runs_and_the_form_keeps_them(harness: Harness) -> None:
    h = harness
    reviewer = await five_implementations_begun(h, 421)
    sent = await reviewer.say("/find 张XX出租房")
    texts = reviewer.texts(sent)
    assert "张XX出租房" in texts[-1], texts  # the command is answered
    async with h.core.uow() as u:
        plans = (await u.session.exec(select(RectificationPlan))).all()
    assert [p.responsibility for p in plans if p.responsibility == "房东张三"] == [], plans  # nothing counts yet
    await reviewer.say("/resume")
    assert "整改措施" in last_text(h, reviewer), last_text(h, reviewer)  # the next question, the answer kept
    await reviewer.press("上一步")
    assert "当前：房东张三" in last_text(h, reviewer), last_text(h, reviewer)


async def test_an_album_sent_at_a_re_inspection_keeps_every_photo(harness: Harness, photos_dir) -> None:  # type: ignore[no-untyped-def]
    """Telegram delivers an album as separate updates, handled concurrently: none may be lost."""
    import asyncio

    h = harness
    checker = await _at_reinspection_photos(h, 431)
    [rectified] = await stored(h, Hazard)
    hid = rectified.id
    updates = [checker.photo_update(photos_dir / f"landscape_{i}.jpg", "reinspect-album") for i in range(1, 6)]
    before = len(h.session.requests)
    await asyncio.gather(*(h.dp.feed_update(h.bot, u) for u in updates))
    replies = checker.texts(h.session.requests[before:])
    assert len(replies) == 1 and replies[0].startswith("正在接收相册…… 全部照片发送完毕后请点「完成」。"), replies
    await checker.press("完成")
    assert last_text(h, checker).startswith("复查照片：已保存 5 张照片。"), last_text(h, checker)
    await checker.press(SUBMIT)
    assert "已挂账，整改中" in last_text(h, checker), last_text(h, checker)
    async with h.core.uow() as u:
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid))).all()
    failed = [e for e in events if e.action == "reinspect_fail"]
    assert len(failed) == 1 and len(failed[0].data.get("photos", [])) == 5, [e.data for e in failed]


async def test_the_office_role_is_given_at_the_district_office_only(harness: Harness) -> None:
    h = harness
    admin = await h.bind(611, "admin", OFFICE, "周管理")
    await admin.say("/invite office 建外街道")
    assert last_text(h, admin) == "区安委会办公室角色只能绑定在区安委会办公室，不能绑定在建外街道。", last_text(h, admin)
    await admin.say("/invite office 区安委会办公室")
    assert "/bind " in last_text(h, admin) and "区安委会办公室" in last_text(h, admin), last_text(h, admin)


async def _at_reinspection_photos(h: Harness, base: int, *, deadline: bool = True, album: str | None = None) -> LocalChat:
    """A re-inspector (``base`` + 1) failing a rectified hazard of ``base``'s, at the photos (``deadline`` False:
    at the new deadline); with ``album``, the first photo of that media group sent."""
    fixer = await h.bind(base, "inspector", HOME, "李整改")
    checker = await h.bind(base + 1, "inspector", HOME, "赵复查")
    fixer_actor = await h.core.services.users.touch(telegram_address(fixer.user.id), fixer.user.full_name, "zh-hans")
    await hazard(h.core.uow, fixer_actor, state=HazardState.RECTIFIED, full_plan=True, rectified_by=fixer_actor)
    await open_first(checker, "/rectify")
    await reinspect_failed_until_photos(checker, new_deadline="2018-11-30" if deadline else None)
    if album is not None:
        await checker.photo(PHOTOS / "landscape_1.jpg", media_group_id=album)
    return checker


async def test_album_photos_arriving_after_done_join_the_photos_until_submitted_then_are_answered_once(harness: Harness, photos_dir: Path) -> None:
    h = harness
    checker = await _at_reinspection_photos(h, 441, album="late-album")
    await checker.press("完成")
    late = []
    for i in (2, 3):  # still before Submit: the album's last photos join the re-inspection's
        late += checker.texts(await checker.photo(photos_dir / f"landscape_{i}.jpg", media_group_id="late-album"))
    assert len(late) == 1 and late[0].startswith("相册中晚到的照片已加入复查照片。"), late
    submit = next(b for b in checker.buttons() if SUBMIT in b.text)
    await checker.press_button(submit)
    assert "已挂账，整改中" in last_text(h, checker), last_text(h, checker)
    await checker.press_button(submit)  # a double tap: the re-inspection is recorded once
    after = []
    for i in (4, 5):
        after += checker.texts(await checker.photo(photos_dir / f"landscape_{i}.jpg", media_group_id="late-album"))
    assert after == ["相册中的这张照片在表单提交（或取消）之后才到达，未能加入。"], after
    assert not any("抱歉" in t for t in checker.texts()), checker.texts()
    async with h.core.uow() as u:
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "reinspect_fail"))).all()
    assert len(events) == 1 and len(events[0].data["photos"]) == 3, [e.data for e in events]


async def test_an_album_sent_as_done_is_pressed_joins_the_photos_it_was_sent_for(harness: Harness, photos_dir) -> None:  # type: ignore[no-untyped-def]
    h = harness
    checker = await _at_reinspection_photos(h, 451)
    await checker.press("完成")  # before the album's photos reached the bot
    late = checker.texts(await checker.photo(photos_dir / "landscape_1.jpg", media_group_id="slow-album"))
    assert len(late) == 1 and late[0].startswith("相册中晚到的照片已加入复查照片。"), late
    assert checker.texts(await checker.photo(photos_dir / "landscape_2.jpg", media_group_id="slow-album")) == []
    await checker.press(SUBMIT)
    async with h.core.uow() as u:
        event = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "reinspect_fail"))).one()
    assert len(event.data["photos"]) == 2, event.data
    await checker.say("/hazard")  # a form opened now takes its photos as usual
    assert "所属街乡" in last_text(h, checker), last_text(h, checker)


async def test_evidence_keeps_one_document_and_asks_again_for_other_content(harness: Harness) -> None:
    from aiogram.types import Video

    h = harness
    await h.bind(461, "inspector", HOME, "李检查")
    actor = await h.core.services.users.touch(telegram_address(461), "李检查", "zh-hans")
    await hazard(h.core.uow, actor, state=HazardState.REGISTERED)
    inspector = h.chat(461, "李检查")
    await open_first(inspector, "/rectify")
    await inspector.press("报告整改")
    for _ in range(2):
        await inspector.press(1)
    await inspector.file(b"%PDF-1.4 first", "验收单.pdf", "application/pdf")
    sent = inspector.texts(await inspector.file(b"%PDF-1.4 second", "整改报告.pdf", "application/pdf"))
    assert sent[0].startswith("⚠️ 只能附一个文件，已保留第一个（验收单.pdf）"), sent
    update = h.factory.message(inspector.user, video=Video(file_id="v1", file_unique_id="v1u", width=1, height=1,
                                                            duration=1))
    before = len(h.session.requests)
    await h.dp.feed_update(h.bot, update)
    asked = inspector.texts(h.session.requests[before:])
    assert len(asked) == 1 and asked[0].startswith("⚠️ ") and "验收材料" in asked[0], asked
    await inspector.press("完成")
    assert "📄 验收单.pdf" in last_text(h, inspector), last_text(h, inspector)
    await inspector.press(SUBMIT)
    assert "已整改，待复查" in last_text(h, inspector), last_text(h, inspector)
    async with h.core.uow() as u:
        reported = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "report_rectification"))).one()
    assert "验收单.pdf" in str(reported.data) and "整改报告.pdf" not in str(reported.data), reported.data


async def test_done_pressed_while_an_album_arrives_loses_no_answer_and_raises_nothing(
    harness: Harness, photos_dir
) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    h = harness
    checker = await _at_reinspection_photos(h, 471, album="racing-album")
    done = next(b for b in checker.buttons() if "完成" in b.text)
    updates = [h.factory.callback(checker.user, done.message, done.callback_data)]
    updates += [checker.photo_update(photos_dir / f"landscape_{i}.jpg", "racing-album") for i in (2, 3, 4)]
    updates.append(h.factory.callback(checker.user, done.message, done.callback_data))  # a double tap
    before = len(h.session.requests)
    await asyncio.gather(*(h.dp.feed_update(h.bot, u) for u in updates))
    texts = checker.texts(h.session.requests[before:])
    assert not any("抱歉" in t for t in texts), texts
    await checker.say("/resume")
    await checker.press(SUBMIT)
    async with h.core.uow() as u:
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "reinspect_fail"))).all()
    assert len(events) == 1, [e.data for e in events]
    assert len(events[0].data["photos"]) == 4, (events[0].data, texts)  # before Submit, late photos still join


async def test_office_roles_given_at_a_township_before_the_rule_count_for_nothing(harness: Harness) -> None:
    from datetime import timedelta

    from storage.models import InviteCode, Membership, Unit

    h = harness
    async with h.core.uow() as u:
        township = (await u.session.exec(select(Unit).where(Unit.name == HOME))).one()
        u.session.add(InviteCode(code="OLDOFF22", role="office", unit_id=township.id,
                                 expires_at=datetime.now(UTC) + timedelta(days=3)))
        await u.commit()
    newcomer = h.chat(621, "新来的")
    await newcomer.say("/bind OLDOFF22")
    assert last_text(h, newcomer) == "区安委会办公室角色只能绑定在区安委会办公室，不能绑定在建外街道。", last_text(h, newcomer)

    holder = await h.bind(622, "inspector", HOME, "老办公室")
    actor = await h.core.services.users.touch(telegram_address(622), "老办公室", "zh-hans")
    async with h.core.uow() as u:
        u.session.add(Membership(user_id=actor.user_id, unit_id=township.id, role="office"))
        await u.commit()
    await holder.say("/invite reviewer 建外街道")  # what the office may do, and an inspector may not
    assert last_text(h, holder) == "您的角色无权进行此操作。", last_text(h, holder)


@pytest.mark.parametrize("stored_state", [False, True], ids=["memory", "database"])
async def test_a_typed_answer_and_an_album_sent_together_keep_both(
    database_url: str, tmp_path, photos_dir, stored_state: bool
) -> None:  # type: ignore[no-untyped-def]
    """The deadline typed and an album sent right after arrive together: the answer is not rewound by
    the album's refusal, whichever runs first; nothing raises."""
    import asyncio

    from bot.clock import fixed_clock
    from tests.conftest import TODAY, open_harness

    async with open_harness(database_url, tmp_path, fixed_clock(TODAY), stored_state=stored_state) as h:
        checker = await _at_reinspection_photos(h, 481, deadline=False)  # the deadline is asked
        updates = [h.factory.text(checker.user, "2018-11-30")]
        updates += [checker.photo_update(photos_dir / f"landscape_{i}.jpg", "with-text") for i in (1, 2, 3)]
        before = len(h.session.requests)
        await asyncio.gather(*(h.dp.feed_update(h.bot, u) for u in updates))
        texts = checker.texts(h.session.requests[before:])
        assert not any("抱歉" in t for t in texts), texts
        async with h.core.uow() as u:
            draft = (await u.session.exec(select(Draft).where(Draft.form == "reinspection"))).one()
        assert draft.data.get("deadline") == "2018-11-30", draft.data  # the typed answer stands
        assert draft.step == "photos", draft.step


async def test_after_submission_only_late_album_photos_are_answered_and_files_go_where_they_always_went(harness: Harness, photos_dir: Path) -> None:
    h = harness
    checker = await _at_reinspection_photos(h, 491, album="known-album")
    await checker.press("完成")
    await checker.press(SUBMIT)
    late = checker.texts(await checker.photo(photos_dir / "landscape_2.jpg", media_group_id="known-album"))
    assert late == ["相册中的这张照片在表单提交（或取消）之后才到达，未能加入。"], late
    upload = checker.texts(await checker.file(b"%PDF-1.4 notice", "通知.pdf", "application/pdf"))
    assert upload and "之后才到达" not in upload[0], upload
    assert await h.dp.fsm.get_context(h.bot, checker.user.id, checker.user.id).get_state() is None


async def test_a_button_of_an_earlier_input_does_not_answer_the_same_question_of_another_hazard(
    harness: Harness,
) -> None:
    h = harness
    checker = await _at_reinspection_photos(h, 511)  # hazard one, at its photos
    old_done = next(b for b in checker.buttons() if "完成" in b.text)
    await checker.press("取消")
    await checker.press("确认放弃")
    fixer = await h.core.services.users.touch(telegram_address(511), "李整改", "zh-hans")
    await hazard(h.core.uow, fixer, state=HazardState.RECTIFIED, full_plan=True, rectified_by=fixer,
                 site_name="王XX仓库")
    await checker.say("/rectify")
    await checker.press(2)  # hazard two
    await reinspect_failed_until_photos(checker, reason="通道仍被占用")
    sent = await checker.press_button(old_done)
    assert any(isinstance(m, AnswerCallbackQuery) and "已过期" in (m.text or "") for m in sent), sent
    async with h.core.uow() as u:
        failed = (await u.session.exec(select(HazardEvent).where(HazardEvent.action == "reinspect_fail"))).all()
    assert failed == []  # the second input still waits for its own Done
    await checker.press("完成")
    await checker.press(SUBMIT)
    assert "已挂账，整改中" in last_text(h, checker), last_text(h, checker)


async def test_a_refused_report_stays_open_to_be_mended_and_a_step_taken_by_someone_else_ends_it(
    harness: Harness, photos_dir
) -> None:  # type: ignore[no-untyped-def]
    h = harness
    inspector, reviewer = await bind_cast(h, {521: "李检查", 522: "王审核"})
    reviewer2 = await h.bind(523, "reviewer", HOME, "钱审核")
    actor = await h.core.services.users.touch(telegram_address(521), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, actor, state=HazardState.REGISTERED, level="重大隐患")
    await open_first(inspector, "/rectify")
    await inspector.press("报告整改")
    await inspector.say("房东张三")
    await inspector.press(KEEP)      # measures
    await inspector.press("跳过")    # funds: a 重大隐患 cannot be reported without them
    await inspector.say("夜间专人巡查")
    await inspector.photo(photos_dir / "landscape_1.jpg")
    await inspector.press("完成")
    await inspector.press(SUBMIT)
    refused = last_text(h, inspector)
    assert refused.startswith("⚠️ “五落实”尚未填写完整") and "资金" in refused and "提交前请核对" in refused, refused
    assert await _state(h, hid) == ("registered", 1)
    await inspector.press("修改：资金（万元）")
    await inspector.say("3")
    await inspector.press(SUBMIT)
    assert "已整改，待复查" in last_text(h, inspector), last_text(h, inspector)

    second = await hazard(h.core.uow, actor, site_name="王XX仓库")
    for chat in (reviewer, reviewer2):
        await open_first(chat, "/find 王XX仓库")
        await chat.press("驳回")
        await chat.say("照片不清楚")
    await reviewer.press(SUBMIT)
    assert await _state(h, second) == ("rejected", 2)
    await reviewer2.press(SUBMIT)  # too late: the form ends, nothing is done twice
    assert "王审核" in last_text(h, reviewer2) and "提交前请核对" not in last_text(h, reviewer2), last_text(h, reviewer2)
    await reviewer2.say("/resume")
    assert last_text(h, reviewer2).startswith("当前没有正在填写的表单"), last_text(h, reviewer2)
    assert await _state(h, second) == ("rejected", 2)
