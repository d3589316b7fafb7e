"""Send an update straight to the first feature router that might take it, past those that provably cannot.

aiogram offers an update to the routers one by one: for each, its outer middlewares are wrapped, its filters
checked, then every handler's filters in turn. A form's text answer went through 17 routers and about 70
filter checks before the forms router took it, and a form's button much the same: 0.4–0.9 ms of CPU of a
form step's 4 (``benchmarks/form_step.py --variants``, ``route-skip``). Most of those filters are of a few kinds
whose verdict depends on one small feature of the update: a command (the first character of the text), a
state (the FSM state), a button (the callback data's prefix), a content attribute (``F.photo``, ``F.contact``)
or a chat type (``F.chat.type == "private"``). ``RouteSkip`` reads those features once per update; from them
it knows, for each router, whether every one of its handlers (or one of its own filters) refuses the update,
remembers the answer for those features and starts the usual walk at the first router that might take it.
A router with any other filter on every path, or an outer middleware of its own, is never skipped, so a new
handler of an unknown kind can only make the skip shorter, never wrong. Whatever a skipped router would have
done is nothing: aiogram runs no handler and no inner middleware of a router whose filters all refuse, and
the data its filters return reaches only its own handlers. (Its filters are not run either: filters here
are pure checks; one that raised would have failed the update, skipped it does not.)

Library internals (issue 18): reads aiogram's ``HandlerObject.filters``, the observer's ``_handler`` (its own
filters) and ``outer_middleware``, ``Command.prefix``, ``StateFilter.states``, ``CallbackQueryFilter.callback_data``
and magic_filter's ``MagicFilter._operations``; replays what ``Router._propagate_event`` does for a router with
no handlers of its own. Checked against aiogram 3.31.0 and magic-filter 1.0.12; ``tests/test_route_skip.py`` fails
if an upgrade changes what this relies on, and checks every skip against aiogram's own filters.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject
from magic_filter import MagicFilter
from magic_filter.operations import ComparatorOperation, FunctionOperation, GetAttributeOperation
from magic_filter.util import in_op, not_in_op

from bot.update_middleware import NextHandler

MISSING: Any = object()  # the feature cannot be read: a magic filter rejects, a Command or a button refuses
_OTHER = ("other",)  # a value none of the filters names

#: a feature of the update the filters look at: ("command",), ("state",), ("button", separator) or ("path", names)
Feature = tuple[Any, ...]
#: one filter's verdict as a function of one feature: (feature, "in" | "not_in" | "truthy", constants)
Test = tuple[Feature, str, frozenset[Any]]


def _read(feature: Feature, event: TelegramObject, raw_state: str | None) -> Any:
    kind = feature[0]
    if kind == "state":
        return raw_state
    if kind == "command":  # what Command reads: the first character of the first word of the text or caption
        if not isinstance(event, Message):
            return MISSING
        words = (event.text or event.caption or "").split(maxsplit=1)
        return words[0][0] if words else MISSING
    if kind == "button":  # what CallbackData.unpack compares with its prefix
        if not isinstance(event, CallbackQuery) or not event.data:
            return MISSING
        return event.data.split(feature[1], 1)[0]
    value: Any = event
    for name in feature[1]:  # a magic filter's attribute path: a missing attribute rejects it
        try:
            value = getattr(value, name)
        except AttributeError:
            return MISSING
    return value


def _magic(each: FilterObject) -> MagicFilter | None:
    found = getattr(each, "magic", None) or getattr(getattr(each.callback, "check", None), "__self__", None) \
        or getattr(each.callback, "__self__", None)
    return found if isinstance(found, MagicFilter) else None


def _constant(value: Any) -> bool:
    return not isinstance(value, MagicFilter) and isinstance(value, Hashable)


def _magic_test(magic: MagicFilter) -> Test | None:
    """``F.a.b`` (truthy), ``F.a.b == x`` / ``!= x``, ``F.a.b.in_(xs)`` / ``.not_in(xs)``, ``F.a.b.c…`` without
    important steps (``a`` not None); else ``None``."""
    ops = list(magic._operations)
    names: list[str] = []
    while ops and isinstance(first := ops[0], GetAttributeOperation) and type(first) is GetAttributeOperation:
        names.append(first.name)
        ops.pop(0)
    if not names:
        return None
    feature: Feature = ("path", tuple(names))
    if not ops:
        return feature, "truthy", frozenset()
    op = ops[0]
    if len(ops) > 1:
        return _first_needed(magic, names)
    if type(op) is ComparatorOperation and op.comparator in (operator.eq, operator.ne) and _constant(op.right):
        return feature, "in" if op.comparator is operator.eq else "not_in", frozenset([op.right])
    if type(op) is FunctionOperation and op.function in (in_op, not_in_op) and not op.kwargs and len(op.args) == 1:
        values = op.args[0]
        if isinstance(values, set | frozenset | tuple | list) and all(_constant(v) for v in values):
            return feature, "in" if op.function is in_op else "not_in", frozenset(values)
    return _first_needed(magic, names)


def _first_needed(magic: MagicFilter, names: list[str]) -> Test | None:
    """``F.a.b…`` with no important step: with ``a`` None or missing the next attribute rejects the filter, and
    then every later step is skipped."""
    if len(names) >= 2 and not any(op.important for op in magic._operations):
        return ("path", (names[0],)), "some", frozenset()
    return None


def _states(states: Iterable[Any]) -> frozenset[Any] | None:
    allowed: set[Any] = set()
    for state in states:
        if isinstance(state, State):
            state = state.state
        if state is None or isinstance(state, str):
            if state == "*":
                return None
            allowed.add(state)
        elif isinstance(state, StatesGroup) or (isinstance(state, type) and issubclass(state, StatesGroup)):
            allowed.update(type(state).__all_states_names__ if isinstance(state, StatesGroup)
                           else state.__all_states_names__)
        else:
            return None
    return frozenset(allowed)


def filter_test(each: FilterObject) -> Test | None:
    """The feature ``each`` decides on and how, when it is of a kind known here; else ``None`` (it may pass)."""
    callback: Any = each.callback
    if type(callback) in (Command, CommandStart):
        return ("command",), "in", frozenset(callback.prefix)
    if type(callback) is StateFilter:
        allowed = _states(callback.states)
        return None if allowed is None else (("state",), "in", allowed)
    if type(callback) is CallbackQueryFilter:
        data = callback.callback_data
        return ("button", data.__separator__), "in", frozenset([data.__prefix__])
    magic = _magic(each)
    return _magic_test(magic) if magic is not None else None


def _passes(test: Test, value: Any) -> bool:
    """``test``'s verdict on a normalised feature value (see ``RouteSkip._key``)."""
    _feature, how, constants = test
    if value is MISSING:
        return False
    other = isinstance(value, tuple) and value[:1] == _OTHER
    if how == "truthy":
        return value[1] if other else bool(value)
    if how == "some":
        return value[2] if other else value is not None
    inside = value in constants
    return inside if how == "in" else not inside


