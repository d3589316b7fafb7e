"""The office confirms (挂账) or closes (销账) a selected batch of hazards in one step (issue 16 item 1; 方案 四(二)(三)).

A batch is only a loop over the one-hazard use cases of ``LifecycleService``: each hazard is checked again (role,
scope and its state re-read, five implementations for 挂账), moved in its own unit of work and logged as its own
event, and tells the same people a single press would. One refused hazard does not stop the others; the result
names what was done and what was refused, with the refusal.

What a batch closure records: the ``close`` event of each hazard with one common note, ``BATCH_NOTES`` (批量销账,
with the number of hazards the batch does), and no photos. The closure form's photos are the office's evidence
for one site; one photo set for a batch would be false evidence for every other site, and each hazard already
carries its own on-site evidence in its 复查合格 step. A hazard that needs its own note or photos is closed from its card.

The office's list holds both kinds, so a selection may mix them: each action takes only the ticked hazards it
applies to (``split``), and refuses a ticked one awaiting the other action as such (``InvalidTransition`` with its
state), not by the life cycle's "already done by …", which names whoever last moved it on and would be false here.
Before moving anything the batch checks each hazard as its step would (``LifecycleService.check_step``), so the
note's count is the number done; only a hazard another officer moves in the moments between check and step makes
it one too many."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from bot.domain import HazardState
from bot.services.actors import Actor
from bot.services.errors import DomainError
from bot.services.hazard_query import scope_clause
from bot.services.lifecycle import Action, has_district_scope
from bot.services.lifecycle_errors import InvalidTransition, InvalidValue
from bot.services.lifecycle_service import LifecycleService
from bot.services.transitions import Outcome
from storage.db import UowFactory
from storage.models import Hazard

log = logging.getLogger("hazardbot.lifecycle")

BATCH_LIMIT = 50
"""Most hazards one batch takes: each is its own unit of work, and the answer listing them stays one message."""

BATCH_ACTIONS = (Action.REGISTER, Action.CLOSE)
#: the states of the office's list (/office) a batch is ticked on: awaiting 挂账, awaiting 销账
BATCH_STATES = (HazardState.PENDING_CONFIRMATION, HazardState.CLOSURE_REQUESTED)
#: the state of the office's list each batch action applies to
ACTION_STATES = {Action.REGISTER: HazardState.PENDING_CONFIRMATION, Action.CLOSE: HazardState.CLOSURE_REQUESTED}
#: the note each hazard's event carries (the ledger's language), ``{n}`` the number of hazards the batch does
BATCH_NOTES = {Action.REGISTER: "批量挂账（同批 {n} 项）", Action.CLOSE: "批量销账（同批 {n} 项）"}


@dataclass(frozen=True)
class Refused:
    """A hazard of the batch that was refused: its number (ledger, else draft; ``""`` when no such hazard),
    its site and why (the lifecycle's ``DomainError``)."""

    hazard_id: int
    number: str
    site_name: str
    error: DomainError


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: ``done`` in the order chosen, ``refused`` likewise."""

    action: Action
    done: tuple[Outcome, ...]
    refused: tuple[Refused, ...]


class OfficeBatchService:
    """Batch 挂账 / 销账 for the district office, through ``lifecycle`` one hazard at a time."""

    def __init__(self, uow: UowFactory, lifecycle: LifecycleService) -> None:
        self._uow = uow
        self._lifecycle = lifecycle

    @staticmethod
    def check_actor(actor: Actor) -> None:
        """Raises ``NotBound``, or ``PermissionDenied`` unless ``actor`` acts for the district (office, admin)."""
        actor.require(has_district_scope(actor), action="batch")

    async def listed(self, actor: Actor, hazard_ids: Sequence[int]) -> list[int]:
        """Those of ``hazard_ids`` (order kept, duplicates once) that are in the office's list now: they exist,
        are in ``BATCH_STATES`` and in ``actor``'s scope. A tick or a count of the selection goes by these: a
        forged id, or a hazard another officer moved meanwhile, is not selected. Raises ``NotBound``,
        ``PermissionDenied`` (not the office)."""
        self.check_actor(actor)
        ids = list(dict.fromkeys(hazard_ids))
        states = await self._states(actor, ids)
        return [i for i in ids if i in states]

    async def split(self, actor: Actor, hazard_ids: Sequence[int]) -> dict[Action, list[int]]:
        """``listed`` by the batch action that applies to each: ``Action.REGISTER`` → those awaiting 挂账,
        ``Action.CLOSE`` → those awaiting 销账 (both keys always there, order kept). Raises as ``listed``."""
        self.check_actor(actor)
        ids = list(dict.fromkeys(hazard_ids))
        states = await self._states(actor, ids)
        return {a: [i for i in ids if states.get(i) == s] for a, s in ACTION_STATES.items()}

    async def _states(self, actor: Actor, ids: Sequence[int]) -> dict[int, HazardState]:
        """hazard id → state, of those of ``ids`` in ``BATCH_STATES`` and in ``actor``'s scope."""
        if not ids:
            return {}
        async with self._uow() as u:
            rows = (await u.session.exec(
                select(Hazard.id, Hazard.state).where(
                    col(Hazard.id).in_(list(ids)), col(Hazard.state).in_([s.value for s in BATCH_STATES]),
                    scope_clause(actor))
            )).all()
        return {hid: HazardState(state) for hid, state in rows if hid is not None}

    async def run(self, actor: Actor, action: Action, hazard_ids: Sequence[int]) -> BatchResult:
        """Take ``action`` (``Action.REGISTER`` or ``Action.CLOSE``) on each of ``hazard_ids`` (duplicates once,
        at most ``BATCH_LIMIT``) with the batch note, each checked and logged by ``LifecycleService``; one awaiting
        the other action is refused with ``InvalidTransition`` (its state), one failing the step's checks with
        their error, and the note counts the rest, the ones moved. Raises
        ``NotBound``, ``PermissionDenied`` (not the office), ``InvalidValue`` (another action, too many)."""
        self.check_actor(actor)
        if action not in BATCH_ACTIONS:
            raise InvalidValue(field="batch_action", value=action.value)
        ids = list(dict.fromkeys(hazard_ids))
        if len(ids) > BATCH_LIMIT:
            raise InvalidValue(field="batch_size", value=len(ids))
        labels = await self._labels(ids)
        states = await self._states(actor, ids)
        errors: dict[int, DomainError] = {}
        ready: list[int] = []
        for hazard_id in ids:
            state = states.get(hazard_id)
            if state is not None and state != ACTION_STATES[action]:
                errors[hazard_id] = InvalidTransition(state=state.value, action=action.value)
                continue
            try:
                await self._lifecycle.check_step(actor, hazard_id, action)
            except DomainError as exc:
                errors[hazard_id] = exc
                continue
            ready.append(hazard_id)
        note = BATCH_NOTES[action].format(n=len(ready))
        step = self._lifecycle.register if action == Action.REGISTER else self._lifecycle.close
        done: list[Outcome] = []
        for hazard_id in ready:
            try:
                done.append(await step(actor, hazard_id, note))
            except DomainError as exc:  # moved by someone else since its check
                errors[hazard_id] = exc
        refused: list[Refused] = []
        for hazard_id in ids:
            if hazard_id in errors:
                number, site = labels.get(hazard_id, ("", ""))
                refused.append(Refused(hazard_id, number, site, errors[hazard_id]))
                log.info("batch %s refused for hazard %s: %s", action.value, hazard_id, errors[hazard_id].code)
        return BatchResult(action, tuple(done), tuple(refused))

    async def _labels(self, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """hazard id → (ledger or draft number, site name) of those that exist (the office reads the district)."""
        if not ids:
            return {}
        async with self._uow() as u:
            rows = (await u.session.exec(
                select(Hazard.id, Hazard.ledger_number, Hazard.draft_number, Hazard.site_name)
                .where(col(Hazard.id).in_(list(ids)))
            )).all()
        return {hid: (ledger or draft, site) for hid, ledger, draft, site in rows if hid is not None}
