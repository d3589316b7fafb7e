"""The framework-free half of the composition root: settings → engine → units of work → services.
Nothing here imports aiogram, so commands that never talk to Telegram (``invite``, ``export``,
``db upgrade``) start without loading it; ``bot.app`` adds the bot and the dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.campaign import campaign_of
from bot.channels import TELEGRAM, ChannelAddress
from bot.clock import Clock, system_clock
from bot.services.acceptance_documents import AcceptanceDocumentService
from bot.services.actor_cache import ActorCache, watch_role_changes
from bot.services.actors import Actor, UserService
from bot.services.admin import AdminService
from bot.services.closure_checks import ClosureCheckService
from bot.services.closure_return import ClosureReturnService
from bot.services.correction_service import CorrectionService
from bot.services.deadlines import DeadlineService
from bot.services.documents import DocumentService
from bot.services.evidence import EvidenceService
from bot.services.find import FindService
from bot.services.forms import FormService
from bot.services.hazard_search import SearchService
from bot.services.inbox import InboxService
from bot.services.invites import InviteService
from bot.services.lifecycle_service import LifecycleService
from bot.services.office_batch import OfficeBatchService
from bot.services.photos import PhotoService
from bot.services.plans import PlanService
from bot.services.rank_subscriptions import RankSubscriptionService
from bot.services.reports import ReportService
from bot.services.summary import StatusRules
from bot.services.supervision import SupervisionService
from bot.services.tipoffs import TipOffService
from bot.services.verification import VerificationService
from bot.settings import Settings
from reminders.calendar import WorkCalendar
from reminders.contacts import ContactService
from reminders.settings import ReminderSettings
from reminders.submissions import WorkReportService
from storage.db import UowFactory, create_engine, make_uow_factory
from storage.migrate import upgrade_async
from storage.photo_store import FileSystemPhotoStore, PhotoStore
from storage.registry import sync_units

# what units submit (bot.services.inbox) and the acceptance documents (bot.services.acceptance_documents), under
# the photo directory
FILES_SUBDIR = "submission-files"


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
    deadlines: DeadlineService
    supervision: SupervisionService
    closure_return: ClosureReturnService
    closure_checks: ClosureCheckService
    corrections: CorrectionService
    office_batch: OfficeBatchService
    inbox: InboxService
    search: SearchService  # /find by any field (issue 16)
    acceptance_documents: AcceptanceDocumentService  # 整改验收材料, in the file store (issue 18)


@dataclass
class Core:
    settings: Settings
    engine: AsyncEngine
    uow: UowFactory
    photo_store: PhotoStore
    clock: Clock  # carries the zone (HAZARDBOT_TIMEZONE): every "today" is ``clock.today()``
    services: Services
    reminders: ReminderSettings  # HAZARDBOT_REMINDERS_*, read once here
    rules: StatusRules  # zone, campaign and working-day calendar, built once from the two settings
    actors: ActorCache[Actor] | None = None  # who sent an update, cached (kept in step across instances by shared_state)


def status_rules(clock: Clock, reminders: ReminderSettings) -> StatusRules:
    """The zone (the clock's), the campaign and the working-day calendar of this deployment."""
    return StatusRules(clock.tz, campaign_of(reminders), WorkCalendar.from_file(reminders.holidays_file))


def build_services(
    settings: Settings, uow: UowFactory, photo_store: PhotoStore, clock: Clock, rules: StatusRules,
    actors: ActorCache[Actor] | None = None, reminders: ReminderSettings | None = None,
) -> Services:
    """Every service on one database; ``rules``: zone, campaign and calendar (``status_rules``); ``actors``: the
    cache of who sent an update (none: no caching); ``reminders``: the reminders' settings (the inbox's due
    dates; default: their defaults). What units submit and the acceptance documents of rectification reports are
    kept in their own store, ``<photo dir>/submission-files``."""
    photos = PhotoService(uow, photo_store)
    evidence = EvidenceService(uow, photo_store, clock, settings.district_centre, settings.photo_gps_radius_km)
    invites = InviteService(uow, settings.invite_ttl_days)
    lifecycle = LifecycleService(uow, clock, settings.district_code, evidence)
    verification = VerificationService(uow, clock)
    forms = FormService(uow, clock, settings, evidence, campaign=rules.campaign, lifecycle=lifecycle,
                        verification=verification)
    sheets = settings.sheet_parser()
    find = FindService(uow, clock)
    # beside the photos' shards (which the photo prune alone walks), so it is shared between instances and backed
    # up with them without another setting
    file_store = FileSystemPhotoStore(settings.effective_photo_dir / FILES_SUBDIR)
    lookback = (reminders.lookback_end_day, reminders.lookback_report_days) if reminders else (15, 7)
    return Services(
        users=UserService(uow, [ChannelAddress(TELEGRAM, str(i)) for i in settings.admin_ids], actors or ActorCache(ttl=0)),
        invites=invites,
        forms=forms,
        photos=photos,
        reports=ReportService(uow, clock, rules, settings.district_code, sheets),
        plans=PlanService(uow, clock, rules.campaign),
        evidence=evidence,
        contacts=ContactService(uow, sheets),
        work_reports=WorkReportService(uow, clock, file_store, earliest=rules.campaign.issued),
        lifecycle=lifecycle,
        verification=verification,
        find=find,
        admin=AdminService(uow, invites),
        rank_subscriptions=RankSubscriptionService(uow, clock),
        tipoffs=TipOffService(uow, clock, settings, forms, photo_store, evidence),
        documents=DocumentService(uow, photo_store, clock, find, file_store),
        deadlines=DeadlineService(uow, clock, forms),
        supervision=SupervisionService(uow, clock, forms),
        closure_return=ClosureReturnService(uow, clock, forms),
        closure_checks=ClosureCheckService(uow, clock, forms),
        corrections=CorrectionService(uow, clock, forms),
        office_batch=OfficeBatchService(uow, lifecycle),
        inbox=InboxService(uow, file_store, clock, rules, *lookback),
        search=SearchService(uow, clock),
        acceptance_documents=AcceptanceDocumentService(uow, file_store, find),
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
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True,
    reminders: ReminderSettings | None = None,
) -> AsyncIterator[Core]:
    """Open the database (migrating it to head first), load the unit registry, build the services. The composition
    root: the zone (``settings.tz``, also re-zoning a given ``clock``), the reminders' settings (``reminders``, else
    read from ``HAZARDBOT_REMINDERS_*``) and the campaign are built here once and passed to whatever needs them."""
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine, uow = await open_database(url, migrate=migrate, pool_size=settings.db_pool_size,
                                      max_overflow=settings.db_max_overflow, pool_timeout=settings.db_pool_timeout)
    photo_store = FileSystemPhotoStore(settings.effective_photo_dir)
    # the one place the zone is chosen: every "today" below follows HAZARDBOT_TIMEZONE
    clock = clock.in_zone(settings.tz) if clock else system_clock(settings.tz)
    try:
        actors: ActorCache[Actor] = ActorCache(settings.actor_cache_seconds)
        watch_role_changes(engine, actors)
        reminders = reminders or ReminderSettings()
        rules = status_rules(clock, reminders)
        services = build_services(settings, uow, photo_store, clock, rules, actors, reminders)
        yield Core(settings, engine, uow, photo_store, clock, services, reminders, rules, actors)
    finally:
        await engine.dispose()
