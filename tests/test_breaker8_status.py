"""breaker8: /status sends no chat action before its answer (``handlers.summaries.send_status``), in each of its
forms, through the dispatcher on SQLite and PostgreSQL: above all none before a refusal (an "uploading…" shown to
someone then refused), nor for a drill-down press."""

from __future__ import annotations

import pytest
from aiogram.methods import SendChatAction

from tests.conftest import FailureLog, Harness

OFFICE = "区安委会办公室"


@pytest.mark.parametrize("command", ["/status", "/status 建外街道", "/status 按行业", "/status 火星基地", "/status <b>x</b>"])
async def test_status_sends_no_chat_action_in_any_form(harness: Harness, failures: FailureLog, command: str) -> None:
    office = await harness.bind(7991, "office", OFFICE)
    sent = await office.say(command)
    assert sent and not any(isinstance(m, SendChatAction) for m in sent), [type(m).__name__ for m in sent]
    assert failures.messages() == []


@pytest.mark.parametrize("command", ["/status", "/status 建外街道", "/status 按行业", "/status xlsx", "/map"])
async def test_a_refused_status_or_map_shows_no_uploading_first(harness: Harness, failures: FailureLog,
                                                                command: str) -> None:
    """Someone holding no role is refused: nothing says a photo or a document is on its way before that."""
    stranger = harness.chat(7992)
    sent = await stranger.say(command)
    assert sent, command
    kinds = [type(m).__name__ for m in sent]
    assert "SendChatAction" not in kinds, kinds
    assert failures.messages() == []


async def test_a_drill_down_press_sends_no_chat_action(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(7993, "office", OFFICE)
    await office.say("/status")
    units = [b for b in office.buttons() if b.callback_data and ":u:" in b.callback_data or "街道" in b.text]
    if not units:
        units = office.buttons()[:1]
    sent = await office.press_button(units[0])
    assert not any(isinstance(m, SendChatAction) for m in sent), [type(m).__name__ for m in sent]
    assert failures.messages() == []
