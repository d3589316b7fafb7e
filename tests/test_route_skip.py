"""``bot.route_skip``: an update skips only routers that aiogram's own filters would have refused, on the
production router tree, for texts, commands, files, pins, contacts, edits and every kind of button, in private
and group chats and in every FSM state the routers name; a form's text and button go straight to the forms
router (issue 19 item 4). The skip reads aiogram's and magic_filter's internals, so this fails if an upgrade
changes them: the skips would stop (the last test) or become wrong (the first)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.types import Chat, Contact, Message, TelegramObject

from bot.inline_filters import inline_plain_filters
from bot.local_session import LocalSession
from bot.route_skip import RouteSkip, install_route_skips
from bot.updates import UpdateFactory
from handlers import USED_UPDATE_TYPES, build_root_router
from handlers.callbacks import FormCb
from tests.callback_kinds import registered_kinds

BOT = Bot("42:" + "A" * 35, session=LocalSession())
FACTORY = UpdateFactory(1)
USER = UpdateFactory.user(700, "王")
GROUP = Chat(id=-100700, type="supergroup", title="群")


def _dispatcher(*, later: bool = False) -> Dispatcher:
    dp = Dispatcher()
    dp.include_router(build_root_router(later=later))
    inline_plain_filters(dp)
    install_route_skips(dp, USED_UPDATE_TYPES)
    return dp


def _skips(router: Router, update_type: str) -> list[RouteSkip]:
    found = [m for m in router.observers[update_type].outer_middleware if isinstance(m, RouteSkip)]
    for child in router.sub_routers:
        found += _skips(child, update_type)
    return found


async def _taken_by(router: Router, update_type: str, event: TelegramObject, raw_state: str | None) -> str | None:
    """aiogram's own verdict: the first handler under ``router`` whose filters (and its routers') all pass."""
    observer = router.observers[update_type]
    kwargs: dict[str, Any] = {"bot": BOT, "raw_state": raw_state}
    passed, data = await observer._handler.check(event, **kwargs)
    if not passed:
        return None
    for handler in observer.handlers:
        if (await handler.check(event, **{**kwargs, **data}))[0]:
            return f"{router.name}.{getattr(handler.callback, '__name__', handler.callback)}"
    for child in router.sub_routers:
        if (taken := await _taken_by(child, update_type, event, raw_state)) is not None:
            return taken
    return None


def _messages() -> list[Message]:
    texts = ["某某出租房", "  spaced", "/hazard", "/start", "/start abc", "/cancel", "/find 燃气", "/done", "/nosuch",
             "/hazard@hazardbot", "//", "/", "   ", "hello /hazard"]
    updates = [FACTORY.text(USER, t) for t in texts] + [FACTORY.text(USER, t, chat=GROUP) for t in texts[:6]]
    updates += [
        FACTORY.photo(USER, "p", "pu", 100, 10, 10), FACTORY.photo(USER, "p", "pu", 100, 10, 10, caption="/hazard"),
        FACTORY.document(USER, "d", "du", 100, "台账.xlsx", None), FACTORY.document(USER, "d", "du", 100, "a.pdf", None),
        FACTORY.location(USER, 39.9, 116.4), FACTORY.location(USER, 39.9, 116.4, "某路1号"),
        FACTORY.message(USER, contact=Contact(phone_number="13800000000", first_name="王", user_id=USER.id)),
        FACTORY.message(USER, sticker=None), FACTORY.photo(USER, "p", "pu", 100, 10, 10).model_copy(),
    ]
    return [u.message for u in updates if u.message is not None]


def _queries(dp: Dispatcher) -> list[Any]:
    origin = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=USER.id, type="private"))
    in_group = Message(message_id=1, date=datetime.now(UTC), chat=GROUP)
    datas = ["", "zz", "zz:1", FormCb(d=1, k="n", s=2, a="back").pack(), FormCb(d=1, k="p", s=1, i=0).pack()]
    for kind in registered_kinds(dp):
        fields = len(kind.model_fields)
        datas += [kind.__prefix__, f"{kind.__prefix__}{kind.__separator__}" + kind.__separator__.join(["1"] * fields)]
    return [FACTORY.callback(USER, m, d).callback_query for d in datas for m in (origin, in_group)]


def _states(skips: list[RouteSkip]) -> list[str | None]:
    found: set[Any] = {None, "nobody:knows"}
    for skip in skips:
        skip.start(_messages()[0], None)  # plans
        for feature, constants in skip._features.items():
            if feature == ("state",):
                found |= constants
    return sorted(found, key=str)


@pytest.mark.parametrize("update_type", USED_UPDATE_TYPES)
async def test_no_skipped_router_would_have_taken_the_update(update_type: str) -> None:
    dp = _dispatcher()
    root = dp.sub_routers[0]
    [skip] = [s for s in _skips(dp, update_type) if s.router is root]
    events: list[Any] = _queries(dp) if update_type == "callback_query" else _messages()
    checked = skipped = 0
    for raw_state in _states([skip]):
        for event in events:
            first = skip.start(event, raw_state)
            for router in root.sub_routers[:first]:
                taken = await _taken_by(router, update_type, event, raw_state)
                assert taken is None, (event, raw_state, taken)
                skipped += 1
            checked += 1
    assert checked >= 2 * len(events) and skipped > checked  # the skips were many, not none


async def test_a_form_text_and_a_form_button_go_straight_to_the_forms_router() -> None:
    dp = _dispatcher()
    root = dp.sub_routers[0]
    names = [r.name for r in root.sub_routers]
    [by_message] = [s for s in _skips(dp, "message") if s.router is root]
    [by_button] = [s for s in _skips(dp, "callback_query") if s.router is root]
    text = FACTORY.text(USER, "某某出租房").message
    back = FACTORY.callback(USER, Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=USER.id, type="private")),
                            FormCb(d=1, k="n", s=2, a="back").pack()).callback_query
    assert names[by_message.start(text, None)] == "forms"
    assert names[by_button.start(back, None)] == "forms"
    # a /find criterion being typed is the find_typing router's, a command starts where commands are
    assert names[by_message.start(text, "FindStates:typing")] == "find_typing"
    assert names[by_message.start(FACTORY.text(USER, "/hazard").message, None)] == "start"


async def test_routers_not_yet_built_are_not_skipped_and_then_are() -> None:
    dp = _dispatcher(later=True)
    root = dp.sub_routers[0]
    text = FACTORY.text(USER, "某某出租房").message
    [skip] = [s for s in _skips(dp, "message") if s.router is root]
    later = root.sub_routers[-1]
    assert root.sub_routers[skip.start(text, None)] is later and later.pending
    later.load()  # as the first update reaching them, or ``finish_start``, does
    assert not later.pending
    [inner] = [s for s in _skips(later, "message") if s.router is later]
    assert later.sub_routers[inner.start(text, None)].name == "forms"


async def test_an_unknown_filter_or_an_outer_middleware_is_never_skipped() -> None:
    seen: list[str] = []
    dp = Dispatcher()
    odd, watched, plain = Router(name="odd"), Router(name="watched"), Router(name="plain")

    @odd.message(Command("x"), lambda message: message.text == "ok")
    async def never(message: Message) -> None:  # a command only: refused by any text
        seen.append("never")

    @odd.message(lambda message: message.text == "odd")
    async def by_lambda(message: Message) -> None:
        seen.append("lambda")

    @watched.message(F.photo)
    async def photo(message: Message) -> None:
        seen.append("photo")

    async def watch(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        seen.append("watched")
        return await handler(event, data)

    watched.message.outer_middleware(watch)

    @plain.message(F.text)
    async def text(message: Message) -> None:
        seen.append(f"text {message.text}")

    dp.include_routers(odd, watched, plain)
    assert install_route_skips(dp, ["message"]) == 1
    for said in ("odd", "other"):
        await dp.feed_update(BOT, FACTORY.text(USER, said))
    assert seen == ["lambda", "watched", "text other"]
