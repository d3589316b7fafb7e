"""One transition inside a unit of work: load the hazard, check role, scope and state, move it with a guarded
UPDATE (expected state and ``version`` in the WHERE) and append the event. Used by every life cycle service.

Two people pressing the same button, or one pressing twice: the first UPDATE matches, the second matches no
row (PostgreSQL re-checks the WHERE after the first commits), and the loser is told who did it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import HazardState, PhotoStage, Role
from bot.services.actors import Actor, current_actor
from bot.services.check_rows import record_check
from bot.services.errors import NotBound, NotFound, PermissionDenied, StaleAction
from bot.services.hazard_query import roles_on
from bot.services.lifecycle import TRANSITIONS, Action, next_state, roles_for
from bot.services.lifecycle_errors import AlreadyDone, InvalidTransition, InvalidValue
from bot.services.notices import queue_notices
from bot.services.step_notices import step_notices
from storage.models import Hazard, HazardEvent, Membership, Photo, User, record_name_sql
from storage.tally import touch


@dataclass(frozen=True)
class Outcome:
    """What a life cycle action did: the hazard moved ``from_state`` → ``to_state`` (equal when the action
    only records something), the event appended (with its ``note``), and the users (ids of our table) told of
    it (``queue_step_notices``, in the same unit of work, by ``bot.services.step_notices.STEP_NOTICES``; a
    service sets ``notify`` itself only for an action that table has no row for)."""

    hazard_id: int
    action: Action
    from_state: HazardState
    to_state: HazardState
    event_id: int
    ledger_number: str | None = None
    notify: tuple[int, ...] = field(default=())
    record_id: int | None = None
    draft_number: str = ""
    site_name: str = ""
    note: str | None = None


async def queue_step_notices(session: AsyncSession, outcome: Outcome, actor: Actor, now: datetime) -> tuple[int, ...]:
    """Queue, in the step's own unit of work, the notices it owes: to the people ``bot.services.step_notices``
    names for the action (``outcome.notify`` for an action it has no row for), each in their language with a
    button opening the card, and, when the hazard changed state, to the reporters of the tip-offs it came from
    and to their township (mirrored by ``on_hazard_state_changed``). All under the event's key, so each person
    is told once. Returns the users told of the step."""
    from bot.services.tipoff_records import on_hazard_state_changed

    hazard = await session.get(Hazard, outcome.hazard_id)
    assert hazard is not None
    notices = await step_notices(session, hazard, outcome.action, actor, note=outcome.note,
                                 record_id=outcome.record_id, fallback=outcome.notify)
    told = tuple(n.user_id for n in notices)
    if outcome.to_state != outcome.from_state:
        notices += await on_hazard_state_changed(session, outcome.hazard_id, outcome.to_state.value)
    await queue_notices(session, f"hazard_event:{outcome.event_id}", notices, now)
    return told


class Transitions:
    """The transition engine bound to one session (one unit of work) and one instant ``now`` (aware)."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now

    async def begin(self, actor: Actor, hazard_id: int, action: Action) -> tuple[Hazard, HazardState]:
        """The hazard (freshly read) and the state ``action`` leads to, for ``actor`` with the roles they hold
        now (``current_actor``: a role taken away since the update's actor was loaded counts for nothing).

        Raises ``NotBound`` (no role at all), ``NotFound``, ``PermissionDenied`` (no role allowing the action
        over this hazard's unit, or the state needs another role), ``AlreadyDone`` (someone moved it out of
        the state the action expected) or ``InvalidTransition``.
        """
        actor = await current_actor(self.session, actor)
        if not actor.is_bound:
            raise NotBound()
        hazard = (
            await self.session.exec(
                select(Hazard).where(Hazard.id == hazard_id).execution_options(populate_existing=True)
            )
        ).first()
        if hazard is None:
            raise NotFound(what="hazard", id=hazard_id)
        roles = roles_on(actor, hazard, action)
        if not roles & roles_for(action):
            raise PermissionDenied(action=action.value, hazard_id=hazard_id)
        state = HazardState(hazard.state)
        target = next_state(state, action, roles)
        if target is None:
            mine = {s for (s, a, r) in TRANSITIONS if a == action and r in roles and s is not None}
            await self.raise_if_done(hazard, mine)
            if any((state, action, r) in TRANSITIONS for r in roles_for(action)):
                raise PermissionDenied(action=action.value, hazard_id=hazard_id)
            raise InvalidTransition(state=state.value, action=action.value)
        return hazard, target

    async def raise_if_done(self, hazard: Hazard, states: Iterable[HazardState | str]) -> None:
        """Raise ``AlreadyDone`` naming who last moved ``hazard`` out of one of ``states``, if anyone did, with
        that step (``action``, ``at``, ``state`` it led to) and the state the hazard is in now (``now``): a 挂账
        pressed on a hazard since re-inspected is told who registered it, and where it stands, not who moved it
        last."""
        values = [str(s) for s in states]
        row = (
            await self.session.exec(
                select(HazardEvent, record_name_sql())
                .join(User, col(User.id) == col(HazardEvent.actor_id), isouter=True)
                .where(
                    HazardEvent.hazard_id == hazard.id,
                    col(HazardEvent.from_state).in_(values),
                    col(HazardEvent.to_state) != col(HazardEvent.from_state),
                )
                .order_by(col(HazardEvent.id).desc())
                .limit(1)
            )
        ).first()
        if row is not None:
            event, name = row
            # read again: ``hazard`` is as the caller began with it, before the move that lost the race
            now = (await self.session.exec(select(Hazard.state).where(Hazard.id == hazard.id))).first()
            raise AlreadyDone(by=name or "?", action=event.action, at=event.at, state=event.to_state,
                              now=now or event.to_state)

    async def move(
        self,
        actor: Actor,
        hazard: Hazard,
        action: Action,
        target: HazardState,
        *,
        note: str | None = None,
        photo_ids: Sequence[int] = (),
        data: dict[str, Any] | None = None,
        changes: dict[str, Any] | None = None,
    ) -> HazardEvent:
        """Set ``state`` = ``target`` (and ``changes``) if nobody changed the hazard since ``begin``; append the
        event. Raises ``AlreadyDone`` / ``StaleAction`` when another transaction got there first."""
        before = HazardState(hazard.state)
        values = {"state": target.value, "version": hazard.version + 1, "updated_at": self.now, **(changes or {}),
                  # the status's covering column (migration 0150): set by the closure, cleared by any way out
                  "closed_at": self.now if target == HazardState.CLOSED else None}
        result = await self.session.exec(
            update(Hazard)
            .where(
                col(Hazard.id) == hazard.id,
                col(Hazard.version) == hazard.version,
                col(Hazard.state) == before.value,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            await self.raise_if_done(hazard, [before])
            raise StaleAction(hazard_id=hazard.id)
        await self.session.refresh(hazard)
        await touch(self.session, [hazard.id])  # the status's tallies (a Core update: no ORM flush sees it)
        event = HazardEvent(
            hazard_id=hazard.id,  # type: ignore[arg-type]
            at=self.now,
            actor_id=actor.user_id,
            action=action.value,
            from_state=before.value,
            to_state=target.value,
            note=note,
            data={"photos": list(photo_ids), **(data or {})},
        )
        self.session.add(event)
        await self.session.flush()
        await record_check(self.session, actor, hazard, event)  # 复查, 核查, 回头看: a 附件1 row (issue 15)
        return event

    async def attach_photos(
        self, actor: Actor, hazard: Hazard, photo_ids: Sequence[int], stage: PhotoStage
    ) -> None:
        """Attach photos ``actor`` received to ``hazard`` for ``stage``. Raises ``InvalidValue(field="photos")``
        for an unknown id, someone else's loose photo or a photo of another hazard."""
        if not photo_ids:
            return
        photos = (await self.session.exec(select(Photo).where(col(Photo.id).in_(list(photo_ids))))).all()
        if len(photos) != len(set(photo_ids)) or any(
            p.hazard_id not in (None, hazard.id) or (p.hazard_id is None and p.user_id != actor.user_id) for p in photos
        ):
            raise InvalidValue(field="photos", value=list(photo_ids))
        for photo in photos:
            if photo.hazard_id is None:
                photo.hazard_id = hazard.id
                photo.stage = stage.value
                self.session.add(photo)

    def users(self, user_ids: Iterable[int | None], exclude: Actor | None = None) -> tuple[int, ...]:
        """``user_ids`` without ``None`` and ``exclude``, in a stable order."""
        return tuple(sorted({u for u in user_ids if u is not None and (exclude is None or u != exclude.user_id)}))

    async def unit_people(self, unit_id: int, roles: Iterable[Role], exclude: Actor | None = None) -> tuple[int, ...]:
        """The users holding one of ``roles`` at ``unit_id``."""
        user_ids = (
            await self.session.exec(
                select(Membership.user_id).where(
                    Membership.unit_id == unit_id, col(Membership.role).in_([r.value for r in roles])
                )
            )
        ).all()
        return self.users(user_ids, exclude)

    async def role_people(self, roles: Iterable[Role], exclude: Actor | None = None) -> tuple[int, ...]:
        """The users holding one of ``roles`` anywhere (the office)."""
        user_ids = (
            await self.session.exec(
                select(Membership.user_id).where(col(Membership.role).in_([r.value for r in roles]))
            )
        ).all()
        return self.users(user_ids, exclude)
