"""One catalog of commands (issue 20): each person's /help lists exactly the catalog's commands of their roles, their
Telegram command menu (setMyCommands for their chat) holds the same set, and every command a handler answers is
in the catalog. A menu Telegram refuses (403: the user blocked the bot; 429) never breaks the answer."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import Command as CommandFilter
from aiogram.methods import SetMyCommands, TelegramMethod
from aiogram.types import BotCommandScopeChat, BotCommandScopeDefault

from bot.channels import telegram_address
from bot.domain import Role
from bot.local_chat import LocalChat
from bot.local_session import LocalSession
from bot.services.commands import BY_NAME, CATALOG, commands_for
from tests.conftest import Harness

HOME, DEPT, OFFICE = "建外街道", "区农委", "区安委会办公室"
EVERYONES = {"start", "help", "bind", "phone", "report", "track", "my_reports", "add", "cancel", "resume"}

# (user id, role, unit, held for a township, at a district-level unit) — every role, and where the unit changes
# what it may do
PEOPLE = [
    (601, "inspector", HOME, True, False),
    (602, "inspector", DEPT, False, True),  # a department's inspector verifies no tip-offs
    (603, "reviewer", HOME, True, False),
    (604, "office", OFFICE, False, True),
    (605, "leader", OFFICE, False, True),  # a district-wide leader
    (606, "leader", HOME, True, False),
    (607, "contact", HOME, True, False),
    (608, "admin", OFFICE, False, True),
    (609, "leader", DEPT, False, True),  # a district department's leader reads the inbox too
    (610, "leader", "朝阳消防支队", False, False),  # a city body's branch (市级单位) is not district-level
]


def listed(help_text: str) -> set[str]:
    """The commands a /help answer lists: the lines after 可用功能： that start with a slash."""
    _head, _sep, tail = help_text.partition("可用功能：\n")
    assert tail, help_text
    return {line.split()[0].lstrip("/") for line in tail.splitlines() if line.startswith("/")}


def menus_of(session: LocalSession, chat_id: int) -> list[set[str]]:
    """The command sets of the setMyCommands calls for the private chat ``chat_id``, oldest first."""
    return [{c.command for c in m.commands} for m in session.sent(SetMyCommands)
            if isinstance(m.scope, BotCommandScopeChat) and m.scope.chat_id == chat_id]


def expected(role: str, township: bool, district: bool = False) -> set[str]:
    return {c.name for c in commands_for([(Role(role), township, district)], role == "admin")}


async def test_help_and_menu_of_each_role_are_the_catalogs_commands_for_it(harness: Harness) -> None:
    h = harness
    public = h.chat(600, "路人")
    await public.say("/help")
    assert listed(public.last_text()) == expected("public", False) == menus_of(h.session, 600)[-1]
    assert "status" not in menus_of(h.session, 600)[-1]
    for user_id, role, unit, township, district in PEOPLE:
        chat = await h.bind(user_id, role, unit)
        await chat.say("/help")
        want = expected(role, township, district)
        assert listed(chat.last_text()) == want, (role, unit)
        assert menus_of(h.session, user_id)[-1] == want, (role, unit)
        descriptions = {c.command: c.description for c in h.session.sent(SetMyCommands)[-1].commands}
        assert descriptions["help"] == "帮助：您可以使用的命令"
    # read off the services' checks by hand, so that a catalog entry changed by mistake shows here
    assert expected("leader", True) == EVERYONES | {
        "find", "inspection", "plan", "plan_file", "report_info", "done", "status", "rank", "rank_subscribe",
        "rank_unsubscribe", "map", "export"}
    assert expected("contact", True) == EVERYONES | {"find", "inspection", "report_info", "done"}
    # what issue 20 found missing from a leader's and the office's /help
    for command in ("export", "map", "rank_subscribe", "report_info"):
        assert command in expected("leader", False) and command in expected("office", False)
    assert {"contacts_import", "review"} - expected("office", False) == {"review"}
    assert "tipoffs" not in expected("inspector", False) and "tipoffs" in expected("inspector", True)
    # the inbox: the district's leaders read it (InboxService.reads_all), a township's leader and inspectors not
    assert expected("leader", False, True) == expected("leader", False) | {"submissions"}
    assert "submissions" not in expected("inspector", False, True) | expected("leader", True)


async def test_binding_and_a_role_change_set_the_new_menu(harness: Harness) -> None:
    h = harness
    office = await h.bind(611, "office", OFFICE, "张办公室")
    # /bind itself set the office's menu, before any /help
    assert menus_of(h.session, 611)[-1] == expected("office", False)
    inspector = await h.bind(612, "inspector", HOME, "李检查")
    assert menus_of(h.session, 612)[-1] == expected("inspector", True)
    user_id = await _user_id(h, inspector)
    await office.say(f"/setrole {user_id} {HOME} reviewer inspector")
    assert "完成" in office.last_text() or "已" in office.last_text(), office.last_text()
    assert menus_of(h.session, 612)[-1] == expected("reviewer", True)
    await office.say(f"/unsetrole {user_id} {HOME} reviewer")
    assert menus_of(h.session, 612)[-1] == expected("public", False)


async def _user_id(h: Harness, chat: LocalChat) -> int:
    actor = await h.core.services.users.touch(telegram_address(chat.user.id), chat.user.first_name, "zh-hans")
    return int(actor.user_id)


@pytest.mark.parametrize("refusal", ["blocked", "flood"])
async def test_a_refused_menu_never_breaks_the_answer(harness: Harness, refusal: str) -> None:
    h = harness
    chat = await h.bind(621, "reviewer", HOME)

    def refuse(method: TelegramMethod[Any]) -> None:
        if isinstance(method, SetMyCommands):
            if refusal == "blocked":
                raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
            raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after 5", retry_after=5)

    h.session.on_request = refuse
    for text in ("/start", "/help"):
        await chat.say(text)
        assert listed(chat.last_text()) == expected("reviewer", True)
    issued = await h.core.services.invites.issue(Role.LEADER, HOME, issuer=None)
    await chat.say(f"/bind {issued.code}")
    assert "已绑定" in chat.last_text(), chat.last_text()
    h.session.on_request = None
    await chat.say("/help")
    assert listed(chat.last_text()) == expected("reviewer", True) | expected("leader", True)


async def test_the_public_menu_at_start_up_is_everyones_commands() -> None:
    from bot.app import build_bot
    from bot.polling import set_commands
    from bot.settings import Settings

    session = LocalSession()
    bot = build_bot(Settings(), session)
    await set_commands(bot)
    calls = session.sent(SetMyCommands)
    assert [m.language_code for m in calls] == [None, "en"]
    assert all(isinstance(m.scope, BotCommandScopeDefault) for m in calls)
    for m in calls:
        assert {c.command for c in m.commands} == expected("public", False)
    assert {c.command: c.description for c in calls[1].commands}["report"].startswith("Report a safety hazard")


def registered_commands(router: Any) -> set[str]:
    """Every command a message handler of ``router`` or its sub-routers answers (``Command`` filters)."""
    found: set[str] = set()
    for handler in router.message.handlers:
        for f in handler.filters or ():
            if isinstance(f.callback, CommandFilter):
                found |= {c for c in f.callback.commands if isinstance(c, str)}
    for sub in router.sub_routers:
        found |= registered_commands(sub)
    return found


async def test_every_command_the_handlers_answer_is_in_the_catalog(harness: Harness) -> None:
    registered = registered_commands(harness.dp)
    assert len(registered) > 30
    assert registered - set(BY_NAME) == set(), "add these commands to bot/services/commands.py CATALOG"
    assert set(BY_NAME) - registered == set(), "the catalog names commands no handler answers"
    assert len(BY_NAME) == len(CATALOG)