#: how a router or handler may take the event: ``None`` (unknown: it might), ("handler", tests that must all
#: pass) or ("router", its own tests that must all pass, the ways of its handlers and sub-routers)
Way = tuple[Any, ...] | None


def _handler_way(handler: HandlerObject) -> Way:
    return "handler", [t for t in (filter_test(f) for f in handler.filters or []) if t is not None]


def router_way(router: Router, update_type: str) -> Way:
    """How ``router`` may take an event of ``update_type`` (``None`` when it has an outer middleware there)."""
    observer = router.observers[update_type]
    # an outer middleware runs for every event offered to the router; routers not yet built
    # (``handlers.LaterRouters``) are not known yet
    if observer.outer_middleware or getattr(router, "pending", None):
        return None
    own = [t for t in (filter_test(f) for f in observer._handler.filters or []) if t is not None]
    ways = [_handler_way(h) for h in observer.handlers]
    ways += [router_way(child, update_type) for child in router.sub_routers]
    return "router", own, ways


def _might_take(way: Way, values: dict[Feature, Any]) -> bool:
    if way is None:
        return True
    if way[0] == "handler":
        return all(_passes(t, values[t[0]]) for t in way[1])
    _kind, own, ways = way
    return all(_passes(t, values[t[0]]) for t in own) and any(_might_take(w, values) for w in ways)


