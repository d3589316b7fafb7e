"""/office's list and its batch mode (issue 16): the office ticks hazards on the pages of its list, then confirms
(挂账) or closes (销账) them together; ``bot.services.office_batch`` takes each one through the life cycle on its
own and the answer lists what was done and what was refused, and why.

The ticked hazards are kept in the person's conversation data (``FSMContext``: memory, Redis or the database,
as the deployment keeps conversations), with a version that each tick raises: a «confirm» pressed under an older
question than the selection now is answered "the selection changed" and asked again, so nothing is done to
hazards the officer did not see listed. Every button is re-checked: office role here, the rest per hazard.

Telegram hands a quick tapper's presses to handlers running side by side; each change of the selection (read,
change, write) and each confirmation (check the version, clear) holds a lock per person, so that no tick is lost
and a double tap on «confirm» runs the batch once (one process; several behind a load balancer may still meet
both presses, and then every hazard of the second run is refused as already moved)."""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.domain import HazardState
from bot.keyed_locks import KeyedLocks
from bot.services.actors import Actor
from bot.services.lifecycle import Action, has_district_scope
from bot.services.office_batch import BATCH_LIMIT, BATCH_NOTES, BATCH_STATES, BatchResult, OfficeBatchService
from handlers.callbacks import Num
from handlers.error_texts import error_text
from handlers.message_edits import answer_in_place, drop_keyboard, message_of, show_in_place
from handlers.message_limits import clip
from handlers.paging import PageCb, pager_row
from handlers.queue_view import page_keyboard, page_text
from handlers.texts import q

OFFICE_STATES: tuple[HazardState, ...] = BATCH_STATES
LIST_VIEW, BATCH_VIEW = "of", "ob"  # the pager's keys for /office and for /office in batch mode
_SELECTED, _VERSION = "office_batch", "office_batch_v"  # keys in the conversation data
_ACTIONS = {"r": Action.REGISTER, "c": Action.CLOSE}
_TOGGLES_PER_ROW = 5
_lock = KeyedLocks()  # a person's taps one after another



class BatchCb(CallbackData, prefix="b1"):
    """A button of /office's batch mode: ``a`` = ``m`` show page ``n`` in batch mode, ``t`` tick or untick hazard
    ``id`` (then show page ``n``), ``x`` clear the selection, ``q`` leave batch mode, ``r`` / ``c`` ask to
    register / close the selection, ``yr`` / ``yc`` do it for the selection at version ``s``. ≤ 64 bytes."""

    a: str
    id: Num = 0
    n: Num = 0
    s: Num = 0


def _title() -> str:
    return _("Hazards awaiting confirmation or closure:")


