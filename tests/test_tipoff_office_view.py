"""The district office looking at tip-offs (through the dispatcher): opening a card tells the reporter nothing
(only a verifier of the tip-off's own township opening it starts 街乡正在核实); a tip-off whose reporter left the
township 「不清楚」 reads as waiting for a township, its button assigns one and the office is told which; the
/report questions state the description's minimum and mention 保持当前值 only when a township was guessed."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.tipoff_helpers import DESCRIPTION, last, report, sent_to, tipoff

pytestmark = pytest.mark.sqlite_only  # words, buttons: no SQL the two databases answer differently

OFFICE, INSPECTOR, REPORTER = 30_210, 30_211, 30_212
PROGRESS = "有新进展"


async def test_the_office_opening_a_card_does_not_tell_the_reporter(harness: Harness) -> None:
    office = await harness.bind(OFFICE, "office", "区安委会办公室", "张办公室")
    inspector = await harness.bind(INSPECTOR, "inspector", "三里屯街道", "李检查")
    number = await report(harness.chat(REPORTER))
    told = len(sent_to(REPORTER, harness.session))
    await office.say("/tipoffs")
    await office.press(number)
    assert number in last(office), last(office)
    assert sent_to(REPORTER, harness.session)[told:] == []
    assert (await tipoff(harness, number)).status == "received"
    await inspector.say("/tipoffs")
    await inspector.press(number)  # the township's own verifier: now it is being verified
    news = sent_to(REPORTER, harness.session)[told:]
    assert len(news) == 1 and "街乡正在核实" in news[0], news
    assert (await tipoff(harness, number)).status == "verifying"


async def test_a_tipoff_of_unknown_township_reads_as_waiting_and_is_assigned_by_name(harness: Harness) -> None:
    office = await harness.bind(OFFICE, "office", "区安委会办公室", "张办公室")
    chat = harness.chat(REPORTER, "群众")
    await chat.say("/report")
    await chat.say(DESCRIPTION)
    await chat.press("跳过")
    await chat.say("朝阳区某小区3号楼")  # no township in it, no pin: nothing guessed
    await chat.press("不清楚")
    await chat.press("跳过")
    await chat.press("提交")
    number = last(chat).split("受理编号：")[1].split()[0]
    told = len(sent_to(REPORTER, harness.session))
    await office.say("/tipoffs")
    await office.press(number)
    card = last(office)
    assert "待指定街乡" in card and "街乡正在核实" not in card and "街乡：区安委会办公室" not in card, card
    labels = [b.text for b in office.buttons()]
    assert any("指定街乡" in t for t in labels) and not any("非本街乡" in t for t in labels), labels
    assert sent_to(REPORTER, harness.session)[told:] == []
    await office.press("指定街乡")
    await office.press("三里屯街道")
    assert "已转交三里屯街道处理" in last(office), last(office)
    assert (await tipoff(harness, number)).township_code == "110105004"


async def test_report_questions_state_the_minimum_and_keep_only_when_guessed(harness: Harness) -> None:
    chat = harness.chat(REPORTER, "群众")
    await chat.say("/report")
    assert "至少 10 个字" in last(chat), last(chat)  # settings.tipoff_min_description
    await chat.say(DESCRIPTION)
    await chat.press("跳过")
    await chat.say("朝阳区某小区3号楼")  # nothing to guess from: no current value, no keep button
    question = last(chat)
    assert "所在街乡" in question and "保持当前值" not in question, question
    assert not any("保持当前值" in b.text for b in chat.buttons())
    await chat.press("« 上一步")
    await chat.location(39.93418, 116.45212)  # 三里屯: guessed, offered to keep
    question = last(chat)
    assert "当前：三里屯街道" in question and "保持当前值" in question, question
