"""The framework-free half of the composition root: settings → engine → units of work → services.
Nothing here imports aiogram, so commands that never talk to Telegram (``invite``, ``export``,
``db upgrade``) start without loading it; ``bot.app`` adds the bot and the dispatcher."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, system_clock
from bot.services.actor_cache import ActorCache, watch_role_changes
from bot.settings import Settings
from reminders.settings import ReminderSettings
from storage.db import UowFactory, create_engine, make_uow_factory
from storage.migrate import upgrade_async
from storage.photo_store import FileSystemPhotoStore, PhotoStore
from storage.registry import sync_units

log = logging.getLogger("hazardbot.core")

#: connections beyond the updates in flight: the reminders' sender, the scheduler, a claim settled on its own
POOL_SPARE = 4

if TYPE_CHECKING:
    from bot.services.acceptance_documents import AcceptanceDocumentService
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
    from bot.services.store_prune import PruneJob
    from bot.services.summary import StatusRules
    from bot.services.supervision import SupervisionService
    from bot.services.tipoffs import TipOffService
    from bot.services.verification import VerificationService
    from reminders.contacts import ContactService
    from reminders.submissions import WorkReportService

# what units submit (bot.services.inbox) and the acceptance documents (bot.services.acceptance_documents), under
# the photo directory
FILES_SUBDIR = "submission-files"


class Services:
    """Every use case, bound to one database and clock; each is built when first asked for (``services.forms``)
    and then kept. The service modules are imported there, not at the top of this module: together with the
    tables and libraries they load (xlsxwriter, Pillow, …) they cost about a quarter of a second of CPU, which
    ``hazardbot run`` would otherwise spend before it answers its first update, and ``invite`` before it prints
    its code (issue 19 item 5). ``hazardbot run`` builds them all once it serves (``bot.app.finish_start``)."""

    def __init__(
        self, settings: Settings, uow: UowFactory, photo_store: PhotoStore, clock: Clock, rules: StatusRules | None,
        actors: ActorCache[Actor] | None = None, reminders: ReminderSettings | None = None,
    ) -> None:
        self._settings, self._uow, self._photo_store, self._clock = settings, uow, photo_store, clock
        self._given_rules, self._actors, self._reminders = rules, actors, reminders

    @classmethod
    def names(cls) -> list[str]:
        """Every service's attribute name (``bot.app.finish_start`` builds them all once the bot serves)."""
        return [name for name, value in vars(cls).items()
                if isinstance(value, cached_property) and name[0] != "_" and name != "rules"]

    @cached_property
    def rules(self) -> StatusRules:
        """The zone, campaign and working-day calendar every service shares (``status_rules`` unless given); built
        on first use too: its module loads most of the tables."""
        return self._given_rules if self._given_rules is not None else status_rules(self._clock, self._reminders or ReminderSettings())

    @cached_property
    def _sheets(self) -> Any:
        return self._settings.sheet_parser()

    @cached_property
    def file_store(self) -> PhotoStore:
        """Submitted files and acceptance documents (``<photo dir>/submission-files``)."""
        # beside the photos' shards (which the photo prune alone walks), so it is shared between instances and backed
        # up with them without another setting
        return FileSystemPhotoStore(self._settings.effective_photo_dir / FILES_SUBDIR)

    @cached_property
    def users(self) -> UserService:
        """Users and their grants: who sent an update (``actors`` cache), binding, the admins of
        ``admin_ids``."""
        from bot.channels import TELEGRAM, ChannelAddress
        from bot.services.actors import UserService

        admins = [ChannelAddress(TELEGRAM, str(i)) for i in self._settings.admin_ids]
        return UserService(self._uow, admins, self._actors or ActorCache(ttl=0))

    @cached_property
    def invites(self) -> InviteService:
        """Invitation codes, valid ``invite_ttl_days`` days."""
        from bot.services.invites import InviteService

        return InviteService(self._uow, self._settings.invite_ttl_days)

    @cached_property
    def forms(self) -> FormService:
        """The forms: drafts, answers, review and submission of every form (``config/forms``)."""
        from bot.services.forms import FormService

        return FormService(self._uow, self._clock, self._settings, self.evidence, campaign=self.rules.campaign,
                           lifecycle=self.lifecycle, verification=self.verification)

    @cached_property
    def photos(self) -> PhotoService:
        """The stored photos' bytes."""
        from bot.services.photos import PhotoService

        return PhotoService(self._uow, self._photo_store)

    @cached_property
    def reports(self) -> ReportService:
        """Status, rankings, lists and exports of a unit or the district."""
        from bot.services.reports import ReportService

        return ReportService(self._uow, self._clock, self.rules, self._settings.district_code, self._sheets)

    @cached_property
    def plans(self) -> PlanService:
        """Units' yearly inspection plans (方案 四)."""
        from bot.services.plans import PlanService

        return PlanService(self._uow, self._clock, self.rules.campaign)

    @cached_property
    def evidence(self) -> EvidenceService:
        """Photos as evidence: stored, deduplicated, checked against the district's centre and GPS radius
        (km)."""
        from bot.services.evidence import EvidenceService

        s = self._settings
        return EvidenceService(self._uow, self._photo_store, self._clock, s.district_centre, s.photo_gps_radius_km)

    @cached_property
    def contacts(self) -> ContactService:
        """The units' contacts (联络员) and their import from a sheet."""
        from reminders.contacts import ContactService

        return ContactService(self._uow, self._sheets)

    @cached_property
    def work_reports(self) -> WorkReportService:
        """Units' monthly work reports and materials, owed from the day the plan was issued."""
        from reminders.submissions import WorkReportService

        return WorkReportService(self._uow, self._clock, self.file_store, earliest=self.rules.campaign.issued)

    @cached_property
    def lifecycle(self) -> LifecycleService:
        """The hazard life cycle: review, registration, rectification, re-inspection, closure."""
        from bot.services.lifecycle_service import LifecycleService

        return LifecycleService(self._uow, self._clock, self._settings.district_code, self.evidence)

    @cached_property
    def verification(self) -> VerificationService:
        """The district's verification (核查) of rectified hazards."""
        from bot.services.verification import VerificationService

        return VerificationService(self._uow, self._clock)

    @cached_property
    def find(self) -> FindService:
        """Finding a hazard by its number and opening its card."""
        from bot.services.find import FindService

        return FindService(self._uow, self._clock)

    @cached_property
    def admin(self) -> AdminService:
        """Admin tasks: grants, pending invitations."""
        from bot.services.admin import AdminService

        return AdminService(self._uow, self.invites)

    @cached_property
    def rank_subscriptions(self) -> RankSubscriptionService:
        """Who receives the weekly ranking (方案 五(三))."""
        from bot.services.rank_subscriptions import RankSubscriptionService

        return RankSubscriptionService(self._uow, self._clock)

    @cached_property
    def tipoffs(self) -> TipOffService:
        """Tip-offs from the public: reporting, tracking, verification, export."""
        from bot.services.tipoffs import TipOffService

        return TipOffService(self._uow, self._clock, self._settings, self.forms, self._photo_store, self.evidence)

    @cached_property
    def documents(self) -> DocumentService:
        """The notices (整改通知书, 督办, 复查) generated for a hazard, kept in the file store."""
        from bot.services.documents import DocumentService

        return DocumentService(self._uow, self._photo_store, self._clock, self.find, self.file_store)

    @cached_property
    def deadlines(self) -> DeadlineService:
        """Requests to extend a hazard's rectification deadline and their decisions."""
        from bot.services.deadlines import DeadlineService

        return DeadlineService(self._uow, self._clock, self.forms)

    @cached_property
    def supervision(self) -> SupervisionService:
        """Putting hazards under supervision (挂牌督办) and ending it."""
        from bot.services.supervision import SupervisionService

        return SupervisionService(self._uow, self._clock, self.forms)

    @cached_property
    def closure_return(self) -> ClosureReturnService:
        """Returning a closure request to the unit that made it."""
        from bot.services.closure_return import ClosureReturnService

        return ClosureReturnService(self._uow, self._clock, self.forms)

    @cached_property
    def closure_checks(self) -> ClosureCheckService:
        """The office's checks before a hazard is closed (销账)."""
        from bot.services.closure_checks import ClosureCheckService

        return ClosureCheckService(self._uow, self._clock, self.forms)

    @cached_property
    def corrections(self) -> CorrectionService:
        """Correcting returned or submitted records, with their change history."""
        from bot.services.correction_service import CorrectionService

        return CorrectionService(self._uow, self._clock, self.forms)

    @cached_property
    def office_batch(self) -> OfficeBatchService:
        """The office's decisions on several hazards at once."""
        from bot.services.office_batch import OfficeBatchService

        return OfficeBatchService(self._uow, self.lifecycle)

    @cached_property
    def inbox(self) -> InboxService:
        """Units' submissions as the office reads them, by month, with the reminders' lookback."""
        from bot.services.inbox import InboxService

        r = self._reminders
        lookback = (r.lookback_end_day, r.lookback_report_days) if r else (15, 7)
        return InboxService(self._uow, self.file_store, self._clock, self.rules, *lookback)

    @cached_property
    def search(self) -> SearchService:  # /find by any field (issue 16)
        """``/find`` by any field (issue 16)."""
        from bot.services.hazard_search import SearchService

        return SearchService(self._uow, self._clock)

    @cached_property
    def acceptance_documents(self) -> AcceptanceDocumentService:  # 整改验收材料, in the file store (issue 18)
        """Rectification acceptance documents (整改验收材料), kept in the file store (issue 18)."""
        from bot.services.acceptance_documents import AcceptanceDocumentService

        return AcceptanceDocumentService(self._uow, self.file_store, self.find)


