"""Tip-offs from the public (群众举报, 方案 四(二)): report, follow, verify, merge, forward, block.

Framework-free use cases; each public method is one unit of work. Services never send messages: the
notices a change owes (whom to tell what) are queued in the outbox in the change's unit of work
(``bot.services.notices``).

Privacy rules enforced here, not in the handlers:
- a reporter sees only their own tip-offs (another number reads as "nothing found");
- the reporter's address (their channel's id) and contact are put in a view only for the district office;
- photos are kept only as EXIF-free copies (``strip_metadata``) and never by a channel's media reference;
- merged reporters follow the existing case by status words only, never its content.
"""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import DISTRICT_OFFICE_CODE, DraftStatus, Role
from bot.forms.actions import StoredImage
from bot.forms.checks import Rejected
from bot.forms.prompt import Prompt
from bot.services.actors import Actor, address_of, current_actor
from bot.services.errors import DomainError, NotFound, PermissionDenied
from bot.services.evidence import EvidenceService
from bot.services.forms import FormService, is_public_form
from bot.services.notices import Notice, queue_notices
from bot.services.paging import PAGE_SIZE, Page, clamp_page
from bot.services.places import location_answer, place_of
from bot.services.tipoff_duplicates import find_candidates
from bot.services.tipoff_photos import strip_metadata
from bot.services.tipoff_records import (
    case_members,
    check_may_report,
    copy_photos_to_draft,
    followers,
    last_not_fixed,
    lock_tipoff,
    merged_into_hazard,
    on_hazard_state_changed,
    origin_of,
    record_not_fixed,
    reopened_notice,
    status_notice,
    status_notices,
    township_notices,
    verifier_notice,
)
from bot.services.tipoff_rules import (
    AWAITING_VERIFICATION,
    NOT_CONFIRMED_REASONS,
    OPEN,
    TipOffStatus,
    status_for_hazard,
)
from bot.services.tipoff_views import Candidate, Outcome, QueueItem, Reporter, TipOffCard, TrackView
from bot.settings import Settings
from storage.db import UowFactory
from storage.images import inspect_image
from storage.models import Draft, Hazard, Photo, User
from storage.models_tipoffs import TipOff, TipOffAddition, TipOffBlock, TipOffPhoto
from storage.photo_store import PhotoStore
from storage.registry import find_township, townships
from storage.types import utcnow

__all__ = [
    "Candidate", "Outcome", "QueueItem", "Reporter", "TipOffCard", "TipOffService", "TrackView",
    "on_hazard_state_changed",
]

VERIFY_ROLES = (Role.INSPECTOR, Role.REVIEWER)
#: a tip-off no verifier has opened yet in its township; opening its card marks it verifying
_NEW = (TipOffStatus.RECEIVED, TipOffStatus.FORWARDED)
EXPORT_COLUMNS = ("number", "reported_on", "township", "address", "status", "reason", "hazard", "description")


class ReportRefused(DomainError, code="tipoff_refused"):
    """``reason``: ``blocked`` (the office blocked this sender) or ``daily_limit`` (``limit`` a day)."""


class TipOffClosed(DomainError, code="tipoff_closed"):
    """The tip-off is no longer in a state that allows this (e.g. already verified)."""


