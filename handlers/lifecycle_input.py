"""Steps that need more than a press — a reason, a new deadline, the five implementations, evidence photos
or a document — asked one at a time in the conversation state (server side; the buttons carry no ids).
When the last step is answered, one service call does the work.

Operations and their steps:
reject (reason) · rectify (responsibility, measures, funds, deadline, contingency plan, evidence) ·
reinspect_pass (photos) · reinspect_fail / lookback_rebound / verify_fail (reason, deadline, photos).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Core, Services
from bot.domain import PhotoStage
from bot.forms.checks import Rejected, parse_date_answer, parse_decimal
from bot.forms.spec import FieldSpec
from bot.services.actors import Actor
from bot.services.errors import DomainError
from bot.services.lifecycle import Action, FiveImplementations, local_date
from bot.services.lifecycle_errors import EvidenceRequired
from bot.services.lifecycle_service import Document
from bot.services.transitions import Outcome
from handlers.hazard_callbacks import InputCb
from handlers.hazard_view import field_name, lifecycle_error, outcome_text
from handlers.lifecycle_common import card_markup, log
from handlers.media import fetch, is_image_message
from handlers.message_edits import ButtonMessage, message_of
from handlers.message_limits import LONG_TEXT_LIMIT, shorten
from handlers.texts import domain_error, q, rejection
from storage.images import NotAnImage

STEPS: dict[str, tuple[str, ...]] = {
    "reject": ("reason",),
    "plan": ("responsibility", "measures", "funds", "deadline", "contingency_plan"),
    "rectify": ("responsibility", "measures", "funds", "deadline", "contingency_plan", "evidence"),
    "reinspect_pass": ("photos",),
    "reinspect_fail": ("reason", "deadline", "photos"),
    "lookback_rebound": ("reason", "deadline", "photos"),
    "verify_fail": ("reason", "deadline", "photos"),
}
_STAGE = {"rectify": PhotoStage.ACCEPTANCE, "verify_fail": PhotoStage.VERIFICATION,
          "lookback_rebound": PhotoStage.INSPECTION}
TEXT_LIMITS = {"responsibility": 512, "measures": 4000, "contingency_plan": 4000, "reason": 2000}
# typed answers checked by the form engine's own rules (bot.forms.checks), as the hazard form checks its fields:
# funds in 万元 to one yuan, at most 1000亿元 (above any rectification, far below the BIGINT of its column)
_FUNDS = FieldSpec("funds", "decimal", "资金（万元）", "Funds (10k yuan)", min=0, max=10_000_000, scale=4,
                   unit="wan_yuan")
_DEADLINE = FieldSpec("deadline", "date", "整改时限", "Deadline", after_today=True)
_PLAN_KEYS = ("responsibility", "measures", "funds", "deadline", "contingency_plan")


# without Redis the conversation state lives in this one process (SqlStorage, MemoryStorage)
_LOCAL_ISOLATION = SimpleEventIsolation()


class LifecycleInput(StatesGroup):
    answering = State()
    # just done: photos still arriving (an album's last ones, or an album sent as Done was pressed)
    # are answered for ``LATE_WINDOW`` instead of reaching the forms as if nothing were open
    closed = State()


LATE_WINDOW = timedelta(minutes=2)


def closed_input_text() -> str:
    """Said to a press under questions that have ended (a double tap on Done, an old message)."""
    return _("That question is closed (answered, cancelled or timed out); this press changed "
             "nothing. Open the hazard with /find to see what was saved.")


async def close(state: FSMContext, now: datetime, data: dict[str, Any]) -> None:
    """End the questions. After an operation that took photos, ``handlers.lifecycle_late`` answers the
    photos that arrive just after; the others end at once."""
    if not any(step in ("photos", "evidence") for step in STEPS[data["op"]]):
        await state.clear()
        return
    await state.set_state(LifecycleInput.closed)
    await state.set_data({"closed_at": now.isoformat(), "albums": data.get("albums") or [], "told": []})


async def late_media(message: Message, state: FSMContext, now: datetime, *, form_open: bool = False) -> bool:
    """A photo that arrived after the questions ended (in ``LifecycleInput.closed``): not kept, and said
    so — once for an album, every time for a single photo. False (someone else answers it) for a file
    that is no image (a ledger or plan upload), for a new photo while a form is open (its answer), and
    once the window has passed (the state is then cleared)."""
    data = await state.get_data()
    closed_at = data.get("closed_at")
    if closed_at is None or now - datetime.fromisoformat(closed_at) > LATE_WINDOW:
        await state.clear()
        return False
    if not is_image_message(message):
        return False
    group = message.media_group_id
    if form_open and group not in data.get("albums", []):
        return False
    told = list(data.get("told") or [])
    if group and group in told:
        return True
    if group:
        await state.set_data({**data, "told": (told + [group])[-10:]})
    await message.answer(_("This arrived after Done was pressed, so it was not added to that record."))
    return True


def _asked(data: dict[str, Any]) -> str:
    """The question being asked, as its buttons name it: ``hazard.op.step`` (the verification check's id
    for ``verify_fail``), so a button of an earlier input of the same kind cannot answer this one."""
    return f"{data.get('hid') or data.get('vid') or 0}.{data['op']}.{data['steps'][0]}"


def _button(text: str, action: str, data: dict[str, Any]) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=InputCb(a=action, s=_asked(data)).pack())


def _prompt(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    step = data["steps"][0]
    cancel = _button(_("Cancel"), "cancel", data)
    if step == "reason":
        return _("Please give the reason:"), InlineKeyboardMarkup(inline_keyboard=[[cancel]])
    if step in ("evidence", "photos"):
        count = len(data["photos"]) + (1 if data.get("doc") else 0)
        text = (_("Send acceptance evidence: photos or a document (PDF, Word…), then press Done.")
                if step == "evidence" else _("Send photos of what you found, if any, then press Done."))
        if count:
            text += "\n" + _("Received so far: {count}.").format(count=count)
        return text, InlineKeyboardMarkup(inline_keyboard=[[_button(_("Done"), "done", data), cancel]])
    current = data.get("current", {}).get(step)
    if step == "deadline" and data["op"] not in ("rectify", "plan"):
        return _("New deadline, a date after today (e.g. 12月31日 or 2018-12-31):"), InlineKeyboardMarkup(inline_keyboard=[[cancel]])
    shown = shorten(current or "—", LONG_TEXT_LIMIT)  # measures and contingency plan: up to 4000
    text = _("{field} (current: {value}):").format(field=field_name(step), value=q(shown))
    if step == "funds":
        text += "\n" + _("In 10k yuan, e.g. 1.5")
    keep = _button(_("Keep as it is") if current else _("Skip"), "skip", data)
    return text, InlineKeyboardMarkup(inline_keyboard=[[keep, cancel]])


async def begin(state: FSMContext, message: ButtonMessage, op: str, *, hazard_id: int | None = None,
                verification_id: int | None = None, current: dict[str, str] | None = None) -> None:
    """Start asking the steps of ``op`` for a hazard (or a drawn verification check)."""
    data = {"op": op, "hid": hazard_id, "vid": verification_id, "steps": list(STEPS[op]), "answers": {},
            "photos": [], "doc": None, "current": current or {}}
    await state.set_state(LifecycleInput.answering)
    await state.set_data(data)
    text, keyboard = _prompt(data)
    await message.answer(text, reply_markup=keyboard)


def _parse(step: str, text: str, today: date) -> tuple[Any, str | None]:
    """(value, error text) for a typed answer."""
    text = text.strip()
    try:
        if step == "deadline":
            return parse_date_answer(_DEADLINE, text, today), None
        if step == "funds":
            return parse_decimal(_FUNDS, text, {}), None
    except Rejected as rejected:
        return None, rejection(rejected.code, rejected.params)
    if not text:
        return None, _("Please give the reason:")
    limit = TEXT_LIMITS.get(step, 2000)
    if len(text) > limit:
        return None, _("That is too long ({length} characters); at most {max}, please.").format(
            length=len(text), max=limit)
    return text, None


async def _ask_again(message: ButtonMessage, data: dict[str, Any], error: str) -> None:
    """A wrong answer: say why, then the same question with its buttons (nothing entered is lost)."""
    text, keyboard = _prompt(data)
    await message.answer(f"⚠️ {error}\n{text}", reply_markup=keyboard)


def locked(state: FSMContext) -> Any:
    """This chat's answers, one update at a time: Telegram sends an album as separate updates, handled
    concurrently (on several instances with Redis), and each adds to the same list of photos."""
    storage = state.storage
    isolation = storage.create_isolation() if isinstance(storage, RedisStorage) else _LOCAL_ISOLATION
    return isolation.lock(state.key)


async def _refuse(message: Message, state: FSMContext, data: dict[str, Any], error: str) -> None:
    """``_ask_again``, once per album: each of its photos is a separate update."""
    group = message.media_group_id
    if group:
        refused = list(data.get("refused_albums") or [])
        if group in refused:
            return
        data["refused_albums"] = (refused + [group])[-10:]
        await state.set_data(data)
    await _ask_again(message, data, error)


async def _advance(message: ButtonMessage, state: FSMContext, data: dict[str, Any], actor: Actor, core: Core,
                   bot: Bot, note: str | None = None) -> None:
    """``note``: a line said before what comes next (the count of an album's photos)."""
    data["steps"] = data["steps"][1:]
    lead = f"{note}\n" if note else ""
    if data["steps"]:
        await state.set_data(data)
        text, keyboard = _prompt(data)
        await message.answer(lead + text, reply_markup=keyboard)
        return
    # cleared only once the work is done: the answers are stored (without Redis, in the database),
    # so a process that dies before the commit leaves them for the user's next try on a new process
    try:
        outcome = await _execute(data, actor, core.services, local_date(core.clock()))
    except DomainError as exc:
        await state.clear()  # nothing was recorded: no "not added to that record" for photos after this
        await message.answer(lifecycle_error(exc))
        return
    await close(state, core.clock(), data)
    # e.g. after 挂账 was refused for them, the card's buttons come with the answer: 确认挂账 again
    markup = await card_markup(core.services, actor, outcome.hazard_id) if outcome.action == Action.SET_PLAN else None
    await message.answer(lead + outcome_text(outcome), reply_markup=markup)  # the service queued the notices


async def _execute(data: dict[str, Any], actor: Actor, services: Services, today: date) -> Outcome:
    op, hid, answers, photos = data["op"], data["hid"], data["answers"], data["photos"]
    reason = answers.get("reason")
    deadline = date.fromisoformat(answers["deadline"]) if answers.get("deadline") else None
    life = services.lifecycle
    if op == "reject":
        return await life.reject(actor, hid, reason)
    plan = FiveImplementations(
        answers.get("responsibility"), answers.get("measures"),
        Decimal(answers["funds"]) if answers.get("funds") else None, deadline, answers.get("contingency_plan"),
    )
    if op == "plan":
        return await life.set_plan(actor, hid, plan)
    if op == "rectify":
        doc = Document(*data["doc"]) if data.get("doc") else None
        return await life.report_rectification(actor, hid, plan, photo_ids=photos, document=doc)
    if op == "reinspect_pass":
        return await life.reinspect(actor, hid, today, passed=True, photo_ids=photos)
    if op == "reinspect_fail":
        return await life.reinspect(actor, hid, today, passed=False, photo_ids=photos, new_deadline=deadline,
                                    note=reason)
    if op == "lookback_rebound":
        return await life.lookback(actor, hid, today, rebound=True, photo_ids=photos, new_deadline=deadline,
                                   note=reason)
    if op == "verify_fail":
        return await services.verification.record(actor, data["vid"], passed=False, note=reason,
                                                  photo_ids=photos, new_deadline=deadline)
    raise AssertionError(op)


async def _keep_photo(bot: Bot, services: Services, actor: Actor, data: dict[str, Any],
                      file_id: str, file_unique_id: str, size: int | None, *, as_document: bool) -> int | None:
    """Download an image for the step and record it; its photo id. A file that might have been an image
    but whose bytes are none (a PDF with no type or name) is ``None`` when the step takes documents
    (``as_document``), else refused (``NotAnImage``)."""
    try:
        stored = await services.photos.keep_original(await fetch(bot, file_id, size))
    except NotAnImage:
        if as_document:
            return None
        raise
    stage = _STAGE.get(data["op"], PhotoStage.REINSPECTION)
    return await services.lifecycle.add_photo(actor, stored, file_id, file_unique_id, stage, hazard_id=data.get("hid"))


async def _one_at_a_time(handler: Callable[[Any, dict[str, Any]], Awaitable[Any]], event: Message | CallbackQuery,
                         data: dict[str, Any]) -> Any:
    """Every handler of this router runs under the chat's lock (``locked``), and only while the
    questions are still open: the state the router's filter saw may have been ended, or moved on, by
    an update of the same chat handled meanwhile (an album's photos, a double tap, a typed answer)."""
    state: FSMContext = data["state"]
    async with locked(state):
        if await state.get_state() == LifecycleInput.answering.state:
            return await handler(event, data)
        if isinstance(event, CallbackQuery):  # a double tap on Done: the first one did the work
            await event.answer(closed_input_text(), show_alert=True)
            return None
        if (event.photo or event.document) and await late_media(event, state, data["core"].clock()):
            return None
    raise SkipHandler()


def router() -> Router:
    r = Router(name="lifecycle_input")
    # StateFilter (async) rather than the bare State (a sync callable aiogram would run in a thread)
    r.message.filter(F.chat.type == "private", StateFilter(LifecycleInput.answering))
    r.callback_query.filter(StateFilter(LifecycleInput.answering))
    r.message.middleware(_one_at_a_time)
    r.callback_query.middleware(_one_at_a_time)

    @r.message(Command("cancel"))
    async def cancel(message: Message, state: FSMContext) -> None:
        await state.clear()
        await message.answer(_("Cancelled; nothing was changed."))

    @r.message(F.text.startswith("/"))
    async def other_command(message: Message, state: FSMContext) -> None:
        # another command ends the questions (nothing was changed yet) and is handled as usual; said,
        # so that nobody later looks for answers they typed before it
        data = await state.get_data()
        await state.clear()
        if data.get("answers") or data.get("photos") or data.get("doc"):
            await message.answer(_("The questions you were answering have stopped; what you entered was not saved."))
        raise SkipHandler()

    @r.message(F.text & ~F.text.startswith("/"))
    async def answer(message: Message, state: FSMContext, actor: Actor, bot: Bot, core: Core) -> None:
        data = await state.get_data()
        step = data["steps"][0]
        if step in ("evidence", "photos"):
            await _ask_again(message, data, _("Photos or a document are expected here; press Done when finished."))
            return
        value, error = _parse(step, message.text or "", local_date(core.clock()))
        if error:
            await _ask_again(message, data, error)
            return
        data["answers"][step] = value
        await _advance(message, state, data, actor, core, bot)

    @r.message(F.photo | F.document)
    async def evidence(message: Message, state: FSMContext, actor: Actor, services: Services, bot: Bot) -> None:
        data = await state.get_data()
        step = data["steps"][0]
        if step not in ("evidence", "photos"):
            await _refuse(message, state, data, _("Please answer the question first."))
            return
        doc = message.document
        photo_id = None
        if is_image_message(message):
            file = message.photo[-1] if message.photo else doc
            assert file is not None
            try:
                photo_id = await _keep_photo(bot, services, actor, data, file.file_id, file.file_unique_id,
                                             file.file_size, as_document=step == "evidence" and doc is not None)
            except DomainError as exc:
                await message.answer(domain_error(exc.code, exc.params))
                return
        if photo_id is not None:
            data["photos"].append(photo_id)
        else:
            if step != "evidence" or doc is None:
                await _refuse(message, state, data, _("Photos are expected here."))
                return
            if data.get("doc"):  # the rectification report takes one document (Document)
                await _refuse(message, state, data, _(
                    "Only one document can be attached; the first one ({name}) is kept. Photos may be added."
                ).format(name=q(data["doc"][1])))
                return
            data["doc"] = [doc.file_id, doc.file_name or "document"]
        group = message.media_group_id
        albums = list(data.get("albums") or [])
        if group:
            if group in albums:  # one reply per album: the count is given when Done is pressed
                await state.set_data(data)
                return
            data["albums"] = (albums + [group])[-10:]
        await state.set_data(data)
        count = len(data["photos"]) + (1 if data.get("doc") else 0)
        text = (_("Receiving the album… Press Done when all photos have arrived.") if group
                else _("Received ({count}). Send more, or press Done.").format(count=count))
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[_button(_("Done"), "done", data)]]))

    @r.message(~F.text)
    async def other_content(message: Message, state: FSMContext) -> None:
        # a video, voice, sticker… while answering: the same question again, not the forms' "no open form"
        data = await state.get_data()
        if not data.get("steps"):
            raise SkipHandler()
        step = data["steps"][0]
        expected = _("Photos or a document are expected here; press Done when finished.") if step in (
            "evidence", "photos") else _("Please answer the question first.")
        await _refuse(message, state, data, expected)

    @r.callback_query(InputCb.filter())
    async def button(query: CallbackQuery, callback_data: InputCb, state: FSMContext, actor: Actor,
                     core: Core, bot: Bot) -> None:
        message = message_of(query)
        data = await state.get_data()
        step = data["steps"][0]
        if callback_data.a != "cancel" and callback_data.s != _asked(data):  # under an earlier question
            await query.answer(domain_error("stale_action", {}))
            text, keyboard = _prompt(data)
            await message.answer(text, reply_markup=keyboard)
            return
        await query.answer()
        if callback_data.a == "cancel":
            await state.clear()
            await message.answer(_("Cancelled; nothing was changed."))
            return
        if callback_data.a == "done" and step in ("evidence", "photos"):
            if step == "evidence" and not data["photos"] and not data.get("doc"):
                await message.answer(lifecycle_error(EvidenceRequired()))
                return
            count = len(data["photos"]) + (1 if data.get("doc") else 0)
            note = _("Received: {count}.").format(count=count) if data.get("albums") else None
            await _advance(message, state, data, actor, core, bot, note)
            return
        if callback_data.a == "skip" and step in _PLAN_KEYS:
            await _advance(message, state, data, actor, core, bot)
            return
        log.info("input button %r does not fit step %s", callback_data.a, step)
        text, keyboard = _prompt(data)
        await message.answer(text, reply_markup=keyboard)

    return r
