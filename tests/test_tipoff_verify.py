"""Verifying tip-offs through the dispatcher: duplicates merged (the reporter follows the known case),
不属实 with a reason, forwarding to the right township, additions, and the walls between reporters
and between townships."""

from __future__ import annotations

from handlers.callbacks import TipCb, TrackCb
from tests import tipoff_helpers  # the steps that take a tip-off on into the hazard ledger
from tests.chat_helpers import last_told
from tests.tipoff_helpers import (
    ADDRESS,
    DESCRIPTION,
    LAT,
    LON,
    PHOTOS,
    SANLITUN,
    last,
    report,
    sent_to,
    tipoff,
)

FIRST, SECOND = 880_003_001, 880_003_002
INSPECTOR, JIANWAI_INSPECTOR = 700_021, 700_022
SECOND_TEXT = "三里屯那栋楼地下室有人住，还有人私拉电线"


async def _open_latest(inspector) -> None:  # type: ignore[no-untyped-def]
    await inspector.say("/tipoffs")
    await inspector.press(len(inspector.buttons()))


async def _merged_at_one_address(harness, inspector, first, second) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """``first`` reports; ``second`` reports at the same address (typed, no pin); the inspector merges the second
    into the first. The two tracking numbers."""
    first_number = await report(first)
    await second.say("/report")
    await second.say(SECOND_TEXT)
    await second.press("跳过")
    await second.say(ADDRESS)  # typed, no pin: same address
    await second.press("保持当前")
    await second.press("跳过")
    await second.press("提交")
    second_number = last(second).split("受理编号：")[1].split()[0]
    await _open_latest(inspector)
    assert "同一地址" in last(inspector) and first_number in last(inspector)
    await inspector.press(f"合并到 {first_number}")
    assert (await tipoff(harness, second_number)).merged_into_id == (await tipoff(harness, first_number)).id
    return first_number, second_number


async def merged_then_closed(harness):  # type: ignore[no-untyped-def]
    """Two reporters at one address, the second's tip-off merged into the first's, which is verified as a hazard
    that then closes. (inspector, first, second, first_number, second_number)."""
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    first, second = harness.chat(FIRST), harness.chat(SECOND)
    first_number, second_number = await _merged_at_one_address(harness, inspector, first, second)
    await _open_latest(inspector)
    await tipoff_helpers.verify_as_hazard(inspector)
    hazard_id = (await tipoff(harness, first_number)).hazard_id
    assert hazard_id is not None
    await tipoff_helpers.set_hazard_state(harness, hazard_id, "closed")
    return inspector, first, second, first_number, second_number


async def near_a_hazard(harness, first, second):  # type: ignore[no-untyped-def]
    """``first`` reports and the inspector verifies it as a hazard; ``second`` reports 60 m north-east of it, typed
    differently, and the inspector opens that card. (inspector, first_number, second_number)."""
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    first_number = await report(first)
    await _open_latest(inspector)
    await tipoff_helpers.verify_as_hazard(inspector)
    second_number = await report(second, address="三里屯街道幸福村中路十二号院", lat=LAT + 0.0004, lon=LON + 0.0004,
                                 description=SECOND_TEXT)
    await _open_latest(inspector)
    return inspector, first_number, second_number


async def test_a_duplicate_near_a_hazard_is_merged_and_its_reporter_follows_the_hazard(harness) -> None:
    first, second = harness.chat(FIRST, "张一"), harness.chat(SECOND, "李二")
    inspector, first_number, second_number = await near_a_hazard(harness, first, second)
    card = last(inspector)
    assert "可能重复" in card and "相距" in card
    await inspector.press("合并到")
    assert "已通知举报人" in last(inspector)
    told = sent_to(SECOND, harness.session)[-1]
    assert "已有人反映" in told and "待审核后列入" in told

    await second.say(f"/track {second_number}")
    assert "已有人反映" in last(second) and "待审核后列入" in last(second)

    hazard_id = (await tipoff(harness, first_number)).hazard_id
    assert hazard_id is not None and (await tipoff(harness, second_number)).hazard_id == hazard_id
    await tipoff_helpers.set_hazard_state(harness, hazard_id, "closed")
    assert "已整改完毕" in sent_to(FIRST, harness.session)[-1]
    assert "已整改完毕" in sent_to(SECOND, harness.session)[-1]

    # nothing one reporter wrote or is reached another
    assert DESCRIPTION not in "\n".join(sent_to(SECOND, harness.session))
    assert SECOND_TEXT not in "\n".join(sent_to(FIRST, harness.session))
    assert first_number not in "\n".join(sent_to(SECOND, harness.session))
    assert second_number not in "\n".join(sent_to(FIRST, harness.session))


