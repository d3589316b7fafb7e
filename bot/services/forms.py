"""Filling in a form by conversation, one answer at a time, with the draft in the database.

Every call is one transaction on the user's active draft (row-locked on PostgreSQL and serialised
per user in this process, so the photos of an album arriving at once are all kept). A restart loses
nothing: the next update picks the draft up where it was.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, update
from sqlalchemy import select as core_select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, manager_of_class, set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.campaign import Campaign
from bot.clock import Clock
from bot.domain import DraftStatus, PhotoStage, Role, role_fits_unit
from bot.forms.actions import (
    DocumentAnswer,
    EditAnswer,
    FormAction,
    LocationAnswer,
    Nav,
    NavAnswer,
    PhotoAnswer,
    PickAnswer,
    PinMoved,
    RemovePhoto,
    TextAnswer,
    UnsupportedAnswer,
)
from bot.forms.checks import (
    Rejected,
    parse_date_answer,
    parse_decimal,
    parse_integer,
    parse_phone,
    parse_text,
)
from bot.forms.engine import FormState, FormWalk
from bot.forms.options import REGISTRY_SOURCES, Resolved, match_typed_choice, registry_units, resolve_options
from bot.forms.prompt import Option, Prompt, ReviewLine
from bot.forms.spec import FieldSpec, FormSpec, hazard_types, load_form
from bot.forms.values import display, evidence
from bot.keyed_locks import KeyedLocks
from bot.services.actors import Actor, current_actor
from bot.services.date_bounds import earliest_day
from bot.services.errors import DomainError, NotFound, PermissionDenied, RoleRevoked, StaleAction
from bot.services.evidence import EvidencePhoto, EvidenceService
from bot.services.form_photos import PhotoList, list_photos, photos_version, remove_photo
from bot.services.form_places import check_pin, check_typed_place, offer_guess, pin_moves, recheck_guesses
from bot.services.form_submitters import MENDABLE, SUBMITTERS
from bot.services.media_refs import photo_row
from bot.services.notices import queue_notices
from bot.services.places import location_answer
from bot.services.submission import Submission, SubmitDeps
from bot.settings import Settings
from storage.db import UowFactory
from storage.driver_sql import DriverStatement, execute_in_transaction, transaction_connection
from storage.models import Draft, Inspection, Membership, Unit
from storage.registry import find_township, match_unit, suggest_units
from storage.types import utcnow
from storage.upload_kinds import ACCEPTED, kind_changed, named_outside_kinds

if TYPE_CHECKING:
    from bot.services.lifecycle_service import LifecycleService
    from bot.services.verification import VerificationService

#: every form that can be opened: those with a submitter (``bot.services.form_submitters.register``)
FORMS = SUBMITTERS
#: what someone whose role was taken away may still do with the form opened in the unit's name: end it
_WITHOUT_ROLE = (Nav.CANCEL, Nav.DISCARD, Nav.STAY, Nav.SWITCH, Nav.SWITCH_DISCARD)
# an album's photos arrive within seconds of each other; one sent as Done was pressed may still come late
LATE_ALBUM_WINDOW = timedelta(minutes=10)
_PHOTO_STAGES = {"hazard": PhotoStage.DISCOVERY, "tipoff": PhotoStage.TIPOFF, "tipoff_addition": PhotoStage.TIPOFF}

#: ``FormService._active_held``'s statement, built once: building it and its cache key was a tenth of a step's CPU.
#: Core columns, not the ORM entity: loading one row through the ORM cost about 0.2 ms of a form step's 2.3 ms
#: on PostgreSQL (issue 19 item 4, ``benchmarks/RESULTS-perf.md``); ``_attached`` makes the row an entity again.
_DRAFT_TABLE = Draft.__table__  # type: ignore[attr-defined]
_DRAFT_COLUMNS = tuple(c.name for c in _DRAFT_TABLE.c)
assert _DRAFT_COLUMNS[0] == "id"  # ``_active_held`` and ``_attached`` read a row's draft id first
_DRAFT_MANAGER = manager_of_class(Draft)
_MEMBERSHIP = Membership.__table__  # type: ignore[attr-defined]
_UNIT = Unit.__table__  # type: ignore[attr-defined]
_ACTIVE_HELD = (
    core_select(*_DRAFT_TABLE.c, _MEMBERSHIP.c.role, _MEMBERSHIP.c.unit_id, _UNIT.c.code)
    .select_from(_DRAFT_TABLE)
    .outerjoin(_MEMBERSHIP, _MEMBERSHIP.c.user_id == _DRAFT_TABLE.c.user_id)
    .outerjoin(_UNIT, _UNIT.c.id == _MEMBERSHIP.c.unit_id)
    .where(_DRAFT_TABLE.c.user_id == bindparam("user_id"), _DRAFT_TABLE.c.status == DraftStatus.ACTIVE.value)
    .order_by(_DRAFT_TABLE.c.id.desc())
    .with_for_update(of=_DRAFT_TABLE)
)

#: runs inside ``start``'s transaction once the new draft has an id (e.g. copying photos into it)
OnCreated = Callable[[AsyncSession, Draft], Awaitable[None]]


def is_public_form(form_key: str) -> bool:
    """True for forms anyone may fill in, bound or not (``roles = ["public"]``: the public's tip-offs)."""
    return Role.PUBLIC.value in load_form(form_key).roles


class _Turn(NamedTuple):
    """One answer being applied to an open draft, inside the locked unit of work of ``FormService._act``:
    ``today`` is the configured zone's date, ``locale`` the one the prompts are rendered in."""

    session: AsyncSession
    actor: Actor
    draft: Draft
    walk: FormWalk
    state: FormState
    today: date
    locale: str


class FormService:
    """Start, answer, navigate, review and submit every form: the inspection (附件1) and hazard (附件2)
    records, the plan (附件3), tip-offs, and the life-cycle steps that need more than a press (``lifecycle`` and
    ``verification``: the services those submissions call, in the form's unit of work)."""

    def __init__(
        self, uow: UowFactory, clock: Clock, settings: Settings, evidence: EvidenceService | None = None, *,
        campaign: Campaign, lifecycle: LifecycleService | None = None, verification: VerificationService | None = None,
    ) -> None:
        self._campaign = campaign
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._evidence = evidence
        self._deps = SubmitDeps(settings, campaign, evidence, lifecycle, verification)
        self._lock = KeyedLocks()  # one step of a person's form at a time

    def _today(self) -> date:
        return self._clock.today()

    async def start(
        self,
        actor: Actor,
        form_key: str,
        locale: str,
        *,
        from_inspection: int | None = None,
        prefill: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        on_created: OnCreated | None = None,
        answered: tuple[str, ...] = (),
    ) -> Prompt:
        """Open ``form_key`` for ``actor`` (or show the form already open, with notice ``resumed``).

        ``from_inspection``: the hazard form starts with the site of that inspection and links to it.
        ``prefill``: answers to start with (over the form's defaults), offered back with "keep";
        ``context``: facts the submission needs (e.g. ``tipoff_id``: the hazard verifies that tip-off;
        ``hazard_id`` / ``verification_id``: the record a life-cycle form is about, whose current values the
        form's registered prefill reads, under ``prefill``);
        ``on_created``: called in the same transaction with the new draft (not for a resumed one);
        ``answered``: fields of ``prefill`` already answered (questions carried over): the form starts after them.
        Another form open (``_aim``: another form, or the same about another record) is not resumed: the prompt
        ``other_open`` names both, nothing changed (see ``Prompt``).
        Raises ``PermissionDenied`` when the actor holds no recording role (public forms need none),
        ``NotFound`` for an inspection outside the actor's unit or a life-cycle form's missing record.
        """
        if form_key not in FORMS:
            raise NotFound(form=form_key)
        roles = load_form(form_key).roles
        recording = [Role(r) for r in roles if r != Role.PUBLIC.value]
        if actor.grant_for(*recording) is None and Role.PUBLIC.value not in roles:
            raise PermissionDenied()
        given = dict(prefill or {})
        async with self._lock(actor.user_id), self._uow() as uow:
            active = await self._active(uow.session, actor.user_id)
            if active is not None:
                prompt = await self._prompt(uow.session, active, locale)
                asked_context = {**(context or {}), **({"inspection_id": from_inspection} if from_inspection else {})}
                if _aim(active.form, active.context) != _aim(form_key, asked_context):
                    return _with(prompt, kind="other_open", subject=_about(active.data, active.context),
                                 asked=load_form(form_key).title(locale),
                                 asked_subject=_about(given, asked_context))
                return _with(prompt, notice="resumed", notice_params={"form": prompt.form_title})
            grant = (await current_actor(uow.session, actor)).grant_for(*recording)  # the role held now
            if grant is None and Role.PUBLIC.value not in roles:
                raise PermissionDenied()
            spec = load_form(form_key)
            if grant is not None and not is_public_form(form_key):
                prefill = {**self._defaults(spec, grant.unit_name, grant.unit_is_township), **(prefill or {})}
                context = {"unit_id": grant.unit_id, **(context or {})}
            else:
                prefill = {**self._defaults(spec, "", False), **(prefill or {})}
                context = dict(context or {})
            hook = SUBMITTERS[form_key].prefill
            if hook is not None:  # the record's current values, under what the caller gave
                prefill = {**prefill, **await hook(uow.session, context), **given}
            if from_inspection is not None:
                inspection = await uow.session.get(Inspection, from_inspection)
                if inspection is None or grant is None or inspection.unit_id != grant.unit_id:
                    raise NotFound(inspection=from_inspection)
                prefill.update(
                    township=inspection.township,
                    site_name=inspection.site_name,
                    address=location_answer(inspection),
                )
                context["inspection_id"] = inspection.id
                context["inspection_number"] = inspection.number
            walk = FormWalk(spec)
            state = walk.start(copy.deepcopy(prefill))  # the draft keeps what it is given: none of the caller's objects
            while state.step is not None and state.step in answered:
                walk.accept(state, state.data.get(state.step))
            state.context = copy.deepcopy(context)
            draft = Draft(user_id=actor.user_id, form=form_key)
            _save(draft, state)
            uow.session.add(draft)
            await uow.session.flush()
            if on_created is not None:
                await on_created(uow.session, draft)
                uow.session.add(draft)
                await uow.session.flush()
            prompt = await self._prompt(uow.session, draft, locale)
            await uow.commit()
            return prompt

    async def current(self, actor: Actor, locale: str) -> Prompt:
        """The question (or review card) of the open form; ``kind='none'`` when there is none."""
        async with self._uow() as uow:
            draft = await self._active(uow.session, actor.user_id)
            if draft is None:
                return Prompt("none", public=not actor.is_bound)
            return await self._prompt(uow.session, draft, locale)

    async def takes_document(self, actor: Actor, locale: str) -> bool:
        """Whether the question ``actor``'s open form asks now takes a document (a photos field with
        ``documents``: a rectification's 验收材料), so that a file sent now is that answer, whatever its kind."""
        asked = await self.current(actor, locale)
        return asked.field is not None and asked.field.documents

    async def draft_evidence(self, actor: Actor, draft_id: int) -> list[EvidencePhoto]:
        """The evidence copies of the photos in ``actor``'s open form ``draft_id``, oldest first.

        Raises ``StaleAction`` when ``draft_id`` is not the actor's open form (an old or forged button).
        """
        async with self._uow() as uow:
            draft = await self._active(uow.session, actor.user_id)
        if draft is None or draft.id != draft_id or self._evidence is None:
            raise StaleAction()
        return await self._evidence.copies(draft_id=draft_id)

    async def photo_list(self, actor: Actor, draft_id: int, step: int, locale: str) -> PhotoList:
        """The photos of the photos question ``step`` of ``actor``'s open form ``draft_id``, to pick one to remove
        (``RemovePhoto``), with the evidence copies of those that have one (oldest first).

        Raises ``StaleAction`` when ``draft_id`` is not the actor's open form or that question is not the one
        asked now (an old or forged button), ``RoleRevoked`` as ``act`` does. Nothing is changed."""
        async with self._uow() as uow:
            draft, held = await self._active_held(uow.session, actor.user_id)
            if draft is None or draft.id != draft_id:
                raise StaleAction()
            await self._check_role(uow.session, draft, held)
            walk = FormWalk(load_form(draft.form))
            state = _view(draft)
            spec = self._limits(walk.current(state))  # its hint states the limits in force
            if spec is None or spec.type != "photos" or _position(walk, spec, state) != step:
                raise StaleAction()
            ids = [int(i) for i in state.data.get(spec.key) or []]
            listed = await list_photos(uow.session, draft, ids, self._clock.tz)
        copies = await self._evidence.copies(draft_id=draft_id) if self._evidence is not None else []
        return PhotoList(draft_id, step, spec.label(locale), photos_version(ids), listed,
                         tuple(c for c in copies if c.photo_id in ids))

    async def act(self, actor: Actor, action: FormAction, locale: str) -> Prompt:
        """Apply one user action to the open form and say what comes next.

        A wrong answer returns the same question with ``error`` set; nothing stored is lost.
        Raises ``StaleAction`` for a button of another draft, ``RoleRevoked`` when the actor no longer holds a
        role of the form at the unit it was opened for (only cancelling it is still done; the draft is kept);
        returns ``kind='none'`` without a draft. A photo offered without its image (``PhotoAnswer.image``
        ``None``) gets ``photo_wanted`` when the question asked now (or the photos question of its album)
        takes it, else the answer it would get — before any byte of it is downloaded.
        A submission refused by its submitter raises that ``DomainError`` with nothing of it kept; the form
        stays on its review card when an answer can mend it (``form_submitters.MENDABLE``) or another change
        of the hazard only overtook it (``_lost_race``: submitting again may do it), else a life-cycle form is
        cancelled (the step can no longer be done: someone else did it, the hazard moved on).
        """
        try:
            return await self._act(actor, action, locale)
        except _Refused as refused:
            if refused.ends_form:
                await self._end(actor, refused.draft_id)
            raise refused.error from None

    async def _end(self, actor: Actor, draft_id: int) -> None:
        """Cancel ``actor``'s open draft ``draft_id`` (a life-cycle step that was refused for good)."""
        async with self._lock(actor.user_id), self._uow() as uow:
            draft = await self._active(uow.session, actor.user_id, for_update=True)
            if draft is None or draft.id != draft_id:
                return
            draft.status = DraftStatus.CANCELLED.value
            draft.updated_at = utcnow()
            uow.session.add(draft)
            await uow.commit()

    async def _act(self, actor: Actor, action: FormAction, locale: str) -> Prompt:
        async with self._lock(actor.user_id), self._uow() as uow:
            draft, held = await self._active_held(uow.session, actor.user_id)
            if draft is None:
                if isinstance(action, PhotoAnswer | DocumentAnswer) and action.media_group_id:
                    return await self._after_close(uow, actor, action.media_group_id)
                return Prompt("none", public=not actor.is_bound)
            draft_id = getattr(action, "draft_id", draft.id)
            if draft_id != draft.id:
                raise StaleAction()
            if not (isinstance(action, NavAnswer) and action.op in _WITHOUT_ROLE):
                await self._check_role(uow.session, draft, held)
            spec = load_form(draft.form)
            walk = FormWalk(spec)
            state = _state(draft)
            error: Rejected | None = None
            notice: tuple[str, dict[str, Any]] | None = None
            try:
                turn = _Turn(uow.session, actor, draft, walk, state, self._today(), locale)
                outcome = await self._apply(turn, action)
            except Rejected as rejected:
                error, outcome = rejected, None
                state = _state(draft)  # a rejected answer changes nothing
                group = action.media_group_id if isinstance(action, PhotoAnswer | DocumentAnswer) else None
                if group:  # said once per album: each of its photos is a separate update
                    refused = list(state.context.get("refused_albums") or [])
                    if group in refused:
                        return Prompt("quiet", draft_id=draft.id or 0)
                    state.context["refused_albums"] = (refused + [group])[-10:]
            if isinstance(outcome, Prompt):
                await uow.commit()
                return outcome
            if isinstance(outcome, tuple):
                notice = outcome
            await _store(uow.session, draft, state)
            prompt = await self._prompt(uow.session, draft, locale)
            await uow.commit()
        if error is not None:
            prompt = _with(prompt, error=error.code, error_params=error.params)
        if notice is not None:
            if notice[0] == "quiet":
                return Prompt("quiet", draft_id=prompt.draft_id)
            prompt = _with(prompt, notice=notice[0], notice_params=notice[1])
        return prompt

    async def _check_role(self, session: AsyncSession, draft: Draft, held: list[tuple[str, int, str]]) -> None:
        """Raises ``RoleRevoked`` unless the roles ``held`` now (``_active_held``: read in this transaction, as
        ``current_actor`` reads them) include one of the form's roles at the unit the form was opened for (a form
        of the public needs none). Nothing is changed."""
        if is_public_form(draft.form):
            return
        unit_id = draft.context.get("unit_id")
        roles = {Role(r) for r in load_form(draft.form).roles}
        if not any(Role(role) in roles and unit == unit_id and role_fits_unit(Role(role), code) for role, unit, code in held):
            unit = await session.get(Unit, unit_id) if unit_id is not None else None
            raise RoleRevoked(unit=unit.name if unit is not None else "")

    async def _after_close(self, uow: Any, actor: Actor, media_group_id: str) -> Prompt:
        """A photo of an album whose form was submitted or cancelled before it arrived: said once per
        album (``late_after_close``), then quiet; ``none`` when it belongs to no recent form."""
        last = (await uow.session.exec(
            select(Draft).where(Draft.user_id == actor.user_id).order_by(Draft.id.desc()).limit(1)  # type: ignore[union-attr]
        )).first()
        if last is None or utcnow() - last.updated_at > LATE_ALBUM_WINDOW:
            return Prompt("none", public=not actor.is_bound)
        albums = [_album_entry(a) for a in (last.context or {}).get("albums") or []]
        if media_group_id not in [group for group, _key, _told in albums]:
            return Prompt("none", public=not actor.is_bound)
        told = list(last.context.get("closed_albums_told") or [])
        if media_group_id in told:
            return Prompt("quiet", draft_id=last.id or 0)
        last.context = {**last.context, "closed_albums_told": (told + [media_group_id])[-10:]}
        uow.session.add(last)
        await uow.commit()
        return Prompt("late_after_close", draft_id=last.id or 0, public=not actor.is_bound)

    async def _apply(self, turn: _Turn, action: FormAction) -> Prompt | tuple[str, dict[str, Any]] | None:
        walk, state, locale = turn.walk, turn.state, turn.locale
        spec = self._limits(walk.current(state))
        if isinstance(action, NavAnswer):
            # "cancel" and "continue" act on the whole form, whichever question is showing; "discard" was
            # confirmed for the form as it stood when asked, not after more answers
            step_bound = action.op not in (Nav.CANCEL, Nav.STAY, Nav.SWITCH)
            if step_bound and action.step is not None and action.step != _position(walk, spec, state):
                raise StaleAction()
            return await self._nav(turn, action.op, spec)
        if isinstance(action, EditAnswer):
            if not 0 <= action.field_index < len(walk.spec.fields):
                raise StaleAction()
            walk.edit(state, walk.spec.fields[action.field_index].key)
            return None
        if isinstance(action, PhotoAnswer | DocumentAnswer):
            late = _album_field(walk, state, action.media_group_id)
            if late is not None and (spec is None or spec.key != late.key):
                if isinstance(action, DocumentAnswer):
                    return _document(walk, state, late, action, locale)
                limits = self._limits(late)
                assert limits is not None  # the field of an album is a photos field
                return await self._photo(turn, limits, action)
        if isinstance(action, PinMoved):  # before the refusals below: a live location's update is never answered
            return _move_pin(walk, state, spec, action)
        if isinstance(action, RemovePhoto):  # only while its photos question is the one asked
            if spec is None or spec.type != "photos" or action.step != _position(walk, spec, state):
                raise StaleAction()
            return await remove_photo(turn.session, turn.draft, state, spec, action.number, action.version,
                                      self._clock.tz)
        if spec is None:
            raise Rejected("use_review_buttons")
        if isinstance(action, UnsupportedAnswer):
            raise Rejected("unsupported_content", content=action.content_type, expected=spec.type)
        if isinstance(action, PickAnswer):
            if action.step != _position(walk, spec, state):
                raise StaleAction()
            await self._pick(turn, spec, action.index)
            return None
        if isinstance(action, LocationAnswer):
            if spec.type != "location":
                raise Rejected("unexpected_location", expected=spec.type)
            # 0 0, another city: refused, the question asked again (the public pointed to 12345)
            check_pin(action.latitude, action.longitude, public="public" in walk.spec.roles)
            value = dict(state.data.get(spec.key) or {})
            if spec.pin_is_enough:  # the pin answers alone and moves on: an address typed for the earlier place would
                value.pop("address", None)  # be stored with it unasked (the citizen may type one again)
            value.update(lat=action.latitude, lon=action.longitude)
            place = action.place
            # a township taken from the old pin is re-asked
            recheck_guesses(walk, state, spec, {"lat": action.latitude, "lon": action.longitude, "address": place})
            if place:
                value["address"] = place[: spec.max_length]
            if action.live_id:
                state.context["live_pin"] = [spec.key, action.live_id]
            else:  # a pin sent since is not moved by an earlier live location
                state.context.pop("live_pin", None)
            # a bare pin never moves on by itself: the address (to the door number) is still asked,
            # or kept with the "keep" button when it was already typed
            if place or spec.pin_is_enough:
                walk.accept(state, value)
                offer_guess(walk, state)
                return None
            walk.store(state, value)
            return ("pin_saved", {})
        if isinstance(action, PhotoAnswer):
            return await self._photo(turn, spec, action)
        if isinstance(action, DocumentAnswer):
            return _document(walk, state, spec, action, locale)
        assert isinstance(action, TextAnswer)
        value = await self._parse_text(turn, spec, action.text)
        if spec.type == "location":  # a new address: as a new pin, a township guessed from the old one is re-asked
            if "public" in walk.spec.roles:  # 海淀区…: the public pointed to 12345, as for a pin outside
                check_typed_place(action.text)
            recheck_guesses(walk, state, spec, value)
        walk.accept(state, value)
        offer_guess(walk, state)
        return None

    def _limits(self, spec: FieldSpec | None) -> FieldSpec | None:
        """``spec`` with the limits its form takes from settings (``min_length_setting``, ``max_items_setting``)."""
        if spec is None:
            return None
        changes: dict[str, Any] = {}
        if spec.min_length_setting:
            changes["min_length"] = int(getattr(self._settings, spec.min_length_setting))
        if spec.max_items_setting:
            changes["max_items"] = int(getattr(self._settings, spec.max_items_setting))
        if spec.campaign_year:
            changes.update(min=self._campaign.first_year, max=self._campaign.last_year)
        return replace(spec, **changes) if changes else spec

    async def _parse_text(self, turn: _Turn, spec: FieldSpec, text: str) -> Any:
        session, _, draft, _, state, today, locale = turn
        kind = spec.type
        if kind == "text":
            return parse_text(spec, text)
        if kind == "integer":
            return parse_integer(spec, text)
        if kind == "decimal":
            return parse_decimal(spec, text, state.data)
        if kind == "date":
            return await self._date(turn, spec, text)
        if kind == "phone":
            return parse_phone(text)
        if kind == "location":
            pin = dict(state.data.get(spec.key) or {})
            pin["address"] = parse_text(spec, text)
            return pin
        if kind == "choice":
            options = await resolve_options(session, spec, state, locale, today, draft.context.get("unit_id"))
            value = match_typed_choice(options, text)
            if value is None and spec.source == "townships":
                found = find_township(text)
                value = found.name if found else None
            if value is None and spec.source in REGISTRY_SOURCES:
                among = registry_units(spec.source)
                unit = match_unit(text, among)
                if unit is None and spec.source == "city_departments":
                    other = match_unit(text, registry_units("supervising_departments"))
                    if other is not None:  # a district department (区…) or an enterprise: not 附件2's 市级 column
                        raise Rejected("not_city_department", name=other.name,
                                       suggestions="、".join(suggest_units(text, among, 3)) or "—")
                if unit is None:  # 方案 三's names, renamed bodies and short forms ("消防") are matched; else say so
                    raise Rejected("unknown_unit", name=text.strip()[:40],
                                   suggestions="、".join(suggest_units(text, among, 3)) or "—")
                value = unit.name
            if value is None:
                raise Rejected("not_a_choice")
            return value
        if kind == "hazard_link" and text.strip() in ("无", "none", "None"):
            return []
        if kind == "photos":
            raise Rejected("expected_photo")
        raise Rejected("use_buttons")

    async def _date(self, turn: _Turn, spec: FieldSpec, text: str, *, kept: bool = False) -> str:
        """``parse_date_answer`` with the form's lower bound for a past date (``earliest_day``), ``kept`` as it
        says; a refusal names the question (``field``: its label in the turn's language)."""
        earliest = None
        if spec.not_future:
            earliest = await earliest_day(turn.session, self._campaign, self._clock, turn.draft.form,
                                          turn.draft.context or {})
        try:
            return parse_date_answer(spec, text, turn.today, earliest, kept=kept)
        except Rejected as rejected:
            rejected.params["field"] = spec.label(turn.locale)
            raise

    async def _pick(self, turn: _Turn, spec: FieldSpec, index: int) -> None:
        session, _, draft, walk, state, today, locale = turn
        options: list[Resolved] = await resolve_options(session, spec, state, locale, today, draft.context.get("unit_id"))
        if not 0 <= index < len(options):
            raise StaleAction()
        picked = options[index].value
        if spec.type == "tree":
            if "tree_category" not in state.context:
                category = hazard_types()[index]
                if not category.subtypes:
                    walk.accept(state, [category.name, None])
                else:
                    state.context["tree_category"] = index
                return
            walk.accept(state, [hazard_types()[state.context["tree_category"]].name, picked])
            return
        if spec.type == "date":
            walk.accept(state, await self._date(turn, spec, picked))
            return
        if spec.type == "hazard_link":
            chosen = [list(v) for v in state.data.get(spec.key) or []]
            chosen = [v for v in chosen if v[0] != picked[0]] if picked in chosen else chosen + [picked]
            walk.store(state, chosen)
            return
        walk.accept(state, picked)

    async def _nav(self, turn: _Turn, op: Nav, spec: FieldSpec | None) -> Prompt | tuple[str, dict[str, Any]] | None:
        session, _, draft, walk, state, today, locale = turn
        if op in (Nav.STAY, Nav.SWITCH):
            return None
        if op in (Nav.CANCEL, Nav.DISCARD, Nav.SWITCH_DISCARD):
            draft.status = DraftStatus.CANCELLED.value
            draft.updated_at = utcnow()
            session.add(draft)
            return Prompt("cancelled", form_key=draft.form, form_title=load_form(draft.form).title(locale), draft_id=draft.id or 0)
        if op == Nav.SUBMIT:
            return await self._submit(turn)
        if op == Nav.BACK:
            if spec is not None and spec.type == "tree" and "tree_category" in state.context:
                state.context.pop("tree_category")
            else:
                walk.back(state)
            return None
        if op == Nav.REVIEW:
            walk.to_review(state)
            return None
        if spec is None:
            raise Rejected("use_review_buttons")
        if op == Nav.SKIP:
            walk.skip(state)
        elif op == Nav.DONE:
            walk.finish_step(state)
            count = len(state.data.get(spec.key) or [])
            document = state.data.get(f"{spec.key}_document") if spec.documents else None
            if spec.type == "photos" and document:  # what was kept, the file named: it is not a photo
                params = {"count": count, "field": spec.label(locale), "name": document[1]}
                return ("evidence_saved" if count else "document_saved", params)
            if spec.type == "photos" and count:  # an album's count was only known once it had arrived
                return ("photos_saved", {"count": count, "field": spec.label(locale)})
        elif op == Nav.NONE:
            walk.accept_none(state)
        elif op == Nav.KEEP:
            value = state.data.get(spec.key)
            if value in (None, "", []):
                raise Rejected("nothing_to_keep")
            if spec.type == "location" and not spec.pin_is_enough and not value.get("address"):
                # a pin is no address (nor offered as one): the ledger wants it typed, to the door number
                return ("door_number_needed", {})
            if spec.type == "date":
                value = await self._date(turn, spec, value, kept=True)
            elif spec.type == "decimal":  # the field it is bound by (``lte_field``) may have changed since
                value = parse_decimal(spec, str(value), state.data)
            walk.accept(state, value)
        return None

    async def _photo(self, turn: _Turn, spec: FieldSpec, action: PhotoAnswer) -> Prompt | tuple[str, dict[str, Any]]:
        session, actor, draft, walk, state, _, locale = turn
        if spec.type != "photos":
            raise Rejected("unexpected_photo", expected=spec.type)
        photos = list(state.data.get(spec.key) or [])
        if len(photos) >= spec.max_items:
            raise Rejected("too_many_photos", max=spec.max_items)
        image = action.image
        if image is None:  # only offered: taken, once fetched
            return Prompt("photo_wanted", draft_id=draft.id or 0)
        photo = photo_row(image, action.media,
                          stage=_PHOTO_STAGES.get(draft.form, PhotoStage(walk.spec.photo_stage)).value,
                          draft_id=draft.id, user_id=actor.user_id, received_at=self._clock())
        session.add(photo)
        await session.flush()
        # no evidence copy of a public report's photo: its watermark would carry the reporter's name;
        # the verifier's hazard gets them (tipoffs.confirm), stamped with the verifier's name. The copy
        # stays unmarked until submission, when the record's number and address are final (_stamp).
        if self._evidence is not None and not is_public_form(draft.form):
            await self._evidence.record(session, photo, copy=image.copy)
        photos.append(photo.id)
        state.data[spec.key] = photos
        return _received(state, spec, action.media_group_id, len(photos), locale)

    async def _submit(self, turn: _Turn) -> Prompt | tuple[str, dict[str, Any]]:
        session, actor, draft, walk, state, today, locale = turn
        if state.step is not None:
            raise Rejected("finish_first")
        # ``context["not_required"]``: required fields this draft may leave empty (a correction of a record that
        # never had them, ``correction_service.blank_on_record``)
        optional = set((draft.context or {}).get("not_required") or ())
        missing = [f for f in walk.missing(state) if f.key not in optional]
        if missing:
            state.step = missing[0].key
            state.reviewing = True
            return ("missing_fields", {"fields": "、".join(f.label(locale) for f in missing)})
        broken = _cross_field_rejection(walk, state)
        if broken is not None:
            return broken
        data = walk.clean(state.data)
        for spec in walk.spec.fields:
            if spec.repeat:
                data[f"{spec.key}_rows"] = walk.rows(state.data, spec)
        kind = SUBMITTERS[draft.form]
        sub = Submission(session, actor, draft, data, today, self._clock(), self._deps)
        try:
            submitted = await kind.submit(sub)
        except DomainError as exc:
            if _lost_race(exc):  # told that the form is kept, not to look the hazard up again
                raise _Refused(StaleAction(**exc.params, form_kept=True), draft.id or 0, False) from exc
            ends = kind.ends_on_refusal and not isinstance(exc, MENDABLE)
            raise _Refused(exc, draft.id or 0, ends) from exc
        # the notices the submission owes (the township's verifiers, a tip-off's reporter) in its unit of work
        await queue_notices(session, f"draft:{draft.id}", sub.notices, self._clock())
        draft.status = DraftStatus.SUBMITTED.value
        draft.updated_at = utcnow()
        _save(draft, state)
        session.add(draft)
        return Prompt(
            "submitted",
            form_key=draft.form,
            form_title=walk.spec.title(locale),
            draft_id=draft.id or 0,
            submitted=submitted,
        )

    async def _active_held(self, session: AsyncSession, user_id: int) -> tuple[Draft | None, list[tuple[str, int, str]]]:
        """``user_id``'s open draft, locked (``_active(for_update=True)``), and the roles they hold now as
        (role, unit id, unit code), in one statement: a form step reads both, and a round trip less counts.
        Sent on the session's connection: nothing of the ORM's execution path is needed for a Core select."""
        connection = await transaction_connection(session)
        rows = (await connection.execute(_ACTIVE_HELD, {"user_id": user_id})).all()
        if not rows:
            return None, []
        width = len(_DRAFT_COLUMNS)
        first = rows[0]
        draft = _attached(session, first[:width])
        return draft, [tuple(row[width:]) for row in rows if row[0] == first[0] and row[width] is not None]

    async def _active(self, session: AsyncSession, user_id: int, *, for_update: bool = False) -> Draft | None:
        query = select(Draft).where(Draft.user_id == user_id, Draft.status == DraftStatus.ACTIVE.value)
        if for_update:
            query = query.with_for_update()
        return (await session.exec(query.order_by(Draft.id.desc()))).first()  # type: ignore[union-attr]

    def _defaults(self, spec: FormSpec, unit_name: str, unit_is_township: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for f in spec.fields:
            if f.default == "today":
                values[f.key] = self._today().isoformat()
            elif f.default == "this_year":  # within the campaign, as its plan year must be
                values[f.key] = self._campaign.nearest_year(self._today().year)
            elif f.default == "unit":
                values[f.key] = unit_name
            elif f.default == "unit_township":
                if unit_is_township:
                    values[f.key] = unit_name
            elif f.default is not None:
                values[f.key] = f.default
        return values

    async def _prompt(self, session: AsyncSession, draft: Draft, locale: str) -> Prompt:
        spec_form = load_form(draft.form)
        walk = FormWalk(spec_form)
        state = _view(draft)  # only read here: no copy
        title = spec_form.title(locale)
        assert draft.id is not None
        spec = walk.current(state)
        if spec is None:
            # a hidden value (the result the button gave, the hazard's level) is shown, not editable
            lines = tuple(
                ReviewLine(
                    spec_form.index(f.key),
                    f.label(locale),
                    _shown(f, state.data, walk, locale),
                    editable=not f.hidden,
                )
                for f in spec_form.fields
                if f.applies(state.data) or (f.hidden and f.on_review and state.data.get(f.key) not in (None, ""))
            )
            return Prompt(
                "review",
                form_key=draft.form,
                form_title=title,
                draft_id=draft.id,
                step_index=len(spec_form.fields),
                review=lines,
                linked_inspection=draft.context.get("inspection_number"),
                photo_count=sum(len(state.data.get(f.key) or []) for f in walk.applicable(state.data) if f.type == "photos"),
                linked_tipoff=draft.context.get("tipoff_number"),
                missing=tuple(f.label(locale) for f in walk.missing(state)),
                subject=draft.context.get("subject"),
                rejection=draft.context.get("rejection"),
            )
        options = await resolve_options(session, spec, state, locale, self._today(), draft.context.get("unit_id"))
        selected = {tuple(v) for v in state.data.get(spec.key) or []} if spec.type == "hazard_link" else set()
        value = state.data.get(spec.key)
        option_kind = "tree_sub" if spec.type == "tree" and "tree_category" in state.context else spec.type
        return Prompt(
            "question",
            form_key=draft.form,
            form_title=title,
            draft_id=draft.id,
            field=spec,
            step_index=_position(walk, spec, state),
            position=walk.position(state),
            current_value=_current(spec, state.data, locale),
            options=tuple(
                Option(o.label if o.code is None else f"{o.code}|{o.label}",
                       tuple(o.value) in selected if spec.type == "hazard_link" else spec.type == "choice" and o.value == value)
                for o in options
            ),
            option_kind=option_kind,
            can_back=bool(state.history) or state.reviewing or "tree_category" in state.context,
            back_to_review=state.reviewing and "tree_category" not in state.context,
            can_skip=not spec.required,
            can_done=spec.takes_done,
            can_none=spec.takes_none,
            subject=draft.context.get("subject"),
            rejection=draft.context.get("rejection"),
            photo_count=len(value or []) if spec.type == "photos" else 0,
        )


def _aim(form_key: str, context: dict[str, Any]) -> tuple[Any, ...]:
    """What a form is opened for: its key and the records its context names (``hazard_id``, ``tipoff_id``,
    ``inspection_id``…, a correction's record) — not the unit it is filled in for. An open form is resumed
    only when asked for with the same aim: a hazard form for site A is not the correction of hazard B."""
    correction = context.get("correction") or {}
    ids = sorted((k, v) for k, v in context.items() if k.endswith("_id") and k != "unit_id")
    return form_key, tuple(ids), correction.get("kind"), correction.get("id")


def _about(data: dict[str, Any], context: dict[str, Any]) -> str | None:
    """What a form is about, as a person recognises it: the record it acts on (its subject, or the number of the
    record corrected or tip-off verified) and the site named in its answers, ``Y… · 某某工地``; None for neither."""
    if context.get("subject"):  # a life-cycle form's: number · site already
        return str(context["subject"])
    number = (context.get("correction") or {}).get("number") or context.get("tipoff_number") \
        or context.get("inspection_number")
    site = data.get("site_name") if isinstance(data.get("site_name"), str) else None
    parts = [str(p) for p in (number, site) if p]
    return " · ".join(parts) or None


def _shown(spec: FieldSpec, data: dict[str, Any], walk: FormWalk, locale: str) -> str:
    """A review card's value: the answer, and for a field that takes a document the document's name."""
    if spec.documents:
        return evidence(spec, data, locale)
    return display(spec, walk.rows(data, spec) if spec.repeat else data.get(spec.key), locale)


def _current(spec: FieldSpec, data: dict[str, Any], locale: str) -> str | None:
    """A question's "当前" line; None when nothing is kept. A field that takes a document names it (a document
    alone is an answer too) and counts its photos as photos. A location's is its typed address: a pin alone is
    offered back only where a pin is the answer (``pin_is_enough``), never as an address."""
    if spec.documents:
        return evidence(spec, data, locale) if spec.answered(data) else None
    value = data.get(spec.key)
    if spec.type == "location" and isinstance(value, dict) and (value.get("address") or not spec.pin_is_enough):
        # the typed address is what is kept; the pin is stored beside it, never offered as the address
        return str(value["address"]) if value.get("address") else None
    return None if value in (None, "", []) else display(spec, value, locale)


class _Refused(Exception):
    """A submitter's refusal on its way out of the unit of work (rolled back); ``ends_form``: cancel the draft."""

    def __init__(self, error: DomainError, draft_id: int, ends_form: bool) -> None:
        super().__init__(error.code)
        self.error, self.draft_id, self.ends_form = error, draft_id, ends_form


def _move_pin(walk: FormWalk, state: FormState, spec: FieldSpec | None,
              moved: PinMoved) -> Prompt | tuple[str, dict[str, Any]]:
    """A live location's update: moves the pin it gave while its question is still the one asked (the
    address typed since is kept); once that question is answered the pin stays where it was then. Quiet
    either way: the updates come every few seconds, unasked."""
    if spec is None or state.context.get("live_pin") != [spec.key, moved.live_id]:
        return Prompt("quiet")
    if not pin_moves(moved.latitude, moved.longitude):  # a live pin carried out of the district stays inside
        return ("quiet", {})
    value = dict(state.data.get(spec.key) or {})
    value.update(lat=moved.latitude, lon=moved.longitude)
    walk.store(state, value)
    return ("quiet", {})


def _received(state: FormState, spec: FieldSpec, group: str | None, count: int,
              locale: str, document: str | None = None) -> tuple[str, dict[str, Any]]:
    """What to say of a photo (or of the document named ``document``) kept for ``spec``: once per album, and
    whether it came late. A document is named, never announced as photos (an album of documents is one)."""
    if group:
        albums = [_album_entry(a) for a in state.context.get("albums") or []]
        entry = next((a for a in albums if a[0] == group), None)
        if entry is None:
            late = spec.key != state.step  # Done pressed before the album's first photo got here
            state.context["albums"] = (albums + [[group, spec.key, late]])[-10:]
            if late:
                return _late(spec, count, locale, document)
            if document is not None:
                return ("document_added", {"name": document})
            return ("album_receiving", {"count": count})
        if spec.key != state.step and not entry[2]:
            entry[2] = True  # said once per album: its later photos arrive quietly
            state.context["albums"] = albums
            return _late(spec, count, locale, document)
        return ("quiet", {})
    return ("photo_added", {"count": count})


def _late(spec: FieldSpec, count: int, locale: str, document: str | None) -> tuple[str, dict[str, Any]]:
    """The notice of an album's photo, or document, that arrived after "Done" and was added to ``spec``."""
    if document is not None:
        return ("document_late", {"field": spec.label(locale), "name": document})
    return ("album_late", {"field": spec.label(locale), "count": count})


def _document(walk: FormWalk, state: FormState, spec: FieldSpec | None, action: DocumentAnswer,
              locale: str) -> Prompt | tuple[str, dict[str, Any]]:
    """A file that is no image, for a photos field that takes ``documents`` (one; a second is refused, the
    first kept, unless the field is asked again from the review card: then it replaces the first). Only offered (``action.file`` ``None``): ``Prompt('document_wanted')`` where it would be taken,
    so that nothing is downloaded for a question that refuses it. Kept: ``StoredDocument.as_answer()``.
    Raises ``Rejected('unsupported_content')`` where no such field is asked, ``Rejected('one_document')`` (or
    ``Rejected('document_kind')`` when the second file's name says it is of no kind kept). A file kept under
    another extension than its name's (its bytes are another kind) has the name it was sent under as the
    notice's ``declared``."""
    if spec is None or not spec.documents:
        raise Rejected("unsupported_content", content="document", expected=spec.type if spec else "")
    key = f"{spec.key}_document"
    kept = state.data.get(key)
    # asked again from the review card ("修改"): a new document replaces the one kept, so a wrong file is put
    # right without cancelling the form (the one replaced stays in the store until the prune)
    replacing = bool(kept) and state.reviewing and state.step == spec.key
    # but an album is one sending: its second document does not replace its first (as outside an edit, it is
    # refused before being downloaded), so the one kept is the one the replacement notice named
    group_key = f"{key}_group"
    same_album = action.media_group_id is not None and state.context.get(group_key) == action.media_group_id
    if kept and (not replacing or same_album):
        if named_outside_kinds(action.name):  # its kind first: "only one" would send them to replace it with that
            raise Rejected("document_kind", name=action.name, kinds=ACCEPTED, kept=kept[1])
        raise Rejected("one_document", name=kept[1])
    if action.file is None:
        return Prompt("document_wanted")
    state.data[key] = action.file.as_answer()
    state.context[group_key] = action.media_group_id
    # bytes of another kind than the name said (fake.pdf of plain text, kept as fake.txt): said, not done silently
    declared = {"declared": action.name} if kind_changed(action.name, action.file.name) else {}
    if kept and replacing:
        return ("document_replaced", {"old": kept[1], "name": action.file.name, **declared})
    if action.media_group_id is None:
        return ("document_added", {"name": action.file.name, **declared})
    count = len(state.data.get(spec.key) or [])
    return _received(state, spec, action.media_group_id, count, locale, document=action.file.name)


def _album_entry(entry: Any) -> list[Any]:
    """An album remembered in ``context["albums"]``: ``[media_group_id, field key, late photo announced]``
    (drafts from before the field key was kept hold the bare group id)."""
    return [entry, None, False] if isinstance(entry, str) else list(entry)


def _album_field(walk: FormWalk, state: FormState, media_group_id: str | None) -> FieldSpec | None:
    """The photos question an album started at, for a photo of it that arrives after the inspector
    pressed "Done" (Telegram sends an album as separate updates, the last ones late on a slow network)."""
    if not media_group_id:
        return None
    for group, key, _announced in map(_album_entry, state.context.get("albums") or []):
        if group == media_group_id:
            if key is None:
                key = next((f.key for f in walk.spec.fields if f.type == "photos"), None)
            return walk.spec.field(key) if key else None
    # an album none of whose photos had arrived when Done was pressed on the photos question just left
    # (unless a photos question is asked now: a new album is its answer)
    asked = walk.spec.field(state.step) if state.step else None
    if (asked is None or asked.type != "photos") and state.history and walk.spec.field(state.history[-1]).type == "photos":
        return walk.spec.field(state.history[-1])
    return None


def _position(walk: FormWalk, spec: FieldSpec | None, state: FormState) -> int:
    """Which question a button belongs to (``Prompt.step_index``, the ``s`` of its callback data): the
    field's index in the form; the number of fields for the review card; for the second level of a
    tree (隐患类型's subtypes) also the category shown, so a first-level button on an older message
    cannot pick a subtype from the same slot."""
    if spec is None:
        return len(walk.spec.fields)
    index = walk.spec.index(spec.key)
    if spec.type == "tree" and "tree_category" in state.context:
        return index + 1000 * (int(state.context["tree_category"]) + 1)
    return index


def _cross_field_rejection(walk: FormWalk, state: FormState) -> tuple[str, dict[str, Any]] | None:
    """At submit: the first answer that breaks a rule binding it to another answer (``lte_field``:
    附件2 拆除面积 ≤ 违建面积), made true by going back and changing the other one. The form moves
    to that question (as for a missing answer) and the notice says why; None when all hold."""
    for spec in walk.applicable(state.data):
        value = state.data.get(spec.key)
        if spec.type != "decimal" or not spec.lte_field or value in (None, ""):
            continue
        try:
            parse_decimal(spec, str(value), state.data)
        except Rejected as rejected:
            state.step, state.reviewing = spec.key, True
            return (rejected.code, rejected.params)
    return None


def _state(draft: Draft) -> FormState:
    return FormState(
        data=copy.deepcopy(draft.data),
        step=draft.step,
        history=list(draft.history),
        reviewing=draft.reviewing,
        context=copy.deepcopy(draft.context),
    )


def _view(draft: Draft) -> FormState:
    """``draft``'s state without copying it, for reading only (a prompt)."""
    return FormState(data=draft.data, step=draft.step, history=draft.history, reviewing=draft.reviewing,
                     context=draft.context)


def _save(draft: Draft, state: FormState) -> None:
    """Store ``state`` in ``draft``, handing its objects over: the caller does not change ``state`` after this.
    They are other objects than the draft's (``_state`` copied them), so SQLAlchemy sees the JSON columns
    changed (or, compared equal, leaves them out of the UPDATE)."""
    draft.data = state.data
    draft.step = state.step
    draft.history = state.history
    draft.reviewing = state.reviewing
    draft.context = state.context
    draft.updated_at = utcnow()


async def _store(session: AsyncSession, draft: Draft, state: FormState) -> None:
    """``_save`` and the draft's UPDATE as one Core statement, not the ORM's flush: 0.3–0.4 ms less CPU a form
    step (issue 19 item 4, ``benchmarks/RESULTS-perf.md``). ``draft`` then holds the values as stored, so the
    ORM writes none of them again; the row is the actor's, locked by ``_active_held``. The statement goes on the
    session's connection, past the ORM's execution path (and its autoflush: what the step added, a photo row,
    is flushed here only when there is any); on PostgreSQL it goes on the driver's connection of the same
    transaction (``storage.driver_sql``), about 0.1 ms less again."""
    values = {"data": state.data, "step": state.step, "history": state.history, "reviewing": state.reviewing,
              "context": state.context, "updated_at": utcnow()}
    if session.new or session.dirty or session.deleted:
        await session.flush()
    await execute_in_transaction(session, _DRAFT_UPDATE, {"draft_id": draft.id, **values})
    for name, value in values.items():
        set_committed_value(draft, name, value)


def _lost_race(exc: DomainError) -> bool:
    """Whether ``exc`` says someone else changed the hazard between this submission's read and its write, its
    state left as it was (``Transitions.move``: e.g. an extension approved as a rectification is reported): the
    step can still be done, so the form stays on its review card to be submitted again, nothing entered lost."""
    return isinstance(exc, StaleAction) and "hazard_id" in exc.params


def _attached(session: AsyncSession, values: Sequence[Any]) -> Draft:
    """The draft row ``values`` (``_DRAFT_COLUMNS``' order) as the session's entity: the one it already holds,
    else a new one attached as if loaded, so that changes to it are flushed as an ORM-loaded draft's are."""
    held = session.sync_session.identity_map.get(identity_key(Draft, values[0]))
    if held is not None:
        return held
    # as SQLAlchemy's own loading makes an instance from a row: no __init__ (SQLModel's sets every field through
    # its model machinery, a twentieth of a form step's CPU), the row's values put in place, then attached as loaded
    draft = _DRAFT_MANAGER.new_instance()
    instance_dict(draft).update(zip(_DRAFT_COLUMNS, values, strict=True))
    make_transient_to_detached(draft)
    session.add(draft)
    return draft


#: sent on the driver's connection once ``_active_held`` has begun the transaction (``storage.driver_sql``)
_DRAFT_UPDATE = DriverStatement(update(_DRAFT_TABLE).where(_DRAFT_TABLE.c.id == bindparam("draft_id")),
                                ("data", "step", "history", "reviewing", "context", "updated_at"))


def _with(prompt: Prompt, **changes: Any) -> Prompt:
    return replace(prompt, **changes)