class TipOffService:
    """Use cases of tip-offs; see the module docstring for the privacy rules."""

    def __init__(
        self, uow: UowFactory, clock: Clock, settings: Settings, forms: FormService, store: PhotoStore,
        evidence: EvidenceService | None = None,
    ) -> None:
        self._evidence = evidence
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._forms = forms
        self._store = store

    def _today(self) -> date:
        return self._clock.today()

    # ---- the reporter -------------------------------------------------------------------------

    async def start_report(self, actor: Actor, locale: str) -> Prompt:
        """Open the report form (``config/forms/tipoff.toml``) for anyone, bound or not.

        Raises ``ReportRefused`` for a blocked sender or one who reached the daily limit (Asia/Shanghai day).
        """
        async with self._uow() as uow:
            try:
                await check_may_report(uow.session, actor.user_id, self._today(), self._settings.tipoff_daily_limit)
            except Rejected as refused:
                reason = "blocked" if refused.code == "tipoff_blocked" else "daily_limit"
                raise ReportRefused(reason=reason, limit=self._settings.tipoff_daily_limit) from None
        return await self._forms.start(actor, "tipoff", locale, context={"locale": locale})

    async def start_addition(self, actor: Actor, number: str, locale: str) -> Prompt:
        """Open the addition form for the actor's own open tip-off ``number``.

        Raises ``NotFound`` for a number that is not the actor's, ``TipOffClosed`` when it is closed.
        """
        async with self._uow() as uow:
            tipoff = await self._own(uow.session, actor, number)
            if tipoff.status not in OPEN:
                raise TipOffClosed(number=tipoff.number)
            context = {"tipoff_id": tipoff.id, "tipoff_number": tipoff.number, "locale": locale}
        return await self._forms.start(actor, "tipoff_addition", locale, context=context)

    async def is_reporting(self, actor: Actor) -> bool:
        """True while the actor fills in a public form (their photos must be stripped of EXIF)."""
        async with self._uow() as uow:
            form = (
                await uow.session.exec(
                    select(Draft.form).where(Draft.user_id == actor.user_id, Draft.status == DraftStatus.ACTIVE.value)
                    .order_by(col(Draft.id).desc())
                )
            ).first()
            return form is not None and is_public_form(form)

    async def keep_photo(self, data: bytes) -> StoredImage:
        """Check ``data``, re-encode it without metadata and store only that copy.

        Raises the image checks of ``storage.images`` (too big, not an image, truncated, too many pixels).
        """
        clean = await asyncio.to_thread(strip_metadata, data)
        facts = inspect_image(clean)
        sha256, key = await self._store.put(clean)
        return StoredImage(sha256, key, len(clean), facts.mime, facts.width, facts.height)

    async def track(self, actor: Actor, number: str) -> TrackView | None:
        """The actor's own tip-off ``number``; None for an unknown number or another person's."""
        async with self._uow() as uow:
            try:
                tipoff = await self._own(uow.session, actor, number)
            except NotFound:
                return None
            return await self._track_view(uow.session, tipoff)

    async def my_reports(self, actor: Actor, limit: int = 20) -> list[TrackView]:
        """The actor's own tip-offs, newest first."""
        async with self._uow() as uow:
            rows = (
                await uow.session.exec(
                    select(TipOff).where(TipOff.reporter_user_id == actor.user_id)
                    .order_by(col(TipOff.id).desc()).limit(limit)
                )
            ).all()
            return [await self._track_view(uow.session, t) for t in rows]

    async def not_fixed(self, actor: Actor, number: str) -> TrackView:
        """The reporter says the hazard of their fixed tip-off is not fixed: it goes back to the verifier
        (status verifying; the township's inspectors and the verifier are told). A tip-off merged into another,
        or into a hazard, reopens the tip-off of the case (``_root``: the one merged into, or the one the hazard
        came from, else the first merged into that hazard; every reporter of the case reads it reopened), so that
        the complaint reaches a verifier's queue and a second one, after it is fixed again, is told again; pressed
        once it was reopened so (by the reporter of another tip-off of the case), it answers where it stands and
        tells nobody again. Raises ``NotFound`` (not the actor's), ``TipOffClosed`` unless its status is fixed."""
        async with self._uow() as uow:
            tipoff = await self._own(uow.session, actor, number)
            root = await self._root(uow.session, tipoff)
            # pressed twice, or by the reporters of two merged tip-offs at once: reopened once
            root = await self._get(uow.session, root.id or 0, for_update=True)
            status, _merged = await self._effective(uow.session, tipoff)
            if status == TipOffStatus.VERIFYING and root.reason == "reporter_not_fixed":
                return await self._track_view(uow.session, tipoff)  # another reporter of the case said it first
            if status != TipOffStatus.FIXED:
                raise TipOffClosed(number=tipoff.number)
            via = tipoff.number if tipoff.id != root.id else None  # the inspectors hear whose reporter spoke
            notices = await township_notices(uow.session, root, "tipoff_not_fixed", via=via)
            if root.verified_by is not None and all(n.user_id != root.verified_by for n in notices):
                notices.append(verifier_notice(root, "tipoff_not_fixed", root.verified_by, via=via))
            # the case's other reporters read it reopened on /track: told once, why (never by whom)
            notices += [reopened_notice(t) for t in await case_members(uow.session, root)
                        if t.reporter_user_id != tipoff.reporter_user_id]
            record_not_fixed(uow.session, tipoff, self._clock())
            root.status = TipOffStatus.VERIFYING.value
            root.reason = "reporter_not_fixed"
            root.updated_at = utcnow()
            uow.session.add(root)
            await self._tell(uow.session, root, notices)
            view = await self._track_view(uow.session, tipoff)
            await uow.commit()
            return view

    # ---- the township's verifiers -------------------------------------------------------------

    async def queue(self, actor: Actor, limit: int = 30) -> list[QueueItem]:
        """Tip-offs awaiting verification in the actor's townships (all, for the office), oldest first.

        Raises ``PermissionDenied`` for anyone without a township verifier role or the office role.
        """
        codes = self._township_scope(actor)
        async with self._uow() as uow:
            query = select(TipOff).where(col(TipOff.status).in_([s.value for s in AWAITING_VERIFICATION]))
            if codes is not None:
                query = query.where(col(TipOff.township_code).in_(codes))
            rows = (await uow.session.exec(query.order_by(col(TipOff.id)).limit(limit))).all()
            return [QueueItem(t.id or 0, t.number, t.status, t.township, t.description[:40]) for t in rows]

    async def queue_page(self, actor: Actor, page: int = 0) -> Page[QueueItem]:
        """Page ``page`` (0-based, clamped: ``paging.clamp_page``) of the tip-offs awaiting verification in the
        actor's townships (all, for the office), with the total. A tip-off has no deadline or level, so the
        most urgent is the one waiting longest: oldest first (``created_at``, then ``id``). Counted and cut in
        SQL. Raises ``PermissionDenied`` for anyone without a township verifier role or the office role."""
        codes = self._township_scope(actor)
        where = [col(TipOff.status).in_([s.value for s in AWAITING_VERIFICATION])]
        if codes is not None:
            where.append(col(TipOff.township_code).in_(codes))
        async with self._uow() as uow:
            total = (await uow.session.exec(select(func.count()).select_from(TipOff).where(*where))).one()
            number, offset = clamp_page(page, total)
            rows = (await uow.session.exec(
                select(TipOff).where(*where).order_by(col(TipOff.created_at), col(TipOff.id))
                .offset(offset).limit(PAGE_SIZE)
            )).all()
            items = [QueueItem(t.id or 0, t.number, t.status, t.township, t.description[:40]) for t in rows]
            return Page(items, total, number)

    async def open_card(self, actor: Actor, tipoff_id: int) -> TipOffCard:
        """The tip-off for its verifier, with duplicate candidates; a new one opened by a verifier of its own
        township is marked verifying (and its reporter told); the office or an admin only looking changes
        nothing. Raises ``NotFound`` outside the actor's scope."""
        async with self._uow() as uow:
            tipoff = await self._in_scope(uow.session, actor, tipoff_id)
            verifier = await self._verifies(uow.session, actor, tipoff.township_code)
            if verifier and tipoff.status in _NEW:  # read again, locked: of two verifiers opening it, one marks it
                tipoff = await self._get(uow.session, tipoff_id, for_update=True)
            if verifier and tipoff.status in _NEW:
                tipoff.status = TipOffStatus.VERIFYING.value
                tipoff.updated_at = utcnow()
                uow.session.add(tipoff)
                await self._tell(uow.session, tipoff, await status_notices(uow.session, tipoff))
            card = await self._card(uow.session, actor, tipoff)
            await uow.commit()
            return card

    async def confirm(self, actor: Actor, tipoff_id: int, locale: str) -> Prompt:
        """查实: start the hazard form pre-filled from the tip-off (source 举报, township, address, pin,
        description, the EXIF-free photos); submitting it links the hazard and tells the reporter.
        Raises ``NotFound`` outside scope, ``TipOffClosed`` once verified."""
        async with self._uow() as uow:
            tipoff = await self._in_scope(uow.session, actor, tipoff_id)
            if tipoff.status not in AWAITING_VERIFICATION:
                raise TipOffClosed(number=tipoff.number)
            tipoff_id, number = tipoff.id or 0, tipoff.number
            prefill: dict[str, Any] = {
                "source": "举报",
                "description": tipoff.description,
                # an address left empty is asked for (the pin alone does not make a ledger address)
                "address": location_answer(tipoff),
            }
            if find_township(tipoff.township_code) is not None:  # not one left to the office (不清楚): asked
                prefill["township"] = tipoff.township

        async def adopt_photos(session: AsyncSession, draft: Draft) -> None:
            photos = await copy_photos_to_draft(session, tipoff_id, draft, actor.user_id)
            if not photos:
                return
            draft.data = {**draft.data, "photos": [p.id for p in photos]}
            if self._evidence is not None:  # unmarked until the hazard is submitted (form_submitters.stamp)
                for photo in photos:
                    await self._evidence.record(session, photo)

        return await self._forms.start(
            actor, "hazard", locale, prefill=prefill,
            context={"tipoff_id": tipoff_id, "tipoff_number": number}, on_created=adopt_photos,
        )

    async def may_reject(self, actor: Actor, tipoff_id: int) -> None:
        """Whether 不属实 may be asked to confirm now; changes nothing. Raises ``NotFound`` outside the actor's
        scope, ``TipOffClosed`` once verified."""
        async with self._uow() as uow:
            await self._awaiting(uow.session, actor, tipoff_id)

    async def reject(self, actor: Actor, tipoff_id: int, reason_index: int) -> Outcome:
        """不属实: close the tip-off with preset reason ``NOT_CONFIRMED_REASONS[reason_index]``."""
        if not 0 <= reason_index < len(NOT_CONFIRMED_REASONS):
            raise NotFound(reason=reason_index)
        async with self._uow() as uow:
            tipoff = await self._awaiting(uow.session, actor, tipoff_id)
            tipoff.status = TipOffStatus.NOT_CONFIRMED.value
            tipoff.reason = NOT_CONFIRMED_REASONS[reason_index]
            tipoff.verified_by = actor.user_id
            tipoff.updated_at = utcnow()
            uow.session.add(tipoff)
            await self._tell(uow.session, tipoff, await status_notices(uow.session, tipoff))
            await uow.commit()
            return Outcome(tipoff.number, tipoff.status)

    async def forward(self, actor: Actor, tipoff_id: int, township_index: int) -> Outcome:
        """Wrong township: hand the tip-off to township ``townships()[township_index]`` (its queue and
        inspectors are told; the reporter learns it was forwarded)."""
        units = townships()
        if not 0 <= township_index < len(units):
            raise NotFound(township=township_index)
        unit = units[township_index]
        async with self._uow() as uow:
            tipoff = await self._awaiting(uow.session, actor, tipoff_id)
            if unit.code == tipoff.township_code:
                raise TipOffClosed(number=tipoff.number)
            tipoff.township_code, tipoff.township = unit.code, unit.name
            tipoff.status = TipOffStatus.FORWARDED.value
            tipoff.updated_at = utcnow()
            uow.session.add(tipoff)
            notices = await status_notices(uow.session, tipoff, township=unit.name)
            notices += await township_notices(uow.session, tipoff, "tipoff_new")
            await self._tell(uow.session, tipoff, notices)
            await uow.commit()
            return Outcome(tipoff.number, tipoff.status, unit.name)

    async def merge(self, actor: Actor, tipoff_id: int, kind: str, target_id: int) -> Outcome:
        """Merge the tip-off into duplicate candidate ``target_id`` (``kind`` ``t`` tip-off, ``h`` hazard).

        Its reporter (and anyone following it) is told it is already known and follows the existing
        case from now on. Raises ``NotFound`` unless the target is among the current candidates.
        """
        async with self._uow() as uow:
            tipoff = await self._awaiting(uow.session, actor, tipoff_id)
            candidates = await self._candidates(uow.session, tipoff)
            if not any(c.kind == kind and c.id == target_id for c in candidates):
                raise NotFound(target=target_id)
            following = await followers(uow.session, tipoff)  # read while it still is what they follow
            tipoff.status = TipOffStatus.MERGED.value
            tipoff.verified_by = actor.user_id
            tipoff.updated_at = utcnow()
            if kind == "t":
                target = await self._root(uow.session, await self._get(uow.session, target_id))
                tipoff.merged_into_id = target.id
                follows, _m = await self._effective(uow.session, target)
            else:
                hazard = await uow.session.get(Hazard, target_id)
                assert hazard is not None
                tipoff.hazard_id = hazard.id
                follows, _m = await self._effective(uow.session, tipoff)  # the hazard's origin speaks for it
            uow.session.add(tipoff)
            notices = [status_notice(tipoff, TipOffStatus.MERGED.value, follows=str(follows))]
            for other in following:
                other.merged_into_id = tipoff.merged_into_id
                other.hazard_id = tipoff.hazard_id if kind == "h" else other.hazard_id
                uow.session.add(other)
                notices.append(status_notice(other, TipOffStatus.MERGED.value, follows=str(follows)))
            await self._tell(uow.session, tipoff, notices)
            await uow.commit()
            return Outcome(tipoff.number, tipoff.status)

    async def photo_bytes(self, storage_key: str) -> bytes | None:
        """The stored (EXIF-free) bytes of a tip-off photo; None when they are no longer in the store (removed by
        hand, a store restored from an older backup) or its key is not one the store makes."""
        try:
            return await self._store.get(storage_key)
        except (OSError, ValueError):
            return None

    # ---- the district office ------------------------------------------------------------------

    async def block_sender(self, actor: Actor, number: str, *, block: bool = True) -> str:
        """Block (or unblock) the sender of tip-off ``number`` from reporting. Office only; the sender's
        identity is not revealed by this. Returns the number. Raises ``PermissionDenied``, ``NotFound``."""
        if not actor.has(Role.OFFICE):
            raise PermissionDenied()
        async with self._uow() as uow:
            tipoff = (await uow.session.exec(select(TipOff).where(TipOff.number == number.strip().upper()))).first()
            if tipoff is None:
                raise NotFound(number=number)
            existing = await uow.session.get(TipOffBlock, tipoff.reporter_user_id)
            if block and existing is None:
                uow.session.add(TipOffBlock(user_id=tipoff.reporter_user_id, blocked_by=actor.user_id, tipoff_id=tipoff.id))
            elif not block and existing is not None:
                await uow.session.delete(existing)
            await uow.commit()
            return tipoff.number

    async def export_rows(self, actor: Actor | None) -> list[dict[str, Any]]:
        """Every tip-off in the actor's scope (``None``: the server's operator, all) as export rows: no
        reporter identity or contact, ever (the office included: exports travel). Keys: ``EXPORT_COLUMNS``."""
        codes = None if actor is None else self._township_scope(actor)
        async with self._uow() as uow:
            query = select(TipOff, Hazard).join(Hazard, col(Hazard.id) == TipOff.hazard_id, isouter=True)
            if codes is not None:
                query = query.where(col(TipOff.township_code).in_(codes))
            rows = (await uow.session.exec(query.order_by(col(TipOff.id)))).all()
            tz = self._settings.tz
            return [
                {
                    "number": t.number,
                    "reported_on": t.created_at.astimezone(tz).date().isoformat(),
                    "township": t.township,
                    "address": t.address,
                    "status": t.status,
                    "reason": t.reason or "",
                    "hazard": (h.ledger_number or h.draft_number) if h else "",
                    "description": t.description,
                }
                for t, h in rows
            ]

    # ---- the hazard life cycle ----------------------------------------------------------------

    async def mirror_hazard(self, hazard_id: int) -> int:
        """Mirror the current state of hazard ``hazard_id`` on its tip-offs in a unit of work of its
        own (for callers that changed the hazard elsewhere; see ``on_hazard_state_changed``) and queue the
        notices that owes; returns how many were queued."""
        async with self._uow() as uow:
            hazard = await uow.session.get(Hazard, hazard_id)
            if hazard is None:
                raise NotFound(hazard=hazard_id)
            notices = await on_hazard_state_changed(uow.session, hazard_id, hazard.state)
            queued = await queue_notices(uow.session, f"hazard:{hazard_id}:{hazard.state}:{hazard.version}",
                                         notices, self._clock())
            await uow.commit()
            return queued

    # ---- helpers ------------------------------------------------------------------------------

    async def _tell(self, session: AsyncSession, tipoff: TipOff, notices: list[Notice]) -> None:
        """Queue ``notices`` of the change just made to ``tipoff`` (its ``updated_at`` names the change) in the
        same unit of work."""
        stamp = int(tipoff.updated_at.timestamp() * 1_000_000)
        await queue_notices(session, f"tipoff:{tipoff.id}@{stamp}", notices, self._clock())

    def _township_scope(self, actor: Actor) -> list[str] | None:
        """Township codes the actor verifies; None = every township (the office, admins)."""
        if actor.has(Role.OFFICE) or actor.is_admin:
            return None
        codes = [g.unit_code for g in actor.grants if g.role in VERIFY_ROLES and g.unit_is_township]
        if not codes:
            raise PermissionDenied()
        return codes

    async def _verifies(self, session: AsyncSession, actor: Actor, township_code: str) -> bool:
        """Whether ``actor`` (roles as they are now) is an inspector or reviewer of township ``township_code``."""
        now = await current_actor(session, actor)
        return any(g.role in VERIFY_ROLES and g.unit_is_township and g.unit_code == township_code for g in now.grants)

    async def _get(self, session: AsyncSession, tipoff_id: int, *, for_update: bool = False) -> TipOff:
        """Tip-off ``tipoff_id``; ``for_update``: locked on both databases (``lock_tipoff``). Raises ``NotFound``."""
        if for_update:
            tipoff = await lock_tipoff(session, tipoff_id)
        else:
            tipoff = (await session.exec(select(TipOff).where(TipOff.id == tipoff_id))).first()
        if tipoff is None:
            raise NotFound(tipoff=tipoff_id)
        return tipoff

    async def _own(self, session: AsyncSession, actor: Actor, number: str) -> TipOff:
        wanted = "".join(unicodedata.normalize("NFKC", number).split()).upper()  # ＪＢ２０… and "JB 20…" too
        if wanted.isdigit():  # the digits of a tracking number typed without its JB (``tipoff_number``)
            wanted = "JB" + wanted
        tipoff = (await session.exec(select(TipOff).where(TipOff.number == wanted))).first()
        if tipoff is None or tipoff.reporter_user_id != actor.user_id:
            raise NotFound(number=number)
        return tipoff

    async def _in_scope(self, session: AsyncSession, actor: Actor, tipoff_id: int, *, for_update: bool = False) -> TipOff:
        codes = self._township_scope(await current_actor(session, actor))  # the verifier's roles as they are now
        tipoff = await self._get(session, tipoff_id, for_update=for_update)
        if codes is not None and tipoff.township_code not in codes:
            raise NotFound(tipoff=tipoff_id)
        return tipoff

    async def _awaiting(self, session: AsyncSession, actor: Actor, tipoff_id: int) -> TipOff:
        tipoff = await self._in_scope(session, actor, tipoff_id, for_update=True)
        if tipoff.status not in AWAITING_VERIFICATION:
            raise TipOffClosed(number=tipoff.number)
        return tipoff

    async def _root(self, session: AsyncSession, tipoff: TipOff) -> TipOff:
        """The tip-off that stands for ``tipoff``'s case: the one it was merged into (followed to the end); for
        one merged into a hazard, the tip-off that hazard came from (``origin_of``), else the first merged into
        it (``tipoff`` itself when alone). Its status is what every reporter of the case reads and what 仍未整改
        reopens, so one hazard gives one answer and one complaint, whichever of its reporters presses."""
        seen = set()
        while tipoff.merged_into_id is not None and tipoff.id not in seen:
            seen.add(tipoff.id)
            tipoff = await self._get(session, tipoff.merged_into_id)
        if tipoff.status != TipOffStatus.MERGED or tipoff.hazard_id is None or tipoff.merged_into_id is not None:
            return tipoff
        case = await origin_of(session, tipoff.hazard_id)
        if case is None:
            case = (await merged_into_hazard(session, tipoff.hazard_id) or [tipoff])[0]
        return case

    async def _effective(self, session: AsyncSession, tipoff: TipOff) -> tuple[str, bool]:
        """(status the reporter should read, whether it is followed through a merge)."""
        if tipoff.status != TipOffStatus.MERGED:
            return tipoff.status, False
        root = await self._root(session, tipoff)
        if root.status != TipOffStatus.MERGED:
            return root.status, True
        tipoff = root
        if tipoff.hazard_id is not None:
            hazard = await session.get(Hazard, tipoff.hazard_id)
            if hazard is not None:
                return (status_for_hazard(hazard.state) or TipOffStatus.REGISTERED).value, True
        return TipOffStatus.REGISTERED.value, True

    async def _track_view(self, session: AsyncSession, tipoff: TipOff) -> TrackView:
        status, merged = await self._effective(session, tipoff)
        reopened_by_other = False
        if status == TipOffStatus.VERIFYING:  # why a case it read fixed is verified again, when not its 仍未整改
            root = await self._root(session, tipoff)
            if root.reason == "reporter_not_fixed":
                said = await last_not_fixed(session, await case_members(session, root))
                reopened_by_other = said is not None and said[0] != tipoff.number
        return TrackView(
            number=tipoff.number,
            status=status,
            merged=merged,
            reason=tipoff.reason if status == TipOffStatus.NOT_CONFIRMED and not merged else None,
            township=tipoff.township,
            reported_on=tipoff.created_at.astimezone(self._settings.tz).date(),
            can_add=tipoff.status in OPEN,
            can_say_not_fixed=status == TipOffStatus.FIXED,
            reopened_by_other=reopened_by_other,
        )

    async def _candidates(self, session: AsyncSession, tipoff: TipOff) -> list[Candidate]:
        since = self._clock() - timedelta(days=self._settings.tipoff_duplicate_days)
        return await find_candidates(session, tipoff, radius_m=self._settings.tipoff_duplicate_radius_m, since=since)

    async def _card(self, session: AsyncSession, actor: Actor, tipoff: TipOff) -> TipOffCard:
        photos = (
            await session.exec(
                select(Photo.storage_key).join(TipOffPhoto, col(TipOffPhoto.photo_id) == Photo.id)
                .where(TipOffPhoto.tipoff_id == tipoff.id).order_by(col(Photo.id))
            )
        ).all()
        additions = (
            await session.exec(
                select(TipOffAddition.text).where(TipOffAddition.tipoff_id == tipoff.id, col(TipOffAddition.text).is_not(None))
                .order_by(col(TipOffAddition.id))
            )
        ).all()
        hazard = await session.get(Hazard, tipoff.hazard_id) if tipoff.hazard_id else None
        reporter = None
        if actor.has(Role.OFFICE):
            user = await session.get(User, tipoff.reporter_user_id)
            if user is not None:
                reporter = Reporter(address_of(user), user.record_name, tipoff.contact)
        awaiting = tipoff.status in AWAITING_VERIFICATION
        not_fixed = None
        if awaiting and tipoff.reason == "reporter_not_fixed":  # reopened by a reporter's 仍未整改: whose, when
            not_fixed = await last_not_fixed(session, await case_members(session, tipoff))
        return TipOffCard(
            id=tipoff.id or 0,
            number=tipoff.number,
            status=tipoff.status,
            township=tipoff.township,
            **place_of(tipoff),
            description=tipoff.description,
            reported_at=tipoff.created_at,
            photo_keys=tuple(photos),
            additions=tuple(a for a in additions if a),
            candidates=tuple(await self._candidates(session, tipoff)) if awaiting else (),
            hazard_number=(hazard.ledger_number or hazard.draft_number) if hazard else None,
            can_verify=awaiting,
            reporter=reporter,
            not_fixed=not_fixed,
            unassigned=tipoff.township_code == DISTRICT_OFFICE_CODE,
        )