async def test_a_tipoff_at_the_same_address_merges_into_the_open_one(harness) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    first, second = harness.chat(FIRST), harness.chat(SECOND)
    first_number, second_number = await _merged_at_one_address(harness, inspector, first, second)

    await _open_latest(inspector)  # the first one
    await inspector.press("不属实")
    await inspector.press("现场未发现")
    assert "确认以" in last(inspector)  # 不属实 asks to confirm; « 上一步 leaves the tip-off as it is
    await inspector.press("上一步")
    await inspector.press("现场未发现")
    assert (await tipoff(harness, first_number)).status == "verifying"
    await inspector.press("确认不属实")
    assert (await tipoff(harness, first_number)).status == "not_confirmed"
    assert "现场未发现所反映的隐患" in sent_to(FIRST, harness.session)[-1]
    assert "经核实不属实" in sent_to(SECOND, harness.session)[-1]


async def test_another_reporters_number_shows_nothing(harness) -> None:
    first, second = harness.chat(FIRST), harness.chat(SECOND)
    number = await report(first, photos=[PHOTOS / "landscape_3.jpg"])
    before = len(harness.session.requests)

    await second.say(f"/track {number}")
    assert last(second) == f"您没有编号为 {number} 的举报。"
    await second.say(f"/add {number}")
    assert "找不到" in last(second) or "未找到" in last(second), last(second)
    forged = harness.factory.callback(second.user, _a_message(second), TrackCb(a="nf", n=number).pack())
    await harness.dp.feed_update(harness.bot, forged)
    await second.say("/my_reports")
    assert number not in last(second)

    after = harness.session.requests[before:]
    assert all(int(getattr(m, "chat_id", SECOND) or SECOND) == SECOND for m in after)
    assert DESCRIPTION not in "\n".join(sent_to(SECOND, harness.session))


async def test_verifiers_of_another_township_cannot_open_or_act(harness) -> None:
    await harness.bind(INSPECTOR, "inspector", SANLITUN)
    stranger = await harness.bind(JIANWAI_INSPECTOR, "inspector", "110105001")
    number = await report(harness.chat(FIRST))
    tip = await tipoff(harness, number)
    await stranger.say("/tipoffs")
    assert number not in last(stranger)
    for data in (TipCb(a="v", id=tip.id or 0), TipCb(a="c", id=tip.id or 0), TipCb(a="rr", id=tip.id or 0, i=0),
                 TipCb(a="rc", id=tip.id or 0, i=0)):
        await harness.dp.feed_update(harness.bot, harness.factory.callback(stranger.user, _a_message(stranger), data.pack()))
        assert "不在您的权限范围" in last_told(stranger) or "未找到" in last_told(stranger), last_told(stranger)
    assert (await tipoff(harness, number)).status == "received"
    assert DESCRIPTION not in "\n".join(sent_to(JIANWAI_INSPECTOR, harness.session))


async def test_wrong_township_forwards_it_to_the_right_queue(harness) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    jianwai = await harness.bind(JIANWAI_INSPECTOR, "inspector", "110105001")
    reporter = harness.chat(FIRST)
    number = await report(reporter)
    await _open_latest(inspector)
    await inspector.press("非本街乡")
    await inspector.press("建外街道")
    assert "已转交建外街道处理" in sent_to(FIRST, harness.session)[-1]
    assert any(number in t for t in sent_to(JIANWAI_INSPECTOR, harness.session))
    await inspector.say("/tipoffs")
    assert number not in last(inspector)
    await jianwai.say("/tipoffs")
    assert number in last(jianwai)