async def office_page(actor: Actor, services: Services, number: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """Page ``number`` of /office; the office (not a unit's reviewer) also gets «select a batch»."""
    page = await services.find.queue(actor, OFFICE_STATES, number)
    extra = []
    if has_district_scope(actor) and page.total:
        extra.append([InlineKeyboardButton(text=_("☑️ Select a batch"), callback_data=BatchCb(a="m", n=page.number).pack())])
    return page_text(_title(), page), page_keyboard(page, LIST_VIEW, extra)


async def _selection(state: FSMContext) -> tuple[list[int], int]:
    data: dict[str, Any] = await state.get_data()
    return [int(i) for i in data.get(_SELECTED) or []], int(data.get(_VERSION) or 0)


async def _batch_page(actor: Actor, services: Services, state: FSMContext,
                      number: int) -> tuple[str, InlineKeyboardMarkup]:
    """Page ``number`` in batch mode: ☑/☐ per line, a tick button per hazard, the pager, the batch actions."""
    OfficeBatchService.check_actor(actor)
    page = await services.find.queue(actor, OFFICE_STATES, number)
    selected, _version = await _selection(state)
    ticked = set(selected)
    # those still in the list, not a stale tick's; each button counts those it applies to
    split = await services.office_batch.split(actor, selected)
    k_register, k_close = len(split[Action.REGISTER]), len(split[Action.CLOSE])
    k = k_register + k_close
    toggles = [InlineKeyboardButton(text=f"{'☑' if s.id in ticked else '☐'} {i}",
                                    callback_data=BatchCb(a="t", id=s.id, n=page.number).pack())
               for i, s in enumerate(page.items, page.first_index)]
    rows = [toggles[i:i + _TOGGLES_PER_ROW] for i in range(0, len(toggles), _TOGGLES_PER_ROW)]
    pager = pager_row(page, BATCH_VIEW)  # type: ignore[arg-type]
    if pager:
        rows.append(pager)
    rows.append([InlineKeyboardButton(text=_("📒 Register selected ({k})").format(k=k_register),
                                      callback_data=BatchCb(a="r", n=page.number).pack()),
                 InlineKeyboardButton(text=_("🗂 Close selected ({k})").format(k=k_close),
                                      callback_data=BatchCb(a="c", n=page.number).pack())])
    rows.append([InlineKeyboardButton(text=_("Clear the selection"), callback_data=BatchCb(a="x", n=page.number).pack()),
                 InlineKeyboardButton(text=_("« Leave batch mode"), callback_data=BatchCb(a="q", n=page.number).pack())])
    text = page_text(_title(), page, ticked) + "\n" + _(
        "Selected: {k} (at most {limit}, on any page). Tick hazards, then register or close them together."
    ).format(k=k, limit=BATCH_LIMIT)
    return clip(text), InlineKeyboardMarkup(inline_keyboard=rows)


async def turn_batch_page(query: CallbackQuery, callback_data: PageCb, actor: Actor, services: Services,
                          state: FSMContext) -> None:
    """A pager button in batch mode: the page read again, the ticks kept."""
    text, keyboard = await _batch_page(actor, services, state, callback_data.n)
    await answer_in_place(query, text, keyboard)


async def batch_button(query: CallbackQuery, callback_data: BatchCb, actor: Actor, services: Services,
                       state: FSMContext) -> None:
    """Enter batch mode, tick or untick a hazard, clear the ticks, or leave batch mode (office only)."""
    OfficeBatchService.check_actor(actor)
    cb = callback_data
    if cb.a == "q":
        await query.answer()
        text, keyboard = await office_page(actor, services, cb.n)
        await show_in_place(message_of(query), text, keyboard)
        return
    async with _lock(actor.user_id):
        selected, version = await _selection(state)
        if cb.a == "t":
            if cb.id in selected:
                selected.remove(cb.id)
            else:
                # only a hazard in the list now is ticked (a forged id, or one moved meanwhile, is not), and the
                # ticks of those that left the list since no longer count towards the limit
                listed = await services.office_batch.listed(actor, [*selected, cb.id])
                if cb.id not in listed:
                    await query.answer(_("That hazard is no longer in this list (it has been handled, or there "
                                         "is no such hazard)."), show_alert=True)
                    text, keyboard = await _batch_page(actor, services, state, cb.n)
                    await show_in_place(message_of(query), text, keyboard)
                    return
                if len(listed) > BATCH_LIMIT:
                    await query.answer(_("At most {limit} hazards in one batch.").format(limit=BATCH_LIMIT),
                                       show_alert=True)
                    return
                selected = listed
            await state.update_data({_SELECTED: selected, _VERSION: version + 1})
        elif cb.a == "x":
            await state.update_data({_SELECTED: [], _VERSION: version + 1})
    text, keyboard = await _batch_page(actor, services, state, cb.n)
    await answer_in_place(query, text, keyboard)


async def ask_batch(query: CallbackQuery, callback_data: BatchCb, actor: Actor, services: Services,
                    state: FSMContext) -> None:
    """«Register selected» / «Close selected»: say what will be done to how many of the ticked hazards (those
    the action applies to; the others are named as left out), and ask once to confirm."""
    OfficeBatchService.check_actor(actor)
    action = _ACTIONS[callback_data.a]
    async with _lock(actor.user_id):  # the question counts, and its confirmation runs, the hazards listed now
        stored, version = await _selection(state)
        selected = await services.office_batch.listed(actor, stored)
        if selected != stored:
            version += 1
            await state.update_data({_SELECTED: selected, _VERSION: version})
    if not selected:
        await query.answer(_("Nothing is selected: tick hazards first."), show_alert=True)
        return
    split = await services.office_batch.split(actor, selected)
    k, others = len(split[action]), len(selected) - len(split[action])
    if not k:
        await query.answer(_("None of the selected hazards awaits registration (挂账).") if action == Action.REGISTER
                           else _("None of the selected hazards awaits closure (销账)."), show_alert=True)
        return
    await query.answer()
    if action == Action.REGISTER:
        text = _("Register the {k} selected hazards in the ledger (挂账)? Each is checked again on its own; "
                 "those refused are listed with the reason.").format(k=k)
    else:
        text = _("Close the {k} selected hazards (销账)? Each is checked again on its own; those refused are "
                 "listed with the reason. Each closure records the note «{note}» and no photos; to add a "
                 "hazard's own note or photos, close it from its card.").format(
            k=k, note=q(BATCH_NOTES[Action.CLOSE].format(n=k)))
    if others:
        text += "\n" + (_("The other {m} selected await closure (销账): they are not registered, and stay "
                          "ticked.") if action == Action.REGISTER else
                        _("The other {m} selected await registration (挂账): they are not closed, and stay "
                          "ticked.")).format(m=others)
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("✅ Confirm"), callback_data=BatchCb(a="y" + callback_data.a, s=version).pack()),
        InlineKeyboardButton(text=_("« Back"), callback_data=BatchCb(a="m", n=callback_data.n).pack()),
    ]])
    await message_of(query).answer(text, reply_markup=keyboard)


