"""``/find`` and the hazard's case file (一患一案, 方案 五(六)): search by ledger number, draft number, site
name or address within the actor's scope; the whole history with the photos of every stage; the queues of
hazards waiting for a role. Read-only; leaders and contacts read within their units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import HazardState
from bot.services.actors import Actor
from bot.services.errors import NotBound, NotFound
from bot.services.lifecycle import (
    READ_ROLES,
    TERRITORIAL_ACTIONS,
    TRANSITIONS,
    Action,
    FiveImplementations,
    has_district_scope,
    is_overdue,
    local_date,
    roles_on,
)
from bot.services.lifecycle_service import load_plan
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, Photo, Unit, User
from storage.models_lifecycle import HazardLink, Supervision

_LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class HazardSummary:
    """One line of a result list: numbers, state, site, unit; ``overdue`` derived (Asia/Shanghai today);
    ``supervision`` the open supervision levels."""

    id: int
    draft_number: str
    ledger_number: str | None
    state: HazardState
    level: str
    site_name: str
    address: str
    unit_name: str
    deadline: date | None
    overdue: bool
    supervision: tuple[str, ...]


@dataclass(frozen=True)
class PhotoRef:
    id: int
    stage: str
    telegram_file_id: str | None
    storage_key: str


@dataclass(frozen=True)
class Step:
    """One event of the log, with its actor's name and its photos."""

    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    actor_name: str
    note: str | None
    data: dict[str, Any]
    photos: tuple[PhotoRef, ...]


@dataclass(frozen=True)
class HazardCase:
    """The case file: the record, its plan (五落实), every step, all photos by stage, linked new hazards and
    the actions the viewer may take now (for the buttons; the services check again when pressed)."""

    summary: HazardSummary
    hazard: Hazard
    plan: FiveImplementations
    steps: tuple[Step, ...]
    photos_by_stage: dict[str, tuple[PhotoRef, ...]]
    linked: tuple[str, ...]
    actions: tuple[Action, ...]


def scope_clause(actor: Actor, action: Action | None = None) -> ColumnElement[bool]:
    """SQL condition selecting the hazards ``actor`` may read (``action`` None) or take ``action`` on:
    everything for the office and admins; for unit roles the hazards their units recorded, and for townships
    those located there (to read, and for ``TERRITORIAL_ACTIONS``; ``grant_covers``)."""
    if has_district_scope(actor):
        return col(Hazard.id).is_not(None)
    grants = [g for g in actor.grants if g.role in READ_ROLES]
    units = sorted({g.unit_id for g in grants})
    townships = sorted({g.unit_code for g in grants if g.unit_is_township})
    if not units:
        return false()
    if action is not None and action not in TERRITORIAL_ACTIONS:
        return col(Hazard.unit_id).in_(units)
    return or_(col(Hazard.unit_id).in_(units), col(Hazard.township_code).in_(townships))


def overdue_clause(today: date) -> ColumnElement[bool]:
    """SQL form of ``is_overdue``: registered and its deadline before ``today`` (Asia/Shanghai), for counts and
    reminders that must agree with the card."""
    return and_(col(Hazard.state) == HazardState.REGISTERED.value, col(Hazard.deadline) < today)


