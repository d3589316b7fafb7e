"""/find over the whole scope (issue 16, "find by any field"): the hazards in the actor's scope
(``hazard_query.scope_clause``) that a ``hazard_filter.Filter`` selects — counted, paged most urgent first
(overdue, then major, then oldest), each line with what the office asks about (township, level, state,
deadline, overdue, who supervises) — and the same set as the 附件2 ledger (``ledger_export``)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import Role
from bot.services import ledger_export as ex
from bot.services.actors import Actor, current_actor
from bot.services.errors import NotBound
from bot.services.find import HazardSummary, summary_page
from bot.services.hazard_filter import Filter, where
from bot.services.hazard_query import scope_clause
from bot.services.paging import PAGE_SIZE, Page
from bot.services.unit_lookup import looks_like_unit
from storage.db import UowFactory
from storage.models import Hazard
from storage.registry import match_unit, suggest_units


@dataclass(frozen=True)
class FoundExport:
    """The 附件2 file of a /find result, valid inside ``SearchService.export``'s ``async with``: ``rows``
    written, of ``found`` hazards — those not yet on the ledger (no ledger number: in review or rejected) are
    not in 附件2. ``path`` is ``None`` when no row would be written (nothing found, or none on the ledger):
    an empty ledger is not a file worth sending."""

    path: Path | None
    filename: str
    rows: int
    found: int


@dataclass(frozen=True)
class UnitReading:
    """A /find word searched as text that no hazard holds but that names or resembles a unit: ``word`` as typed;
    ``read_as`` the filter with the word read as its unit and ``unit`` that unit's name (``match_unit``, as
    ``/status WORD`` reads it), or ``None`` and ``suggestions`` (up to three unit names, as ``/status`` offers)."""

    word: str
    read_as: Filter | None
    unit: str
    suggestions: tuple[str, ...]


class SearchService:
    """The filtered, paged and exported /find. ``clock``: today and the zone."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def _conditions(self, session: AsyncSession, actor: Actor, f: Filter) -> tuple[Actor, object, object]:
        """The actor as they are now (``current_actor``: a result's buttons are pressed long after, a role may
        have been taken away elsewhere meanwhile), their scope and what ``f`` selects. Raises ``NotBound``."""
        actor = await current_actor(session, actor)
        if not actor.is_bound:
            raise NotBound()
        return actor, scope_clause(actor), where(f, self._clock.today(), self._clock.tz)

    async def page(self, actor: Actor, f: Filter, number: int = 0, size: int = PAGE_SIZE) -> Page[HazardSummary]:
        """Page ``number`` (0-based, clamped to the list as it is now) of the hazards in ``actor``'s scope that
        ``f`` selects: overdue first, then major, then oldest (``find.summary_page``). Raises ``NotBound``."""
        async with self._uow() as u:
            actor, _scope, chosen = await self._conditions(u.session, actor, f)
            return await summary_page(u.session, actor, [chosen], number, self._clock.today(), size=size)

    @asynccontextmanager
    async def export(self, actor: Actor, f: Filter) -> AsyncIterator[FoundExport]:
        """The hazards ``f`` selects in ``actor``'s scope as the 附件2 ledger (``ledger_export.export_hazards``,
        the layout of /export) in a temporary ``.xlsx``, for the ``async with`` block only: its folder is
        deleted when the block is left, also when writing fails midway. No file when no row is on the
        ledger (``FoundExport.path`` ``None``). Raises ``NotBound``."""
        today = self._clock.today()
        folder = Path(tempfile.mkdtemp(prefix="hazardbot-find-"))
        try:
            async with self._uow() as u:
                actor, scope, chosen = await self._conditions(u.session, actor, f)
                grant = actor.grant_for(Role.OFFICE, Role.LEADER, Role.REVIEWER, Role.INSPECTOR, Role.CONTACT)
                found, on_ledger = (await u.session.exec(  # type: ignore[call-overload]
                    select(func.count(), func.count(col(Hazard.ledger_number))).select_from(Hazard)
                    .where(scope, chosen))).one()  # type: ignore[arg-type]
                path: Path | None = None
                rows = 0
                if on_ledger:
                    path = folder / f"find-{today:%Y%m%d}.xlsx"
                    rows = await ex.export_hazards(u.session, ex.ExportFilter(today=today, tz=self._clock.tz,
                                                                              where=(scope, chosen)),
                                                   path, filled_by=grant.unit_name if grant else "")
            yield FoundExport(path, f"安全隐患台账-查询-{today:%Y%m%d}.xlsx", rows, int(found))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def rejected_apart(self, actor: Actor, f: Filter) -> int:
        """How many rejected hazards (已驳回) in ``actor``'s scope ``f`` would select but leaves out
        (``Filter.leaves_out_rejected``, as /status leaves them out); 0 when ``f`` asks for a state or a text.
        Raises ``NotBound``."""
        if not f.leaves_out_rejected:
            return 0
        async with self._uow() as u:
            _actor, scope, asked = await self._conditions(u.session, actor, f.rejected_left_out())
            return int((await u.session.exec(  # type: ignore[call-overload]
                select(func.count()).select_from(Hazard).where(scope, asked))).one()[0])  # type: ignore[arg-type]

    async def unit_reading(self, actor: Actor, f: Filter) -> UnitReading | None:
        """A unit for ``f``'s text when that text, typed as a bare word, selects no hazard in ``actor``'s scope
        (``/find 应急``, ``/find 安监``): the one unit it names as ``/status`` reads it, else up to three units
        that look like it (``suggest_units``, as ``/status`` offers them) when the word reads as a unit's name
        (``unit_lookup.looks_like_unit``); ``None`` when the text finds hazards, ``f`` names a unit already, or
        the word is no unit's (a site or number not found is just not found). Raises ``NotBound``."""
        if f.text is None or f.unit is not None or (await self.page(actor, f, 0, size=1)).total:
            return None
        entry = match_unit(f.text)
        if entry is not None:
            return UnitReading(f.text, replace(f, text=None, unit=entry.code), entry.name, ())
        suggestions = tuple(suggest_units(f.text, limit=3)) if looks_like_unit(f.text) else ()
        return UnitReading(f.text, None, "", suggestions) if suggestions else None