async def test_reporter_adds_details_and_photos_to_the_open_tipoff(harness) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    reporter = harness.chat(FIRST)
    number = await report(reporter)
    await reporter.say(f"/track {number}")
    await reporter.press("补充")
    await reporter.say("晚上十点以后最严重")
    await reporter.photo(PHOTOS / "DSCN0010.jpg")
    await reporter.press("完成")
    await reporter.press("提交")
    assert "已补充到举报" in last(reporter)
    assert any("补充的材料" in t for t in sent_to(INSPECTOR, harness.session))
    await _open_latest(inspector)
    assert "补充：晚上十点以后最严重" in last(inspector) and "照片：1 张" in last(inspector)


def _a_message(chat):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from aiogram.types import Chat, Message

    return Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=chat.user.id, type="private"))


async def test_two_verifiers_make_one_hazard(harness) -> None:
    from sqlmodel import func, select

    from storage.models import Hazard

    first_inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    second_inspector = await harness.bind(JIANWAI_INSPECTOR, "reviewer", SANLITUN)
    number = await report(harness.chat(FIRST))
    for inspector in (first_inspector, second_inspector):
        await _open_latest(inspector)
        await tipoff_helpers.verify_as_hazard(inspector, submit=False)
    submit = next(b for b in second_inspector.buttons() if "提交" in b.text)
    await first_inspector.press("提交")
    assert "隐患已提交" in last(first_inspector)
    await second_inspector.press_button(submit)  # a reviewer: told of the first one's hazard meanwhile
    assert "已由他人核实或办结" in last(second_inspector), last(second_inspector)
    async with harness.core.uow() as u:
        assert (await u.session.exec(select(func.count()).select_from(Hazard))).one() == 1
    assert (await tipoff(harness, number)).status == "registered"


async def test_the_receipt_and_the_track_view_agree_on_the_day(harness) -> None:
    reporter = harness.chat(FIRST)
    number = await report(reporter)
    await reporter.say(f"/track {number}")
    assert f"{number}（2018-10-15）" in last(reporter)


async def test_an_english_speaking_reporter_is_told_in_english(harness) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    reporter = harness.chat(FIRST, "Alex", language="en")
    await reporter.say("/report")
    assert "What is the hazard?" in last(reporter)
    await reporter.say("E-bikes are charged every night in the stairwell")
    await reporter.press("Skip")
    await reporter.location(LAT, LON, ADDRESS)
    await reporter.press("Keep current")
    await reporter.press("Skip")
    await reporter.press("Submit")
    assert "Tracking number" in last(reporter)
    await _open_latest(inspector)
    assert "街乡正在核实" in last(inspector)
    assert "being verified by the township" in sent_to(FIRST, harness.session)[-1]


async def test_not_fixed_from_a_merged_tipoff_reopens_the_one_verified_each_time(harness) -> None:
    """The reporter of a tip-off merged into another says 仍未整改: the one it was merged into goes back to the
    township's queue (both reporters read 重新核查), and when it is fixed again a second 仍未整改 is told again."""
    inspector, first, second, first_number, second_number = await merged_then_closed(harness)
    for time in (1, 2):
        await second.say(f"/track {second_number}")
        assert "已整改完毕" in last(second), last(second)
        await second.press("仍未整改")
        assert "重新核查" in last(second), last(second)
        assert (await tipoff(harness, first_number)).status == "verifying"
        told = [t for t in sent_to(INSPECTOR, harness.session) if "仍未整改" in t]
        assert len(told) == time, told
        await first.say(f"/track {first_number}")
        assert "重新核查" in last(first) or "正在核实" in last(first), last(first)
        await inspector.say("/tipoffs")
        assert first_number in last(inspector), last(inspector)
        await tipoff_helpers.set_tipoff_status(harness, first_number, "fixed")  # fixed again
