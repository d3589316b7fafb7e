"""What ``hazardbot run`` leaves until it serves (issue 19 item 5, start-up time) changes no answer: the
dispatcher it builds (``build_dispatcher(later=True)``) answers a first update before the later routers and
the services exist, builds them when an update reaches them, and ``finish_start`` builds all of them. The
update kinds asked of Telegram before the later routers exist are those every router handles."""

from __future__ import annotations

import pytest

from bot.app import build_dispatcher, finish_start
from bot.local_chat import LocalChat
from bot.updates import UpdateFactory
from handlers import USED_UPDATE_TYPES, LaterRouters
from tests.conftest import Harness


def later_routers(dp: object) -> LaterRouters:
    found = [r for r in dp.chain_tail if isinstance(r, LaterRouters)]  # type: ignore[attr-defined]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_update_kinds_asked_of_telegram_are_every_router_s(harness: Harness) -> None:
    assert sorted(harness.dp.resolve_used_update_types()) == sorted(USED_UPDATE_TYPES)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_dispatcher_built_later_answers_as_the_whole_one(harness: Harness) -> None:
    lazy = build_dispatcher(harness.core, later=True)
    later = later_routers(lazy)
    eager = harness.chat(5001, "王")
    chat = LocalChat(lazy, harness.bot, harness.session, harness.factory, UpdateFactory.user(5002, "王", "zh-hans"))

    await eager.say("/start")
    await chat.say("/start")
    assert chat.last_text() == eager.last_text()
    assert "/bind" in chat.last_text()
    assert later.pending and not later.sub_routers  # the first update met only the first routers
    assert "forms" not in vars(harness.core.services)  # services too are built when first used

    for text in ("/report", "/cancel", "no command at all"):  # handled by the later routers
        await eager.say(text)
        await chat.say(text)
        assert chat.last_text() == eager.last_text(), text
    assert not later.pending

    await finish_start(lazy, harness.core, after=0)
    assert all(name in vars(harness.core.services) for name in harness.core.services.names())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_finish_start_builds_every_router_in_order(harness: Harness) -> None:
    lazy = build_dispatcher(harness.core, later=True)
    later = later_routers(lazy)
    await finish_start(lazy, harness.core, after=0)
    assert not later.pending
    assert sorted(lazy.resolve_used_update_types()) == sorted(USED_UPDATE_TYPES)
    whole = [r.name for r in harness.dp.chain_tail][1:]  # the dispatcher's own name is its id
    built = [r.name for r in lazy.chain_tail if r is not later][1:]
    assert built == whole
