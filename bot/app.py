"""The composition root: settings → engine → units of work → services → dispatcher → bot.
Nothing is built at import time; tests call the same builders with a test database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, shanghai_clock
from bot.services.actor_cache import ActorCache, watch_role_changes
from bot.services.actors import UserService
from bot.services.admin import AdminService
from bot.services.evidence import EvidenceService
from bot.services.find import FindService
from bot.services.forms import FormService
from bot.services.invites import InviteService
from bot.services.lifecycle_service import LifecycleService
from bot.services.photos import PhotoService
from bot.services.plans import PlanService
from bot.services.rank_subscriptions import RankSubscriptionService
from bot.services.reports import ReportService
from bot.services.tipoffs import TipOffService
from bot.services.verification import VerificationService
from bot.settings import Settings
from reminders.contacts import ContactService
from reminders.submissions import WorkReportService
from storage.db import UowFactory, create_engine, make_uow_factory
from storage.migrate import upgrade_async
from storage.photo_store import FileSystemPhotoStore, PhotoStore
from storage.registry import sync_units

LOCAL_TOKEN = "123456789:LOCAL-hazardbot-terminal-session-000"


@dataclass
class Services:
    """Every use case, bound to one database and clock."""

    users: UserService
    invites: InviteService
    forms: FormService
    photos: PhotoService
    reports: ReportService
    plans: PlanService
    evidence: EvidenceService
    contacts: ContactService
    work_reports: WorkReportService
    lifecycle: LifecycleService
    verification: VerificationService
    find: FindService
    admin: AdminService
    rank_subscriptions: RankSubscriptionService
    tipoffs: TipOffService


@dataclass
class Core:
    settings: Settings
    engine: AsyncEngine
    uow: UowFactory
    photo_store: PhotoStore
    clock: Clock
    services: Services
    actors: ActorCache | None = None  # who sent an update, cached (kept in step across instances by shared_state)


def build_services(
    settings: Settings, uow: UowFactory, photo_store: PhotoStore, clock: Clock, actors: ActorCache | None = None
) -> Services:
    """Every service on one database; ``actors``: the cache of who sent an update (none: no caching)."""
    photos = PhotoService(uow, photo_store)
    evidence = EvidenceService(uow, photo_store, clock)
    invites = InviteService(uow, settings.invite_ttl_days)
    forms = FormService(uow, clock, settings, evidence)
    return Services(
        users=UserService(uow, settings.admin_ids, actors or ActorCache(ttl=0)),
        invites=invites,
        forms=forms,
        photos=photos,
        reports=ReportService(uow, clock, settings.district_code),
        plans=PlanService(uow, clock),
        evidence=evidence,
        contacts=ContactService(uow),
        work_reports=WorkReportService(uow, clock),
        lifecycle=LifecycleService(uow, clock, settings.district_code, evidence),
        verification=VerificationService(uow, clock),
        find=FindService(uow, clock),
        admin=AdminService(uow, invites),
        rank_subscriptions=RankSubscriptionService(uow, clock),
        tipoffs=TipOffService(uow, clock, settings, forms, photo_store, evidence),
    )


async def open_database(url: str, *, migrate: bool = True, **engine_options: Any) -> tuple[AsyncEngine, UowFactory]:
    """Migrate the database at ``url`` to head (unless ``migrate`` is false), open it (``engine_options`` for
    ``create_engine``: the pool) and load the unit registry (43 townships, 35 departments); the caller disposes
    of the engine."""
    if migrate:
        await upgrade_async(url)
    engine = create_engine(url, **engine_options)
    uow = make_uow_factory(engine)
    async with uow() as u:
        await sync_units(u.session)
        await u.commit()
    return engine, uow


@asynccontextmanager
async def open_core(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True
) -> AsyncIterator[Core]:
    """Open the database (migrating it to head first), load the unit registry, build the services."""
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine, uow = await open_database(url, migrate=migrate, pool_size=settings.db_pool_size,
                                      max_overflow=settings.db_max_overflow, pool_timeout=settings.db_pool_timeout)
    photo_store = FileSystemPhotoStore(settings.effective_photo_dir)
    clock = clock or shanghai_clock(settings.tz)
    try:
        actors = ActorCache(settings.actor_cache_seconds)
        watch_role_changes(engine, actors)
        services = build_services(settings, uow, photo_store, clock, actors)
        yield Core(settings, engine, uow, photo_store, clock, services, actors)
    finally:
        await engine.dispose()


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    """A ``Bot`` speaking HTML, through ``session`` (default: aiohttp to ``settings.api_url``)."""
    if session is None:
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.api_url.rstrip("/")), proxy=settings.proxy
        )
    from bot.response_types import PinResponseTypes

    session.middleware(PinResponseTypes())
    token = settings.token.get_secret_value() if settings.token else LOCAL_TOKEN
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def build_dispatcher(
    core: Core, storage: BaseStorage | None = None, guards: Sequence[BaseMiddleware] = ()
) -> Dispatcher:
    """The dispatcher with every router and middleware; ``core`` is injected into handlers.

    ``storage``: FSM storage (Redis when several instances run, see ``bot.shared_state``).
    ``guards``: outer update middlewares that may drop an update before anything else runs
    (exactly-once claim, per-chat throttle); the run modes pass them, the terminal does not.
    """
    from bot.middlewares import install_middlewares
    from handlers import build_root_router

    dp = Dispatcher(storage=storage or MemoryStorage(), core=core, services=core.services)
    if core.settings.max_concurrent_updates:  # first: the guards already use the database
        from bot.concurrency import UpdateLimit

        dp.update.outer_middleware(UpdateLimit(core.settings.max_concurrent_updates))
    for guard in guards:
        dp.update.outer_middleware(guard)
    dp["i18n_catalog"] = install_middlewares(dp, core)
    dp.include_router(build_root_router())
    from bot.fast_filters import inline_magic_filters
    from bot.router_gates import add_router_gates

    add_router_gates(dp)
    inline_magic_filters(dp)
    return dp