def _like(text: str) -> str:
    escaped = text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
        upper = text.upper()
        conditions = [
            col(Hazard.ledger_number) == text,
            func.upper(col(Hazard.draft_number)) == upper,
            col(Hazard.site_name).like(_like(text), escape=_LIKE_ESCAPE),
            col(Hazard.address).like(_like(text), escape=_LIKE_ESCAPE),
        ]
        if len(text) >= 6:
            prefix = _like(upper)[1:]
            conditions += [
                col(Hazard.ledger_number).like(prefix, escape=_LIKE_ESCAPE),
                func.upper(col(Hazard.draft_number)).like(prefix, escape=_LIKE_ESCAPE),
            ]
        async with self._uow() as u:
            rows = (
                await u.session.exec(
                    select(Hazard, Unit.name)
                    .join(Unit, col(Unit.id) == col(Hazard.unit_id))
                    .where(scope_clause(actor), or_(*conditions))
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
                    select(Hazard, Unit.name)
                    .join(Unit, col(Unit.id) == col(Hazard.unit_id))
                    .where(scope_clause(actor), or_(col(Hazard.ledger_number) == text,
                                                    func.upper(col(Hazard.draft_number)) == text.upper()))
                )
            ).all()
            if not rows:
                raise NotFound(what="hazard", number=text)
            return (await self._summaries(u.session, rows[:1]))[0]

    async def in_states(self, actor: Actor, states: Sequence[HazardState], limit: int = 20,
                        action: Action | None = None) -> list[HazardSummary]:
        """Hazards in scope (to read, or to take ``action``: ``scope_clause``) in one of ``states``, oldest first
        (the queue of work waiting). Raises ``NotBound``."""
        self._require_reader(actor)
        async with self._uow() as u:
            rows = (
                await u.session.exec(
                    select(Hazard, Unit.name)
                    .join(Unit, col(Unit.id) == col(Hazard.unit_id))
                    .where(scope_clause(actor, action), col(Hazard.state).in_([s.value for s in states]))
                    .order_by(col(Hazard.id))
                    .limit(limit)
                )
            ).all()
            return await self._summaries(u.session, rows)

    async def case(self, actor: Actor, hazard_id: int) -> HazardCase:
        """The case file of one hazard (一患一案). Raises ``NotBound``; ``NotFound`` also when out of scope, so
        that ids cannot be probed."""
        self._require_reader(actor)
        async with self._uow() as u:
            row = (
                await u.session.exec(
                    select(Hazard, Unit.name)
                    .join(Unit, col(Unit.id) == col(Hazard.unit_id))
                    .where(Hazard.id == hazard_id, scope_clause(actor))
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
            refs = {p.id: PhotoRef(p.id, p.stage, p.telegram_file_id, p.storage_key) for p in photos}  # type: ignore[arg-type]
            by_stage: dict[str, list[PhotoRef]] = {}
            for ref in refs.values():
                by_stage.setdefault(ref.stage, []).append(ref)
            events = (
                await u.session.exec(
                    select(HazardEvent, User.full_name)
                    .join(User, col(User.id) == col(HazardEvent.actor_id), isouter=True)
                    .where(HazardEvent.hazard_id == hazard_id)
                    .order_by(col(HazardEvent.id))
                )
            ).all()
            steps = tuple(
                Step(e.at, e.action, e.from_state, e.to_state, name or "", e.note, e.data,
                     tuple(refs[i] for i in e.data.get("photos", []) if i in refs))
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
                       for r in roles_on(actor, hazard.unit_id, hazard.township_code, a))
            )
            u.session.expunge_all()  # the record outlives the unit of work (its rollback would expire it)
            return HazardCase(summary, hazard, plan, steps, {k: tuple(v) for k, v in by_stage.items()},
                              tuple(linked), actions)

    async def _summaries(self, session: AsyncSession, rows: Sequence[Any]) -> list[HazardSummary]:
        ids = [h.id for h, _n in rows]
        open_levels: dict[int, list[str]] = {}
        if ids:
            sup = (
                await session.exec(
                    select(Supervision.hazard_id, Supervision.level)
                    .where(col(Supervision.hazard_id).in_(ids), col(Supervision.ended_at).is_(None))
                    .order_by(col(Supervision.id))
                )
            ).all()
            for hazard_id, level in sup:
                open_levels.setdefault(hazard_id, []).append(level)
        today = local_date(self._clock())
        return [
            HazardSummary(
                h.id, h.draft_number, h.ledger_number, HazardState(h.state), h.level, h.site_name, h.address,
                unit_name, h.deadline, is_overdue(h.state, h.deadline, today), tuple(open_levels.get(h.id, ())),
            )
            for h, unit_name in rows
        ]
