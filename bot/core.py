"""The framework-free half of the composition root: settings → engine → units of work → services.
Nothing here imports aiogram, so commands that never talk to Telegram (``invite``, ``export``,
``db upgrade``) start without loading it; ``bot.app`` adds the bot and the dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, shanghai_clock
from bot.services.actor_cache import ActorCache, watch_role_changes
from bot.services.actors import UserService
from bot.services.admin import AdminService
from bot.services.correction_service import CorrectionService
from bot.services.documents import DocumentService
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
    documents: DocumentService
    corrections: CorrectionService


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
    evidence = EvidenceService(uow, photo_store, clock, settings.district_centre, settings.photo_gps_radius_km)
    invites = InviteService(uow, settings.invite_ttl_days)
    forms = FormService(uow, clock, settings, evidence)
    sheets = settings.sheet_parser()
    find = FindService(uow, clock)
    return Services(
        users=UserService(uow, settings.admin_ids, actors or ActorCache(ttl=0)),
        invites=invites,
        forms=forms,
        photos=photos,
        reports=ReportService(uow, clock, settings.district_code, sheets),
        plans=PlanService(uow, clock),
        evidence=evidence,
        contacts=ContactService(uow, sheets),
        work_reports=WorkReportService(uow, clock),
        lifecycle=LifecycleService(uow, clock, settings.district_code, evidence),
        verification=VerificationService(uow, clock),
        find=find,
        admin=AdminService(uow, invites),
        rank_subscriptions=RankSubscriptionService(uow, clock),
        tipoffs=TipOffService(uow, clock, settings, forms, photo_store, evidence),
        documents=DocumentService(uow, photo_store, clock, find),
        corrections=CorrectionService(uow, clock, forms),
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
