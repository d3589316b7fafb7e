"""/find by any field (issue 16): typed words (``/find 超期 重大 重点消防 建外街道``) or the filter card's buttons
build one ``hazard_filter.Filter``; the result pages (pager view ``fd``), opens any case and exports as 附件2.

A button carries no filter (64 bytes): each filter the person built is kept in the conversation state under a
short token (the last ``KEPT`` of them, so an older result message still pages through its own filter), and a
press re-reads the hazards as they are now, within the presser's scope as it is now (the services check)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatAction
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, FSInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.services import hazard_filter as hf
from bot.services.actors import Actor
from bot.services.errors import NotFound
from bot.services.paging import PAGE_SIZE
from handlers.errors import OnRefusal
from handlers.find_view import (
    VIEW,
    card_keyboard,
    card_text,
    choice_keyboard,
    criterion_name,
    result_keyboard,
    result_text,
    state_filter_name,
    typing_prompt,
    unit_note,
)
from handlers.hazard_callbacks import FindCb
from handlers.message_edits import ButtonMessage, message_of, show_in_place
from handlers.message_limits import clip
from handlers.paging import PageCb
from storage.registry import departments, registry, townships

STATE_KEY = "find_filters"
KEPT = 20
TOKEN_LENGTH = 10  # 6 random hex characters and the owner's tag (4); older tokens had 8 random ones
TYPED = ("deadline", "registered", "text")  # criteria typed after their button, not chosen from buttons
SUBTYPE_BASE = 100  # a type button's value: category × 100 + subtype number (+1; 0 = the whole category)


class FindStates(StatesGroup):
    """The state of a ``/find`` card waiting for a criterion typed as text."""

    typing = State()  # a criterion's value awaited as text (``TYPED``)


def owner_tag(user_id: int) -> str:
    """The last 4 characters of a token ``keep`` gives to Telegram user ``user_id``'s filters: a press of a token
    not kept can tell another person's list (another tag) from one's own that is gone. Not a secret (the
    tokens are in the person's own state); two people share a tag once in 65,536 pairs, and are then told
    "no longer kept"."""
    return hashlib.blake2b(str(user_id).encode(), digest_size=2, person=b"hazardbot-find").hexdigest()


async def keep(state: FSMContext, f: hf.Filter) -> str:
    """Keep ``f`` in the conversation state; its token for the buttons (random, then ``owner_tag``)."""
    kept = dict((await state.get_data()).get(STATE_KEY) or {})
    token = secrets.token_hex(3) + owner_tag(state.key.user_id)
    kept[token] = f.to_data()
    await state.update_data({STATE_KEY: dict(list(kept.items())[-KEPT:])})
    return token


async def kept(state: FSMContext, token: str) -> hf.Filter:
    """The filter kept under ``token``. Raises ``FilterNotYours`` for a token made for someone else (a result
    forwarded to, or pressed by, another person: nothing of it is told), ``FilterGone`` when it is gone (an old
    message, after a restart without stored state) or cannot be read."""
    data = (await state.get_data()).get(STATE_KEY) or {}
    try:
        return hf.Filter.from_data(dict(data[token]))
    except (KeyError, TypeError, ValueError) as exc:
        if token not in data and len(token) == TOKEN_LENGTH and token[-4:] != owner_tag(state.key.user_id):
            raise hf.FilterNotYours() from exc
        raise hf.FilterGone() from exc


async def _card(target: ButtonMessage, f: hf.Filter, token: str, actor: Actor, services: Services, *,
                edit: bool) -> None:
    total = (await services.search.page(actor, f, 0, size=1)).total
    rejected = await services.search.rejected_apart(actor, f)
    text, keyboard = card_text(f, total, rejected), card_keyboard(f, token, total)
    if edit:
        await show_in_place(target, text, keyboard)
    else:
        await target.answer(text, reply_markup=keyboard)


async def _results(target: ButtonMessage, f: hf.Filter, token: str, number: int, actor: Actor, services: Services,
                   *, edit: bool, note: str | None = None) -> None:
    page = await services.search.page(actor, f, number, PAGE_SIZE)
    text = result_text(f, page, await services.search.rejected_apart(actor, f), note)
    keyboard = result_keyboard(page, token)
    if edit:
        await show_in_place(target, text, keyboard)
    else:
        await target.answer(text, reply_markup=keyboard)


async def find(message: Message, command: CommandObject, state: FSMContext, actor: Actor, services: Services,
               on_refusal: OnRefusal, bot: Bot) -> None:
    """``/find`` alone: the filter card. ``/find WORDS``: the hazards the words select (``hazard_filter``), in
    the sender's scope; with ``xlsx`` among them (``hazard_filter.export_asked``) as the 附件2 file instead. A
    bare word that no hazard holds but names a unit is read as that unit, one resembling units names them
    (``SearchService.unit_reading``).
    Raises ``FilterWordsUnknown`` (told with how to write them), ``FilterContradicts``, ``NotBound``."""
    await _leave_typing(state)
    if not command.args:
        await _card(message, hf.Filter(), await keep(state, hf.Filter()), actor, services, edit=False)
        return
    on_refusal.answer = lambda text: message.answer(clip(text + "\n" + _words_help()))
    words, export = hf.export_asked(command.args)
    f = hf.parse(words)
    # a bare word no hazard holds may be a unit's name (/find 应急, /find 安监): read or suggested as /status does
    reading = await services.search.unit_reading(actor, f) if hf.bare_text(words) else None
    note = unit_note(reading) if reading is not None else None
    f = reading.read_as if reading is not None and reading.read_as is not None else f
    if export:
        if note:
            await message.answer(note)
        await _export(message, bot, f, actor, services)
        return
    await _results(message, f, await keep(state, f), 0, actor, services, edit=False, note=note)


def _words_help() -> str:
    return _("Words /find knows: 超期 (overdue), 督办 (supervised), 重大 / 一般, 检查 / 举报 / 来源:其他, a state "
             "(已挂账, 已销账, 未销账 …), a township or department (建外街道, 房管局), a hazard type (重点消防, "
             "老旧小区), a date range 2026-11-01..2026-11-30 (the deadline; 上账 2026-11 for the registration "
             "date), and one word of a number, site name or address (文字:… for any text); add xlsx for the Annex 2 "
             "file of the result. Send /find alone for buttons.")


async def _leave_typing(state: FSMContext) -> None:
    if await state.get_state() == FindStates.typing.state:
        await state.set_state(None)


async def page(query: CallbackQuery, callback_data: PageCb, state: FSMContext, actor: Actor,
               services: Services) -> None:
    """The pager under a result: page ``n`` of the filter ``k``, re-read now."""
    f = await kept(state, callback_data.k)
    await query.answer()
    await _results(message_of(query), f, callback_data.k, callback_data.n, actor, services, edit=True)


def _unit_options(township: bool) -> list[tuple[int, str]]:
    units = townships() if township else departments()
    index = {u.code: i for i, u in enumerate(registry())}
    return [(index[u.code], u.name) for u in units]


def _options(key: str, value: int) -> tuple[list[tuple[str, int, str]], int]:
    """The buttons for ``add`` of criterion ``key``: (``add`` to open a sub-list or ``set``, value, label), and
    how many per row. ``value`` picks the sub-list of the two-step ones (unit kind; category). Raises
    ``NotFound`` for a list no button offers."""
    try:
        if key == "unit":
            if value == 0:
                return [("add", 1, _("townships")), ("add", 2, _("departments"))], 2
            return [("set", i, name) for i, name in _unit_options({1: True, 2: False}[value])], 3
        if key == "type":
            cats = list(hf.type_names())
            if value == 0:
                return [("add", i + 1, name) for i, (name, _subs) in enumerate(cats)], 2
            name, subs = cats[value - 1]
            return [("set", value * SUBTYPE_BASE, _("all of {category}").format(category=name)),
                    *[("set", value * SUBTYPE_BASE + j + 1, s) for j, s in enumerate(subs)]], 2
    except (KeyError, IndexError):
        raise NotFound(what="find_criterion") from None
    if key == "state":  # in the reader's language, as the card names states
        return [("set", i, state_filter_name(v)) for i, (v, _label) in enumerate(hf.choices(key))], 2
    if key in ("level", "source"):  # the annex's own values
        return [("set", i, label) for i, (_v, label) in enumerate(hf.choices(key))], 2
    raise NotFound(what="find_criterion")


def _chosen(f: hf.Filter, key: str, value: int) -> hf.Filter | None:
    """``f`` with criterion ``key`` set to button value ``value``; ``None`` when the value opens a sub-list
    (a unit kind, a category's subtypes). Raises ``NotFound`` for a value no button offers (forged)."""
    try:
        if key == "unit":
            return replace(f, unit=registry()[value].code)
        if key == "type":
            cats = list(hf.type_names())
            category, sub = divmod(value, SUBTYPE_BASE)
            if category < 1:
                raise IndexError
            name, subs = cats[category - 1]
            return replace(f, category=name, subtype=subs[sub - 1] if sub else None)
        if key in ("level", "source", "state"):
            values: dict[str, Any] = {key: hf.choices(key)[value][0]}
            return replace(f, **values)
    except IndexError:
        pass
    raise NotFound(what="find_criterion")


async def button(query: CallbackQuery, callback_data: FindCb, state: FSMContext, actor: Actor, services: Services,
                 bot: Bot) -> None:
    """A press on the filter card or under a result (``FindCb``)."""
    cb = callback_data
    await _leave_typing(state)  # another button: the value asked for is no longer awaited
    f = await kept(state, cb.k)
    message = message_of(query)
    if cb.a == "xls":
        await query.answer()
        await _export(message, bot, f, actor, services)
        return
    if cb.a == "go":
        await query.answer()
        await _results(message, f, cb.k, 0, actor, services, edit=True)
        return
    if cb.c and cb.c not in hf.CRITERIA:
        raise NotFound(what="find_criterion")
    changed: hf.Filter | None = None
    if cb.a == "card":
        changed = f
    elif cb.a == "clr":
        changed = hf.Filter()
    elif cb.a == "del" and cb.c:
        changed = f.without(cb.c)
    elif cb.a == "add" and cb.c in ("overdue", "supervised"):
        flag: dict[str, Any] = {cb.c: True}
        changed = replace(f, **flag)
    elif cb.a == "add" and cb.c in TYPED:
        await query.answer()
        await state.set_state(FindStates.typing)
        await state.update_data(find_typing={"k": cb.k, "c": cb.c})
        await message.answer(typing_prompt(cb.c))
        return
    elif cb.a == "add" and cb.c:
        options, per_row = _options(cb.c, cb.v)
        await query.answer()
        await show_in_place(message, _("Choose the {criterion}:").format(criterion=criterion_name(cb.c)),
                            choice_keyboard(cb.c, cb.k, options, per_row))
        return
    elif cb.a == "set" and cb.c:
        changed = _chosen(f, cb.c, cb.v)
    if changed is None:
        raise NotFound(what="find_criterion")
    await query.answer()
    await _card(message, changed, cb.k if changed == f else await keep(state, changed), actor, services, edit=True)


async def typed(message: Message, state: FSMContext, actor: Actor, services: Services,
                on_refusal: OnRefusal, locale: str) -> None:
    """The typed value of a ``TYPED`` criterion; a value not understood is told and asked for again."""
    if (await services.forms.current(actor, locale)).kind != "none":
        await state.set_state(None)  # a form was opened meanwhile: the text answers its question
        raise SkipHandler()
    pending: dict[str, Any] = dict((await state.get_data()).get("find_typing") or {})
    key = str(pending.get("c", ""))
    try:
        f = await kept(state, str(pending.get("k", "")))
        if key not in TYPED:
            raise hf.FilterGone()
    except hf.FilterGone:
        await state.set_state(None)
        raise
    on_refusal.answer = lambda text: message.answer(clip(text + "\n" + typing_prompt(key)))
    words = (message.text or "").strip()
    if key == "text":
        changed = replace(f.without("text"), text=value) if (value := hf.text_value(words)) else f
    else:
        changed = hf.parse_range(key, words, f)
    await state.set_state(None)
    await _card(message, changed, await keep(state, changed), actor, services, edit=False)


async def cancel_typing(message: Message, state: FSMContext) -> None:
    """``/cancel`` while a criterion is awaited: nothing added."""
    await state.set_state(None)
    await message.answer(_("Nothing added. /find shows your filter again."))


async def _export(message: ButtonMessage, bot: Bot, f: hf.Filter, actor: Actor, services: Services) -> None:
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    async with services.search.export(actor, f) as result:
        if result.path is None:  # an empty ledger is no answer: say why there is no file
            if result.found:
                await message.answer(_("{n} hazards match, but none of them is on the ledger yet (in review or "
                                       "rejected): there is no Annex 2 file to send.").format(n=result.found))
            else:
                await message.answer(_("No hazard in your scope matches: there is no file to send."))
            return
        caption = _("{rows} rows in the layout of Annex 2.").format(rows=result.rows)
        if result.found > result.rows:  # one text, so the Chinese sentences join without a space
            caption = _("{rows} rows in the layout of Annex 2. {n} of the hazards found are not on the ledger yet "
                        "(in review or rejected) and are not in it.").format(rows=result.rows,
                                                                            n=result.found - result.rows)
        await message.answer_document(FSInputFile(result.path, result.filename), caption=caption)


def register(r: Router) -> None:
    """Add /find's commands and buttons to the find router (the typed values: ``handlers.find_typing``)."""
    r.message.register(cancel_typing, StateFilter(FindStates.typing), Command("cancel"))
    r.message.register(find, Command("find"))
    r.callback_query.register(page, PageCb.filter(F.v == VIEW))
    r.callback_query.register(button, FindCb.filter())