@dataclass
class Core:
    """What a process runs on, built by ``open_core`` from the settings: the engine, the unit of work factory,
    the photo store, the clock, the services and the reminders' settings."""

    settings: Settings
    engine: AsyncEngine
    uow: UowFactory
    photo_store: PhotoStore
    clock: Clock  # carries the zone (HAZARDBOT_TIMEZONE): every "today" is ``clock.today()``
    services: Services
    reminders: ReminderSettings  # HAZARDBOT_REMINDERS_*, read once here
    actors: ActorCache[Actor] | None = None  # who sent an update, cached (kept in step across instances by shared_state)

    @property
    def rules(self) -> StatusRules:
        """Zone, campaign and working-day calendar, built once from the two settings (``Services.rules``)."""
        return self.services.rules

    def prune_job(self) -> PruneJob:
        """The nightly prune of both stores with the office's retention (``HAZARDBOT_PHOTO_RETENTION_DAYS``),
        for the reminders' scheduler (``reminders.scheduler.running_reminders``)."""
        from bot.services.store_prune import PruneJob

        return PruneJob(self.uow, self.photo_store, self.services.file_store, self.settings.photo_retention_days,
                        self.clock)


def status_rules(clock: Clock, reminders: ReminderSettings) -> StatusRules:
    """The zone (the clock's), the campaign and the working-day calendar of this deployment."""
    from bot.campaign import campaign_of
    from bot.services.summary import StatusRules
    from reminders.calendar import WorkCalendar

    return StatusRules(clock.tz, campaign_of(reminders), WorkCalendar.from_file(reminders.holidays_file))