async def confirm_batch(query: CallbackQuery, callback_data: BatchCb, actor: Actor, services: Services,
                        state: FSMContext) -> None:
    """The confirmation: run the batch for the selection it was asked for (else ask again) and answer what was
    done and what was refused. The ticks it acted on are cleared; those awaiting the other action stay ticked, to
    be registered or closed next (a ticked hazard no longer in the list is run, and refused by name)."""
    OfficeBatchService.check_actor(actor)
    action = _ACTIONS[callback_data.a[1:]]
    message = message_of(query)
    kept: list[int] = []
    async with _lock(actor.user_id):  # a second press must not run the batch again: the version moves on here
        selected, version = await _selection(state)
        fresh = bool(selected) and callback_data.s == version
        if fresh:
            split = await services.office_batch.split(actor, selected)
            other = next(a for a in split if a != action)
            kept = split[other]
            await state.update_data({_SELECTED: kept, _VERSION: version + 1})
    if not fresh:
        await query.answer(_("The selection changed since this question; look at it and confirm again."),
                           show_alert=True)
        await drop_keyboard(message)
        return
    await query.answer()
    await drop_keyboard(message)
    result = await services.office_batch.run(actor, action, [i for i in selected if i not in kept])
    text = result_text(result)
    if kept:
        text += "\n" + (_("{m} selected await closure (销账) and stay ticked: «☑️ Select a batch» shows them.")
                         if action == Action.REGISTER else
                         _("{m} selected await registration (挂账) and stay ticked: «☑️ Select a batch» shows them.")
                         ).format(m=len(kept))
    await message.answer(clip(text))


def result_text(result: BatchResult) -> str:
    """What a batch did: the hazards done, then those refused, each with its reason."""
    total = len(result.done) + len(result.refused)
    if result.action == Action.REGISTER:
        lines = [_("Registered {done} of {total}:").format(done=len(result.done), total=total)]
    else:
        lines = [_("Closed {done} of {total}:").format(done=len(result.done), total=total)]
    for o in result.done:
        lines.append(f"✅ {q(o.site_name)} — {q(o.ledger_number or o.draft_number)}")
    if result.refused:
        lines.append(_("Refused {count}:").format(count=len(result.refused)))
    for r in result.refused:
        name = f"{q(r.site_name)} — {q(r.number)}" if r.number else f"#{r.hazard_id}"
        lines.append("❌ " + _("{hazard}: {reason}").format(hazard=name, reason=error_text(r.error)))
    return clip("\n".join(lines))
