"""The composition root's Telegram half: the bot and the dispatcher over the core that ``bot.core``
builds (settings → engine → units of work → services). Nothing is built at import time; tests call
the same builders with a test database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from typing_extensions import override

from bot.core import Core
from bot.settings import Settings

log = logging.getLogger(__name__)

LOCAL_TOKEN = "123456789:LOCAL-hazardbot-terminal-session-000"


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    """A ``Bot`` speaking HTML, through ``session`` (default: aiohttp to ``settings.api_url``); a reply refused
    with a short ``retry_after`` is sent again (``bot.reply_retry``)."""
    if session is None:
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.api_url.rstrip("/")), proxy=settings.proxy
        )
    from bot.callback_answers import ForgiveLateAnswers, HoldPlainAnswers
    from bot.reply_retry import RetryShortWaits
    from handlers.outgoing_limits import ClipOutgoing

    session.middleware(HoldPlainAnswers())  # the outermost: a held answer goes through the others when sent
    session.middleware(ForgiveLateAnswers())
    session.middleware(ClipOutgoing())
    session.middleware(RetryShortWaits())  # inside the others: the request as it goes out is sent again
    token = settings.token.get_secret_value() if settings.token else LOCAL_TOKEN
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def build_dispatcher(
    core: Core, storage: BaseStorage | None = None, guards: Sequence[BaseMiddleware] = (), *, later: bool = False
) -> Dispatcher:
    """The dispatcher with every router and middleware; ``core`` is injected into handlers.

    ``storage``: FSM storage (Redis when several instances run, see ``bot.shared_state``).
    ``guards``: outer update middlewares that may drop an update before anything else runs
    (exactly-once claim, per-chat throttle); the run modes pass them, the terminal does not.
    ``later``: build only the routers a first update meets (``handlers.build_root_router``); the run modes
    pass it and then ``finish_start``.
    """
    from bot.middlewares import install_middlewares
    from handlers import build_root_router

    dp = Dispatcher(storage=storage or MemoryStorage(), core=core, services=core.services)
    if later:
        dp[IN_FLIGHT] = InFlight()
        dp.update.outer_middleware(dp[IN_FLIGHT])
    if core.settings.max_concurrent_updates:  # first: the guards already use the database
        from bot.concurrency import UpdateLimit

        dp.update.outer_middleware(UpdateLimit(core.settings.max_concurrent_updates))
    for guard in guards:
        dp.update.outer_middleware(guard)
    dp["i18n_catalog"] = install_middlewares(dp, core)
    from bot.callback_answers import AnswerOnce
    from handlers.errors import RefusalScope

    dp.update.outer_middleware(AnswerOnce())  # a press is answered once: a refusal's alert is not lost
    dp.update.outer_middleware(RefusalScope())  # how a handler wants its refusals answered (handlers.errors)
    from handlers.form_switch import RememberPress

    dp.callback_query.outer_middleware(RememberPress())  # a press that meets another form open opens later
    dp.include_router(build_root_router(later=later))
    from bot.inline_filters import inline_plain_filters
    from bot.route_skip import install_route_skips
    from handlers import USED_UPDATE_TYPES

    inline_plain_filters(dp)
    install_route_skips(dp, USED_UPDATE_TYPES)
    return dp


IN_FLIGHT = "in_flight"  # the dispatcher's ``InFlight`` when built with ``later``


class InFlight(BaseMiddleware):
    """Counts the updates being handled, so that ``finish_start`` builds what is left only while none is."""

    def __init__(self) -> None:
        self.count = 0
        self.last = time.monotonic()  # when the last update was done; at first, when the dispatcher was built

    @override
    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        self.count += 1
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            self.last = time.monotonic()

    async def quiet(self, seconds: float, until: float) -> None:
        """Return once no update has been handled for ``seconds``, or at ``until`` (``time.monotonic()``) at the
        latest: a bot that is never idle still finishes its start."""
        while ((wait := self.last + seconds - time.monotonic()) > 0 or self.count) and time.monotonic() < until:
            await asyncio.sleep(max(wait, 0.02))


#: seconds without an update before ``finish_start`` builds what is left: the updates a restart finds waiting
#: (Telegram sends them as soon as the bot serves) are answered first, each loading only what it needs
FINISH_AFTER = 1.0
#: seconds after which ``finish_start`` goes on even while updates keep coming
FINISH_BY = 10.0


async def finish_start(dp: Dispatcher, core: Core, *, after: float = FINISH_AFTER) -> None:
    """What ``hazardbot run`` leaves until it serves (issue 19 item 5, start-up time): the routers
    ``build_dispatcher(later=True)`` did not build and every service, one at a time once no update has come for
    ``after`` seconds, each step only while no update is being handled (all the same after ``FINISH_BY``
    seconds). Nothing here changes what an update gets: each piece is otherwise built by the first update that
    needs it. Then the garbage collector that ``bot.cli.main`` paused for the start-up runs again, past the heap
    built so far (``freeze_start_up_heap``)."""
    from handlers import load_later

    in_flight: InFlight = dp[IN_FLIGHT]
    by = time.monotonic() + max(after, FINISH_BY)
    try:
        await in_flight.quiet(after, by)
        await load_later(dp, pause=lambda: in_flight.quiet(0, by))
        for name in core.services.names():
            await in_flight.quiet(0, by)
            getattr(core.services, name)
    except Exception:  # said now, not when the task is collected; each piece still loads on first use
        log.exception("event=finish_start_failed")
    finally:
        freeze_start_up_heap()


def freeze_start_up_heap() -> None:
    """Move every object alive now (the modules, classes, routers and services built at start-up, which live as
    long as the process) out of the cyclic collector's reach, then let it run again. Each full collection would
    otherwise walk them all: a pause of 50–100 ms a few times a minute under load, the form step's p99 at 30
    steps/s (issue 19 item 4; ``benchmarks/form_step.py``, measured with and without). Python's ``gc.freeze``,
    meant for exactly this (its documentation: "after the parent process starts up")."""
    import gc

    gc.collect()
    gc.freeze()
    gc.enable()