def build_services(
    settings: Settings, uow: UowFactory, photo_store: PhotoStore, clock: Clock, rules: StatusRules | None,
    actors: ActorCache[Actor] | None = None, reminders: ReminderSettings | None = None,
) -> Services:
    """Every service on one database; ``rules``: zone, campaign and calendar (none: ``status_rules``); ``actors``: the
    cache of who sent an update (none: no caching); ``reminders``: the reminders' settings (the inbox's due
    dates; default: their defaults). What units submit and the acceptance documents of rectification reports are
    kept in their own store, ``<photo dir>/submission-files``.
    Each service is built when first used (``Services``)."""
    return Services(settings, uow, photo_store, clock, rules, actors, reminders)


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
    if settings.max_concurrent_updates and settings.db_pool_size < settings.max_concurrent_updates + POOL_SPARE:
        # a connection beyond the pool's size is closed when it comes back: a steady load above it opens one every
        # few dozen updates (on PostgreSQL a server process started each time; benchmarks/RESULTS-perf.md)
        log.warning("event=pool_below_load db_pool_size=%s max_concurrent_updates=%s wanted=%s",
                    settings.db_pool_size, settings.max_concurrent_updates,
                    settings.max_concurrent_updates + POOL_SPARE)
    engine, uow = await open_database(url, migrate=migrate, pool_size=settings.db_pool_size,
                                      max_overflow=settings.db_max_overflow, pool_timeout=settings.db_pool_timeout)
    photo_store = FileSystemPhotoStore(settings.effective_photo_dir)
    # the one place the zone is chosen: every "today" below follows HAZARDBOT_TIMEZONE
    clock = clock.in_zone(settings.tz) if clock else system_clock(settings.tz)
    try:
        actors: ActorCache[Actor] = ActorCache(settings.actor_cache_seconds)
        watch_role_changes(engine, actors)
        reminders = reminders or ReminderSettings()
        services = build_services(settings, uow, photo_store, clock, None, actors, reminders)
        yield Core(settings, engine, uow, photo_store, clock, services, reminders, actors)
    finally:
        await engine.dispose()
