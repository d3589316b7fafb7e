"""``/find`` and the hazard's case file (一患一案, 方案 五(六)): search by ledger number, draft number, site
name or address within the actor's scope; the whole history with the photos of every stage; the queues of
hazards waiting for a role. Read-only; leaders and contacts read within their units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels import MediaRef
from bot.clock import Clock
from bot.domain import HazardState
from bot.services.actors import Actor, current_actor
from bot.services.errors import NotBound, NotFound
from bot.services.extension_state import PendingExtension, pending_extension
from bot.services.hazard_filter import text_clause
from bot.services.hazard_query import (
    is_overdue,
    number_clause,
    roles_on,
    scope_clause,
    urgency_order,
    visible,
)
from bot.services.lifecycle import (
    TRANSITIONS,
    Action,
    FiveImplementations,
)
from bot.services.lifecycle_service import load_plan
from bot.services.media_refs import media_ref_of
from bot.services.paging import PAGE_SIZE, Page, clamp_page
from bot.services.tipoff_rules import degree_box, haversine_m
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, Inspection, InspectionHazard, Photo, User, record_name_sql
from storage.models_lifecycle import HazardLink, Rectification, Supervision
from storage.models_tipoffs import TipOff


@dataclass(frozen=True)
class Supervisor:
    """One open 挂牌督办 (方案 五(五)): its ``level`` (区政府, 区安委会, 街乡 …) and the ``responsible`` person."""

    level: str
    responsible: str | None


@dataclass(frozen=True)
class HazardSummary:
    """One line of a result list (a queue, /find): numbers, state, site, township, the recording unit;
    ``overdue`` derived (Asia/Shanghai today); ``supervision`` the open supervisions, oldest first."""

    id: int
    draft_number: str
    ledger_number: str | None
    state: HazardState
    level: str
    site_name: str
    address: str
    township: str
    unit_name: str
    deadline: date | None
    overdue: bool
    supervision: tuple[Supervisor, ...]


async def summaries(session: AsyncSession, rows: Sequence[Any], today: date) -> list[HazardSummary]:
    """The lines of ``rows`` (``hazard_query.visible``'s ``(Hazard, unit name)``), in their order, with their open
    supervisions; ``today`` (Asia/Shanghai) decides ``overdue``."""
    ids = [h.id for h, _n in rows]
    open_sup: dict[int, list[Supervisor]] = {}
    if ids:
        sup = (
            await session.exec(
                select(Supervision.hazard_id, Supervision.level, Supervision.responsible)
                .where(col(Supervision.hazard_id).in_(ids), col(Supervision.ended_at).is_(None))
                .order_by(col(Supervision.id))
            )
        ).all()
        for hazard_id, level, responsible in sup:
            open_sup.setdefault(hazard_id, []).append(Supervisor(level, responsible))
    return [
        HazardSummary(
            h.id, h.draft_number, h.ledger_number, HazardState(h.state), h.level, h.site_name, h.address,
            h.township, unit_name, h.deadline, is_overdue(h.state, h.deadline, today),
            tuple(open_sup.get(h.id, ())),
        )
        for h, unit_name in rows
    ]


async def summary_page(session: AsyncSession, actor: Actor, conditions: Sequence[Any], number: int, today: date,
                       action: Action | None = None, size: int = PAGE_SIZE) -> Page[HazardSummary]:
    """Page ``number`` (0-based, clamped to the list as it is now: ``paging.clamp_page``) of ``size`` hazards in
    ``actor``'s scope (to read, or to take ``action``: ``hazard_query.scope_clause``) that ``conditions`` select,
    most urgent first (``hazard_query.urgency_order`` as of ``today``: overdue, then 重大隐患, then oldest), with
    the total. Counted and cut in SQL (COUNT, then LIMIT/OFFSET), so a district's thousands are never loaded."""
    scope = scope_clause(actor, action)
    total = (await session.exec(select(func.count()).select_from(Hazard).where(scope, *conditions))).one()
    number, offset = clamp_page(number, total, size)
    # the page's ids first (a sort of narrow rows), then those rows whole: sorting the whole rows of a
    # long list to skip most of them costs several times more (benchmarks/RESULTS-queues.md)
    ids = list((await session.exec(
        select(Hazard.id).where(scope, *conditions).order_by(*urgency_order(today)).offset(offset).limit(size)
    )).all())
    rows = (await session.exec(visible(actor, action).where(col(Hazard.id).in_(ids)))).all() if ids else []
    place = {hazard_id: i for i, hazard_id in enumerate(ids)}
    rows = sorted(rows, key=lambda row: place[row[0].id])
    return Page(await summaries(session, rows, today), total, number, size)


@dataclass(frozen=True)
class PhotoRef:
    """A photo of the case: ``media`` is the channel's reference to it as received (``None``: none kept)."""

    id: int
    stage: str
    media: MediaRef | None
    storage_key: str


@dataclass(frozen=True)
class Step:
    """One event of the log, with its actor's name and its photos: ``photos`` those still on the record,
    ``photo_count`` how many the event itself listed (``data["photos"]``), which a photo later taken off the record
    (a resubmission's 删除照片) does not change."""

    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    actor_name: str
    note: str | None
    data: dict[str, Any]
    photos: tuple[PhotoRef, ...]
    photo_count: int = 0


@dataclass(frozen=True)
class HazardCase:
    """The case file: the record, its plan (五落实), every step, all photos by stage, linked new hazards and
    the actions the viewer may take now (for the buttons; the services check again when pressed): with the
    roles they hold now, and no 复查 for the person who reported the rectification (方案 四(三): someone else
    re-inspects). ``origins``: the numbers of the inspections (J…) and tip-offs (JB…) it was made from;
    ``nearby_address``: for a hazard given only a pin, the nearest typed address of a record in scope
    within ``NEARBY_METRES`` (with its distance), else ``""``; ``pending_extension``: the deadline extension
    request still waiting for the office (read from the request itself: one decided, lapsed by the rectification
    report or closed by a transfer is not), else ``None``."""

    summary: HazardSummary
    hazard: Hazard
    plan: FiveImplementations
    steps: tuple[Step, ...]
    photos_by_stage: dict[str, tuple[PhotoRef, ...]]
    linked: tuple[str, ...]
    actions: tuple[Action, ...]
    tz: ZoneInfo  # the zone its times are shown in (``HAZARDBOT_TIMEZONE``)
    origins: tuple[str, ...] = ()
    nearby_address: str = ""
    pending_extension: PendingExtension | None = None


_REINSPECTION = frozenset({Action.REINSPECT_PASS, Action.REINSPECT_FAIL})
NEARBY_METRES = 200.0


async def _reported_rectification(session: AsyncSession, hazard_id: int, actor: Actor) -> bool:
    """Whether ``actor`` reported the hazard's latest rectification (``ReinspectorMustDiffer`` at press time)."""
    last = (await session.exec(select(Rectification.reported_by).where(Rectification.hazard_id == hazard_id)
                               .order_by(col(Rectification.id).desc()).limit(1))).first()
    return last is not None and last == actor.user_id


async def _origins(session: AsyncSession, hazard_id: int) -> tuple[str, ...]:
    """Numbers of the inspections (J…) and tip-offs (JB…) the hazard was made from."""
    inspections = (await session.exec(
        select(Inspection.number).join(InspectionHazard, col(InspectionHazard.inspection_id) == col(Inspection.id))
        .where(InspectionHazard.hazard_id == hazard_id).order_by(col(Inspection.id))
    )).all()
    tipoffs = (await session.exec(select(TipOff.number).where(TipOff.hazard_id == hazard_id)
                                  .order_by(col(TipOff.id)))).all()
    return (*inspections, *tipoffs)


async def _nearby_address(session: AsyncSession, actor: Actor, hazard: Hazard) -> str:
    """For a hazard with a pin and no typed address: "address (about N m)" of the nearest hazard in the
    actor's scope with a typed address within ``NEARBY_METRES``; else ``""``."""
    if hazard.address.strip() or hazard.latitude is None or hazard.longitude is None:
        return ""
    lat, lon = hazard.latitude, hazard.longitude
    dlat, dlon = degree_box(lat, NEARBY_METRES)
    rows = (await session.exec(
        select(Hazard.address, Hazard.latitude, Hazard.longitude).where(
            scope_clause(actor), col(Hazard.id) != hazard.id, col(Hazard.address) != "",
            col(Hazard.latitude).between(lat - dlat, lat + dlat), col(Hazard.longitude).between(lon - dlon, lon + dlon))
        .limit(200)
    )).all()
    best = min(((haversine_m(lat, lon, a, b), address) for address, a, b in rows if a is not None and b is not None),
               default=None)
    if best is None or best[0] > NEARBY_METRES:
        return ""
    return f"{best[1]} (~{round(best[0])} m)"


class FindService:
    """Search and case files. ``clock`` decides "today" for the overdue flag."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def _require_reader(self, actor: Actor) -> None:
        if not actor.is_bound:
            raise NotBound()

    async def find(self, actor: Actor, query: str, limit: int = 10) -> list[HazardSummary]:
        """Hazards in scope whose ledger or draft number equals (or, from 6 characters, starts with) ``query``,
        or whose site name or address contains it; newest first, at most ``limit``. Raises ``NotBound``."""
        self._require_reader(actor)
        text = query.strip()
        if not text:
            return []
        async with self._uow() as u:
            rows = (
                await u.session.exec(
                    visible(actor).where(text_clause(text))
                    .order_by(col(Hazard.id).desc())
                    .limit(limit)
                )
            ).all()
            return await self._summaries(u.session, rows)

    async def by_number(self, actor: Actor, number: str) -> HazardSummary:
        """The hazard in scope whose ledger or draft number is exactly ``number``. Raises ``NotBound``,
        ``NotFound``."""
        self._require_reader(actor)
        text = number.strip()
        async with self._uow() as u:
            rows = (
                await u.session.exec(
                    visible(actor).where(number_clause(text))
                )
            ).all()
            if not rows:
                raise NotFound(what="hazard", number=text)
            return (await self._summaries(u.session, rows[:1]))[0]

    async def in_states(self, actor: Actor, states: Sequence[HazardState], limit: int = 20,
                        action: Action | None = None) -> list[HazardSummary]:
        """Hazards in scope (to read, or to take ``action``: ``hazard_query.scope_clause``) in one of ``states``,
        oldest first
        (the queue of work waiting). Raises ``NotBound``."""
        self._require_reader(actor)
        async with self._uow() as u:
            rows = (
                await u.session.exec(
                    visible(actor, action).where(col(Hazard.state).in_([s.value for s in states]))
                    .order_by(col(Hazard.id))
                    .limit(limit)
                )
            ).all()
            return await self._summaries(u.session, rows)

    async def queue(self, actor: Actor, states: Sequence[HazardState], page: int = 0,
                    action: Action | None = None) -> Page[HazardSummary]:
        """Page ``page`` (0-based, clamped to the list as it is now: ``paging.clamp_page``) of the hazards in
        scope (to read, or to take ``action``: ``hazard_query.scope_clause``) in one of ``states``, most urgent
        first (``hazard_query.urgency_order``: overdue, then 重大隐患, then oldest), with the total. Counted and
        cut in SQL (COUNT, then LIMIT/OFFSET), so a district's thousands are never loaded. Raises ``NotBound``."""
        self._require_reader(actor)
        values = [s.value for s in states]
        async with self._uow() as u:
            return await summary_page(u.session, actor, [col(Hazard.state).in_(values)], page, self._clock.today(),
                                      action)

    async def case(self, actor: Actor, hazard_id: int) -> HazardCase:
        """The case file of one hazard (一患一案). Raises ``NotBound``; ``NotFound`` also when out of scope, so
        that ids cannot be probed."""
        self._require_reader(actor)
        async with self._uow() as u:
            actor = await current_actor(u.session, actor)  # a notice's button may be pressed long after
            self._require_reader(actor)
            row = (
                await u.session.exec(
                    visible(actor).where(Hazard.id == hazard_id)
                )
            ).first()
            if row is None:
                raise NotFound(what="hazard", id=hazard_id)
            hazard = row[0]
            [summary] = await self._summaries(u.session, [row])
            _row, plan = await load_plan(u.session, hazard)
            photos = (
                await u.session.exec(select(Photo).where(Photo.hazard_id == hazard_id).order_by(col(Photo.id)))
            ).all()
            refs = {p.id: PhotoRef(p.id, p.stage, media_ref_of(p), p.storage_key) for p in photos}  # type: ignore[arg-type]
            by_stage: dict[str, list[PhotoRef]] = {}
            for ref in refs.values():
                by_stage.setdefault(ref.stage, []).append(ref)
            events = (
                await u.session.exec(
                    select(HazardEvent, record_name_sql())
                    .join(User, col(User.id) == col(HazardEvent.actor_id), isouter=True)
                    .where(HazardEvent.hazard_id == hazard_id)
                    .order_by(col(HazardEvent.id))
                )
            ).all()
            steps = tuple(
                Step(e.at, e.action, e.from_state, e.to_state, name or "", e.note, e.data,
                     tuple(refs[i] for i in e.data.get("photos", []) if i in refs),
                     len(e.data.get("photos") or []))
                for e, name in events
            )
            linked = (
                await u.session.exec(
                    select(Hazard.draft_number)
                    .join(HazardLink, col(HazardLink.new_hazard_id) == col(Hazard.id))
                    .where(HazardLink.hazard_id == hazard_id)
                )
            ).all()
            actions = tuple(
                a for a in Action
                if any((summary.state, a, r) in TRANSITIONS
                       for r in roles_on(actor, hazard, a))
            )
            if _REINSPECTION & set(actions) and await _reported_rectification(u.session, hazard_id, actor):
                actions = tuple(a for a in actions if a not in _REINSPECTION)
            origins = await _origins(u.session, hazard_id)
            nearby = await _nearby_address(u.session, actor, hazard)
            waiting = await pending_extension(u.session, hazard_id)
            u.session.expunge_all()  # the record outlives the unit of work (its rollback would expire it)
            return HazardCase(summary, hazard, plan, steps, {k: tuple(v) for k, v in by_stage.items()},
                              tuple(linked), actions, self._clock.tz, origins, nearby, waiting)

    async def _summaries(self, session: AsyncSession, rows: Sequence[Any]) -> list[HazardSummary]:
        return await summaries(session, rows, self._clock.today())
