"""Buttons pressed twice or under an earlier question, and edits Telegram refuses, through the
dispatcher on SQLite and PostgreSQL: the form moves exactly as the user meant, and nothing turns
into "something went wrong"."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, TelegramMethod

from bot.channels import telegram_address
from tests.chat_script import Tap, answer, shows
from tests.conftest import Harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

GENERIC_FAILURE = "抱歉"


async def _at_optional_step(h: Harness) -> Any:
    chat = await h.bind(601, "inspector", "建外街道", "李检查")
    await chat.say("/hazard")
    await chat.press("保持当前值")
    await chat.say("张XX出租房")
    await chat.location(39.9087, 116.4605)
    await chat.say("建国门外大街永安里8号")
    await chat.say("张三")
    await chat.say("13912345678")
    await chat.press("民营企业")
    chat.asked_before = chat.last_text().splitlines()[1]  # type: ignore[attr-defined]
    await chat.say("25")
    assert "上级集团公司名称" in chat.last_text() and "选填" in chat.last_text(), chat.last_text()
    return chat


async def test_a_double_tap_on_skip_skips_one_question(harness: Harness) -> None:
    chat = await _at_optional_step(harness)
    skip = next(b for b in chat.buttons() if b.text == "跳过")
    await chat.press_button(skip)
    assert "所属区行业部门" in chat.last_text()
    second = await chat.press_button(skip)  # the same message, a moment later
    answers = [m.text for m in second if isinstance(m, AnswerCallbackQuery)]
    assert answers and "已过期" in (answers[0] or ""), answers
    assert "所属区行业部门" in chat.last_text(), chat.last_text()  # the current question again, not the next
    assert not any(GENERIC_FAILURE in t for t in chat.texts(second))


async def test_back_under_an_answered_question_does_not_move_the_form(harness: Harness) -> None:
    chat = await _at_optional_step(harness)
    await chat.say("北京某某集团有限公司")  # answered by typing: that question's buttons stay on screen
    old_back = None
    for method, _ in harness.session.responses:  # the "上级集团公司名称" question's « 上一步
        markup = getattr(method, "reply_markup", None)
        if markup is not None and "上级集团公司名称" in (getattr(method, "text", "") or ""):
            old_back = markup.inline_keyboard[-1][0]
    assert old_back is not None and old_back.text == "« 上一步"
    button = next(b for b in chat.buttons() if b.text == "« 上一步")
    await chat.press_button(type(button)(old_back.text, old_back.callback_data, None, button.message))
    assert "所属区行业部门" in chat.last_text(), chat.last_text()
    await chat.press("« 上一步")  # the current question's own back still works
    assert "上级集团公司名称" in chat.last_text()


async def test_a_keyboard_telegram_will_not_edit_any_more_does_not_stop_the_step(harness: Harness) -> None:
    chat = await _at_optional_step(harness)

    def refuse_edits(method: TelegramMethod[Any]) -> None:
        if isinstance(method, EditMessageReplyMarkup):
            raise TelegramBadRequest(method, "Bad Request: message can't be edited")

    harness.session.on_request = refuse_edits
    sent = await chat.press("« 上一步")
    assert chat.asked_before in chat.last_text(), chat.last_text()  # type: ignore[attr-defined]
    assert not any(GENERIC_FAILURE in t for t in chat.texts(sent)), chat.texts(sent)


async def test_a_demolished_area_kept_or_submitted_above_a_lowered_illegal_area_is_refused(harness: Harness) -> None:
    from tests.forms_flow import fill_hazard_until_review

    chat = await harness.bind(602, "inspector", "建外街道", "李检查")
    await fill_hazard_until_review(chat, album=1)  # illegal area 120.5 m², demolished 80 m²
    await chat.press("修改：违建面积")
    await chat.say("3万")  # 30,000 m²? or 3 m² typed with the wrong unit: asked again, naming the unit
    assert "此处的单位是平方米，请只填写数字" in chat.last_text(), chat.last_text()
    await chat.say("1e20")
    assert "请输入数字" in chat.last_text(), chat.last_text()
    await chat.say("123456789012")  # would overflow the ledger's column at submit
    assert "数值不能大于 10000000" in chat.last_text(), chat.last_text()
    await chat.say("10")
    assert "提交前请核对" in chat.last_text() and "违建面积（平方米）：10 平方米" in chat.last_text(), chat.last_text()
    await chat.press("提交")  # 80 > 10: back to the demolished area, saying why
    assert "拆除面积" in chat.last_text() and "不能大于违建面积（10 平方米）" in chat.last_text(), chat.last_text()
    await chat.press("保持当前值")  # keeping 80 is refused the same way as typing it
    assert "不能大于违建面积（10 平方米）" in chat.last_text(), chat.last_text()
    labels = [b.text for b in chat.buttons()]
    assert "« 返回核对" in labels and "« 上一步" not in labels, labels  # says where "back" goes from here
    await chat.say("8")
    await chat.press("提交")
    assert "隐患已提交" in chat.last_text(), chat.last_text()


async def test_cancel_asks_first_and_no_keeps_every_answer(harness: Harness) -> None:
    from tests.forms_flow import fill_hazard_until_review

    chat = await harness.bind(603, "inspector", "建外街道", "李检查")
    await fill_hazard_until_review(chat, album=1)
    review = chat.last_text()
    await chat.press("取消")
    assert "确定放弃这张表单吗" in chat.last_text()
    await chat.press("继续填写")
    assert chat.last_text() == review  # the same card, every answer kept
    await chat.press("取消")
    await chat.press("确认放弃")
    assert "表单已取消" in chat.last_text(), chat.last_text()
    await chat.say("/resume")
    assert "没有正在填写的表单" in chat.last_text(), chat.last_text()


async def test_cancel_on_an_earlier_question_discards_and_on_a_closed_form_has_expired(harness: Harness) -> None:
    chat = await harness.bind(605, "inspector", "建外街道", "李检查")
    await chat.say("/hazard")
    first = chat.buttons()
    await chat.press("保持当前值")
    assert "被检查单位" in chat.last_text() or "2/" in chat.last_text(), chat.last_text()
    old_cancel = next(b for b in first if b.text == "取消")
    await chat.press_button(old_cancel)  # the same form, shown under its first question
    assert "确定放弃这张表单吗" in chat.last_text(), chat.last_text()
    await chat.press("确认放弃")
    assert "表单已取消" in chat.last_text(), chat.last_text()
    before = len(harness.session.responses)
    sent = await chat.press_button(old_cancel)  # no form open now: said so, and nothing else sent
    answers = [m for m, _ in harness.session.responses[before:] if isinstance(m, AnswerCallbackQuery)]
    assert [a.text for a in answers] == ["该表单已结束（已提交或已取消）。"] and chat.texts(sent) == [], sent

    await chat.say("/hazard")  # a new form; the old one's cancel button has expired
    before = len(harness.session.responses)
    await chat.press_button(old_cancel)
    answers = [m for m, _ in harness.session.responses[before:] if isinstance(m, AnswerCallbackQuery)]
    assert answers and "过期" in (answers[0].text or ""), answers
    assert "确定放弃" not in chat.last_text(), chat.last_text()
    await chat.say("/resume")
    assert "隐患" in chat.last_text() and "没有正在填写" not in chat.last_text(), chat.last_text()


async def test_a_forgotten_discard_confirmation_expires_once_the_form_moves_on(harness: Harness) -> None:
    chat = await harness.bind(606, "inspector", "建外街道", "李检查")
    await chat.say("/hazard")
    await chat.say("/cancel")
    forgotten = next(b for b in chat.buttons() if b.text == "确认放弃")
    await chat.press("继续填写")
    await chat.press("保持当前值")
    await chat.say("张XX出租房")  # two more answers since the confirmation was asked
    before = len(harness.session.responses)
    await chat.press_button(forgotten)
    answers = [m for m, _ in harness.session.responses[before:] if isinstance(m, AnswerCallbackQuery)]
    assert answers and "过期" in (answers[0].text or ""), answers
    actor = await harness.core.services.users.touch(telegram_address(606), chat.user.full_name, chat.user.language_code)
    current = await harness.core.services.forms.current(actor, "zh")
    assert current.kind == "question" and current.field is not None and current.field.key != "site_name", current
    await chat.say("/cancel")  # asked now, it still discards
    await chat.press("确认放弃")
    assert "表单已取消" in chat.last_text(), chat.last_text()


async def test_the_current_choice_is_ticked(harness: Harness) -> None:
    chat = await harness.bind(604, "inspector", "建外街道", "李检查")
    await chat.say("/hazard")
    labels = [b.text for b in chat.buttons()]
    assert "✅ 建外街道" in labels and "朝外街道" in labels, labels
    assert sum(label.startswith("✅") for label in labels) == 1


async def test_a_category_button_on_an_older_message_does_not_pick_a_subtype(harness: Harness) -> None:
    chat = await _at_optional_step(harness)
    await answer(chat, "北京某某集团有限公司", Tap("区房管局"), "公安", Tap("保持当前值"))
    await shows(chat, "出租房内私拉电线，电动自行车室内充电，安全出口堵塞。", "隐患类型")
    categories = chat.buttons()
    await chat.press("重点消防")  # the subtypes of 重点消防 are shown now
    subtypes = [b.text for b in chat.buttons()]
    old = next(b for b in categories if b.text == "交通领域")
    sent = await chat.press_button(old)  # under the first level: must not pick the subtype in its slot
    assert any(isinstance(m, AnswerCallbackQuery) and "已过期" in (m.text or "") for m in sent)
    assert [b.text for b in chat.buttons()] == subtypes
    await chat.press("村民宅基地出租房屋")
    assert "隐患级别" in chat.last_text(), chat.last_text()


def test_form_buttons_pack_as_their_callback_data_does() -> None:
    """``form_data`` skips pydantic for the form's buttons (issue 19 item 4): it packs as ``FormCb`` does, unpacks
    to the same values, and refuses what ``FormCb`` refuses."""
    from bot.domain import MAX_RECORD_ID
    from bot.forms.actions import Nav
    from handlers.callbacks import FormCb, form_data

    for d, k, s, i, a in ((1, "n", 2, 0, Nav.BACK), (MAX_RECORD_ID, "p", 18, 7, ""), (5, "e", 0, 3, ""),
                          (9, "v", 0, 0, ""), (3, "n", 0, 0, Nav.DISCARD)):
        packed = form_data(d, k, s, i, a.value if isinstance(a, Nav) else a)
        assert packed == FormCb(d=d, k=k, s=s, i=i, a=a).pack()
        assert FormCb.unpack(packed) == FormCb(d=d, k=k, s=s, i=i, a=a)
    for bad in ((MAX_RECORD_ID + 1, 0, 0), (1, -1, 0), (1, 0, MAX_RECORD_ID + 1)):
        with pytest.raises(ValueError):
            FormCb(d=bad[0], k="p", s=bad[1], i=bad[2])
        with pytest.raises(ValueError):
            form_data(bad[0], "p", bad[1], bad[2])