def _tests(way: Way) -> Iterator[Test]:
    if way is None:
        return
    if way[0] == "handler":
        yield from way[1]
        return
    yield from way[1]
    for each in way[2]:
        yield from _tests(each)


class RouteSkip(BaseMiddleware):
    """Outer middleware on ``router``'s ``update_type`` observer (a router with no filters or handlers of its
    own, only sub-routers): the walk over the sub-routers starts at the first one that might take the event."""

    def __init__(self, router: Router, update_type: str) -> None:
        self.router = router
        self.update_type = update_type
        self._final = False  # the plan holds until the sub-routers change
        self._ways: list[Way] = []
        self._features: dict[Feature, frozenset[Any]] = {}
        self._start: dict[tuple[Any, ...], int] = {}

    def _plan(self) -> None:
        """What each sub-router's refusal depends on."""
        self._ways = [router_way(r, self.update_type) for r in self.router.sub_routers]
        self._features = {}
        for way in self._ways:
            for feature, _how, constants in _tests(way):
                self._features[feature] = self._features.get(feature, frozenset()) | constants
        self._start = {}
        # sub-routers change only while ``handlers.LaterRouters`` builds its own: planned afresh until then
        self._final = not any(getattr(r, "pending", None) for r in self.router.chain_tail)

    def _key(self, event: TelegramObject, raw_state: str | None) -> tuple[Any, ...]:
        """The features of ``event``, each either a value some filter names or ("other", its truth)."""
        key = []
        for feature, constants in self._features.items():
            value = _read(feature, event, raw_state)
            if value is not MISSING:
                try:
                    known = value in constants
                except TypeError:  # unhashable: equal to no constant
                    known = False
                if not known:
                    value = (*_OTHER, bool(value), value is not None)
            key.append(value)
        return tuple(key)

    def start(self, event: TelegramObject, raw_state: str | None) -> int:
        """The index of the first sub-router that might take ``event`` (their number when none might)."""
        if not self._final:
            self._plan()
        key = self._key(event, raw_state)
        found = self._start.get(key)
        if found is None:
            values = dict(zip(self._features, key, strict=True))
            found = next((i for i, way in enumerate(self._ways) if _might_take(way, values)), len(self._ways))
            self._start[key] = found
        return found

    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Propagate ``event`` from the first sub-router that might take it; the handler's result, or aiogram's
        ``UNHANDLED`` when none takes it."""
        first = self.start(event, data.get("raw_state"))
        if not first:
            return await handler(event, data)
        # what ``Router._propagate_event`` does for a router with no filters or handlers: the sub-routers in turn
        for router in self.router.sub_routers[first:]:
            response = await router.propagate_event(update_type=self.update_type, event=event, **data)
            if response is not UNHANDLED:
                return response
        return UNHANDLED


def install_route_skips(router: Router, update_types: Iterable[str]) -> int:
    """A ``RouteSkip`` on every router under ``router`` (itself included) that has sub-routers and, for an
    update type, no filters, handlers or outer middlewares of its own; returns how many were installed."""
    installed = 0
    for update_type in update_types:
        observer = router.observers[update_type]
        # one sub-router has nothing to be skipped to, unless more are coming (``handlers.LaterRouters``)
        if (len(router.sub_routers) > 1 or getattr(router, "pending", None)) and not observer.handlers \
                and not observer._handler.filters and not observer.outer_middleware:
            observer.outer_middleware(RouteSkip(router, update_type))
            installed += 1
    for child in router.sub_routers:
        installed += install_route_skips(child, update_types)
    return installed

