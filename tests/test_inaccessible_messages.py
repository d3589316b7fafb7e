"""No handler assumes the message under a button is there (issue 14, finding 6), through the dispatcher on
SQLite and PostgreSQL: a press on a message Telegram reports as inaccessible (``date`` 0: deleted, or too
old) does its work, answers with a new message in the chat and edits nothing; the button is answered
before slow sends; an answer Telegram refuses as too old does not turn a committed step into an error."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.local_chat import LocalChat, plain
from storage.models import Hazard
from tests.chat_helpers import sent_to
from tests.conftest import FailureLog, Harness
from tests.lifecycle_factories import hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOME = "建外街道"
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def _state(h: Harness, hid: int) -> str:
    async with h.core.uow() as u:
        row = await u.session.get(Hazard, hid)
        assert row is not None
        return row.state


async def _awaiting_review(h: Harness) -> tuple[LocalChat, LocalChat, int]:
    inspector = await h.bind(301, "inspector", HOME, "李检查")
    reviewer = await h.bind(302, "reviewer", HOME, "王审核")
    actor = await h.core.services.users.touch(telegram_address(inspector.user.id), inspector.user.first_name, "zh-hans")
    hid = await hazard(h.core.uow, actor)
    await reviewer.say("/review")
    await reviewer.press(1)  # the card, with 审核通过 / 退回
    return inspector, reviewer, hid


async def test_an_approval_pressed_on_an_inaccessible_message_is_committed_and_told(
    harness: Harness, failures: FailureLog
) -> None:
    h = harness
    inspector, reviewer, hid = await _awaiting_review(h)
    reviewer.messages_gone = True
    sent = await reviewer.press("审核通过")
    assert await _state(h, hid) == HazardState.PENDING_CONFIRMATION.value
    assert not failures.records, failures.messages()
    told = [plain(m.text) for m in sent if isinstance(m, SendMessage) and m.chat_id == reviewer.user.id]
    assert any("待区安委会办公室确认挂账" in t for t in told), told  # a new message: the old one is gone
    assert not any(isinstance(m, EditMessageReplyMarkup | EditMessageText) for m in sent)
    assert any("王审核 审核通过" in t for t in sent_to(h, inspector.user.id))


async def test_an_answer_refused_as_too_old_does_not_undo_a_committed_approval(harness: Harness, failures: FailureLog) -> None:
    h = harness
    inspector, reviewer, hid = await _awaiting_review(h)

    def too_old(method: TelegramMethod[Any]) -> None:
        if isinstance(method, AnswerCallbackQuery):
            raise TelegramBadRequest(method, TOO_OLD)

    h.session.on_request = too_old
    sent = await reviewer.press("审核通过")
    assert await _state(h, hid) == HazardState.PENDING_CONFIRMATION.value
    assert not failures.records, failures.messages()
    assert "待区安委会办公室确认挂账" in reviewer.texts(sent)[-1], reviewer.texts(sent)
    assert not any("抱歉" in t for t in reviewer.texts(sent))
    assert any("王审核 审核通过" in t for t in sent_to(h, inspector.user.id))


async def test_a_button_is_answered_before_its_photos_are_sent(harness: Harness) -> None:
    from tests.forms_flow import PHOTOS, fill_hazard_until_photos, finish_hazard

    chat = await harness.bind(303, "inspector", "110105001")
    await fill_hazard_until_photos(chat)
    await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in range(1, 4)])
    await chat.press("完成")
    await finish_hazard(chat)
    sent = await chat.press("查看照片（3 张）")
    kinds = [type(m) for m in sent if isinstance(m, AnswerCallbackQuery | SendMediaGroup | SendPhoto)]
    assert kinds[:2] == [AnswerCallbackQuery, SendMediaGroup], kinds


async def test_a_status_drill_down_on_an_inaccessible_message_is_sent(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(304, "office", "区安委会办公室")
    await office.say("/status")
    office.messages_gone = True
    sent = await office.press("超期清单")
    assert not failures.records, failures.messages()
    assert "全区超期隐患：0 项" in office.texts(sent)[-1], office.texts(sent)


# journeys of other tests, run again with every button pressed on a message Telegram no longer shows
JOURNEYS = [
    "test_lifecycle_chat:test_a_hazard_goes_through_its_whole_life_by_chat",
    "test_lifecycle_chat:test_supervision_and_the_december_lookback_by_chat",
    "test_lifecycle_chat:test_a_major_hazard_waits_for_its_five_implementations_filled_in_by_chat",
    "test_tipoff_journey:test_report_verify_hazard_closure_with_reporter_told_each_step",
    "test_tipoff_verify:test_wrong_township_forwards_it_to_the_right_queue",
    "test_tipoff_verify:test_reporter_adds_details_and_photos_to_the_open_tipoff",
    "test_conversation_inspection:test_an_inspection_is_linked_to_two_hazards_of_the_unit",
    "test_conversation_inspection:test_a_hazard_recorded_from_an_inspection_starts_with_its_site_and_links_back",
    "test_conversation_hazard:test_the_review_card_shows_the_evidence_photos_ten_at_a_time",
    "test_conversation_hazard:test_an_edit_from_the_review_card_changes_only_that_field",
]


@pytest.mark.parametrize("journey", JOURNEYS)
async def test_a_journey_ends_the_same_with_every_button_on_an_inaccessible_message(
    journey: str, harness: Harness, failures: FailureLog, photos_dir: Any, tmp_path: Any,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    module, name = journey.split(":")
    run = getattr(importlib.import_module(f"tests.{module}"), name)
    given = {"harness": harness, "photos_dir": photos_dir, "tmp_path": tmp_path, "caplog": caplog}
    monkeypatch.setattr(LocalChat, "messages_gone", True)
    await run(**{p: given[p] for p in inspect.signature(run).parameters})
    assert not failures.records, failures.messages()
    edits = [m for m in harness.session.requests if isinstance(m, EditMessageReplyMarkup | EditMessageText)]
    assert not edits, edits  # nothing is edited in a message that is not there
