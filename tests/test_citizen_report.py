"""A citizen's /report walked as a newcomer would (through the dispatcher, SQLite): a bare pin offers the township
it lies in; 「不清楚」 routes the tip-off to the district office, which assigns it; a pin outside 朝阳区 points the
citizen to 12345 (officials' forms do not); a bare pin is never offered back as an address; the receipt and a
hazard's history read without 「0 张」 or a space before full-width punctuation."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMessage

from bot.domain import DISTRICT_OFFICE_CODE
from tests.chat_helpers import card, hazard_row
from tests.conftest import FailureLog, Harness
from tests.evidence_chat import at_the_evidence_question
from tests.forms_flow import PHOTOS, SUBMIT
from tests.test_odd_updates import _at_the_address, _open_draft
from tests.tipoff_helpers import DESCRIPTION, sent_to, tipoff

pytestmark = pytest.mark.sqlite_only
KEEP = "保持当前值"


async def _at_the_place(h: Harness, uid: int) -> object:
    chat = h.chat(uid, "群众")
    await chat.say("/report")
    await chat.say(DESCRIPTION)
    await chat.press("跳过")
    assert "位置" in chat.last_text(), chat.last_text()
    return chat


async def test_a_bare_pin_offers_the_township_it_lies_in(harness: Harness, failures: FailureLog) -> None:
    chat = await _at_the_place(harness, 30_001)
    await chat.location(39.93418, 116.45212)  # 三里屯, no address
    text = chat.last_text()
    assert "所在街乡" in text and "当前：三里屯街道" in text, text
    await chat.press(KEEP)
    assert "联系方式" in chat.last_text(), chat.last_text()
    await chat.press("跳过")
    await chat.press("提交")
    number = chat.last_text().split("受理编号：")[1].split()[0]
    assert (await tipoff(harness, number)).township == "三里屯街道"
    assert failures.messages() == []


async def test_dont_know_routes_the_tipoff_to_the_district_office(harness: Harness, failures: FailureLog) -> None:
    h = harness
    office = await h.bind(30_010, "office", "区安委会办公室", "张办公室")
    sanlitun = await h.bind(30_011, "inspector", "三里屯街道", "李检查")
    chat = await _at_the_place(h, 30_002)
    await chat.say("朝阳区某小区3号楼")  # no township in the address, no pin
    assert "不清楚" in [b.text for b in chat.buttons()], chat.buttons()
    await chat.press("不清楚")
    await chat.press("跳过")
    assert "不清楚" in chat.last_text(), chat.last_text()  # on the review card
    await chat.press("提交")
    receipt = chat.last_text()
    assert "受理编号" in receipt, receipt
    assert "区安委会办公室将转交所在街乡核实" in receipt and "街乡将进行核实" not in receipt, receipt
    number = receipt.split("受理编号：")[1].split()[0]
    record = await tipoff(h, number)
    assert record.township_code == DISTRICT_OFFICE_CODE, record
    assert any(number in t for t in sent_to(office.user.id, h.session)), "the office is told"
    assert not any(number in t for t in sent_to(sanlitun.user.id, h.session))
    await office.say("/tipoffs")
    assert number in office.last_text(), office.last_text()
    await office.press(number)
    card = office.last_text()
    assert "照片：无" in card and "照片：0" not in card, card  # no photos were sent
    assert failures.messages() == []


async def test_a_pin_outside_points_a_citizen_to_12345(harness: Harness, failures: FailureLog) -> None:
    chat = await _at_the_place(harness, 30_003)
    await chat.location(31.2304, 121.4737)  # 上海
    text = chat.last_text()
    assert "不在朝阳区范围内" in text and "12345" in text, text
    for lat, lon in ((39.9087, 116.3975), (39.9836, 116.3106), (39.9077, 116.6622)):  # 天安门, 中关村, 通州: near, outside
        await chat.location(lat, lon)
        text = chat.last_text()
        assert "不在朝阳区范围内" in text and "12345" in text, (lat, lon, text)
    official = await _at_the_address(harness, 30_004)
    await official.location(31.2304, 121.4737)
    text = official.last_text()
    assert "不在朝阳区范围内" in text and "12345" not in text, text
    assert failures.messages() == []


async def test_a_bare_pin_is_never_kept_as_the_address(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await _at_the_address(h, 30_005)
    await chat.location(39.9087, 116.4590)
    text = chat.last_text()
    assert "39.90870" not in text, text
    assert not [b for b in chat.buttons() if KEEP in b.text], chat.buttons()
    draft = await _open_draft(h, chat)
    assert (draft.data["address"]["lat"], draft.data["address"]["lon"]) == (39.9087, 116.4590)  # the pin is kept
    await chat.say("建国门外大街1号")
    assert "负责人" in chat.last_text(), chat.last_text()
    draft = await _open_draft(h, chat)
    assert draft.data["address"] == {"lat": 39.9087, "lon": 116.4590, "address": "建国门外大街1号"}
    assert failures.messages() == []


async def test_the_receipt_names_no_photos_without_a_zero(harness: Harness, failures: FailureLog) -> None:
    chat = await _at_the_place(harness, 30_006)
    await chat.location(39.93418, 116.45212, "朝阳区三里屯街道幸福村中路12号")
    await chat.press(KEEP)
    await chat.press("跳过")
    await chat.press("提交")
    receipt = chat.last_text()
    assert "受理编号" in receipt and "照片" not in receipt, receipt
    assert failures.messages() == []


async def test_a_history_line_has_no_space_before_its_photo_count(harness: Harness, failures: FailureLog) -> None:
    h = harness
    inspector, hid = await at_the_evidence_question(h, 30_020)
    await inspector.album([PHOTOS / "landscape_1.jpg", PHOTOS / "landscape_2.jpg"])
    await inspector.press("完成")
    await inspector.press(SUBMIT)
    await card(inspector, (await hazard_row(h, hid)).ledger_number or "")
    before = len(h.session.requests)
    await inspector.press("全过程记录")
    history = "\n".join(m.text or "" for m in h.session.requests[before:] if isinstance(m, SendMessage))
    assert "（照片 2 张）" in history and " （" not in history, history
    assert failures.messages() == []


async def test_the_office_forwards_a_dont_know_tipoff_and_its_hazard_form_asks_the_township(
        harness: Harness, failures: FailureLog) -> None:
    h = harness
    office = await h.bind(30_030, "office", "区安委会办公室", "张办公室")
    sanlitun = await h.bind(30_031, "inspector", "三里屯街道", "李检查")
    chat = await _at_the_place(h, 30_032)
    await chat.say("朝阳区某小区3号楼")
    await chat.press("不清楚")
    await chat.press("跳过")
    await chat.press("提交")
    number = chat.last_text().split("受理编号：")[1].split()[0]
    await office.say("/tipoffs")
    await office.press(number)
    assert "区安委会办公室" in office.last_text(), office.last_text()
    await office.press("查实")
    assert "所在街道" in office.last_text() or "街乡" in office.last_text(), office.last_text()
    assert "当前：区安委会办公室" not in office.last_text(), office.last_text()
    await office.say("/cancel")
    await office.press("放弃")
    await office.say("/tipoffs")
    await office.press(number)
    await office.press("指定街乡")
    await office.press("三里屯街道")
    assert (await tipoff(h, number)).township_code == "110105004"
    assert any(number in t for t in sent_to(sanlitun.user.id, h.session)), "the township is told"
    assert failures.messages() == []


async def test_a_typed_address_in_another_district_points_a_citizen_to_12345(
        harness: Harness, failures: FailureLog) -> None:
    chat = await _at_the_place(harness, 30_009)
    await chat.say("海淀区中关村大街1号")
    text = chat.last_text()
    assert "海淀区" in text and "不在朝阳区范围内" in text and "12345" in text, text
    assert "位置" in text  # the same question again
    await chat.say("北京市 海淀区中关村大街2号")
    assert "12345" in chat.last_text(), chat.last_text()
    await chat.say("京通快速路往通州区方向双桥出口")  # a district named as a direction: a place in 朝阳, goes on
    assert "街乡" in chat.last_text() and "12345" not in chat.last_text(), chat.last_text()
    assert failures.messages() == []


async def test_the_opening_says_who_sees_the_reporter(harness: Harness, failures: FailureLog) -> None:
    """The office's card names the reporter (Telegram name and id): the opening must not promise anonymity."""
    chat = harness.chat(30_012, "群众")
    await chat.say("/report")
    text = chat.last_text()
    assert "仅区安委会办公室可见" in text and "匿名" not in text, text
    assert failures.messages() == []
