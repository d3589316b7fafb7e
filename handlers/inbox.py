"""``/submissions``: the district office's inbox of what units submit (issue 16 item 5; 方案 五(二), 四(四)) —
by month, unit and kind, with the units late with what the month owes; opening one shows its text and sends
its files back unchanged; the office marks a typical case and publishes it; a month's export as zip.

Buttons: ``sb:<action>:<filter key>:<id>:<n>`` (``InboxCb``); the list's pages go through the shared pager
(``handlers.paging``, view ``sb``, the filter key in ``k``). Every press is checked again by the service."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.services.actors import Actor
from bot.services.inbox import (
    YEARS,
    InboxFilter,
    Listing,
    SubmissionLine,
    SubmissionView,
    typical_case_notice,
)
from bot.services.inbox_export import export_part, plan_export
from handlers.callbacks import Num
from handlers.message_edits import ButtonMessage, message_of, show_in_place
from handlers.message_limits import clip, shorten, utf16_len
from handlers.paging import PageCb, pager_row
from handlers.private import private_router
from handlers.reminders import kind_name
from handlers.summaries import unit_names
from handlers.texts import file_size, listed, localized, q

VIEW = "sb"
UNITS_PER_PAGE = 40
BODY_CHUNK = 2000  # characters: at most 4000 UTF-16 units even if every one is an emoji
TEXT_ROOM = 3800  # UTF-16 units of the card and a short text sent as one message (Telegram: 4096)


class InboxCb(CallbackData, prefix="sb"):
    """``a``: ``f`` show the list of filter ``k``; ``u`` pick a unit (page ``n``); ``o`` open submission ``i``;
    ``t`` mark it a typical case; ``P`` publish it; ``x`` export the list of ``k``."""

    a: str
    k: str = ""
    i: Num = 0
    n: Num = 0


def short_kind(kind: str | None) -> str:
    """The short name of a submission kind for the filter buttons (None: all kinds)."""
    return {
        None: _("all kinds"),
        "work_info": _("work information"),
        "summary": _("quarterly summary"),
        "lookback_report": _("lookback report"),
        "implementation_plan": _("implementation plan"),
        "plan": _("annual plan"),
    }.get(kind, kind or "")


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _line(n: int, s: SubmissionLine) -> str:
    marks = (f" · 📎{s.files}" if s.files else "") + (" · ⭐" if s.typical else "")
    return f"{n}. <b>{q(s.unit_name)}</b> · {q(kind_name(s.kind))} · {_when(s.submitted_at)} · {q(s.title)}{marks}"


def listing_text(listing: Listing) -> str:
    """The list as one message: the filter, the page of submissions, the units late with what the month owes."""
    flt, page = listing.filter, listing.page
    head = _("<b>Submissions · {period}</b> · {kind} · {unit}").format(
        period=flt.period, kind=short_kind(flt.kind), unit=q(listing.unit_name) if listing.unit_name else _("all units"))
    lines = [head, _("{total} submissions.").format(total=page.total) if page.total else _("Nothing was submitted.")]
    lines += [_line(page.first_index + i, s) for i, s in enumerate(page.items)]
    for late in listing.late:
        owed = late.owed
        state = _("past due") if late.overdue else _("not yet due")
        if not late.units:
            lines.append(_("✅ {unit} has sent its {kind} for {period}.").format(
                unit=q(listing.unit_name), kind=kind_name(owed.kind), period=owed.period) if listing.unit_name else
                _("✅ Every unit has sent its {kind} for {period}.").format(kind=kind_name(owed.kind), period=owed.period))
            continue
        began, fresh = listing.began(late), listing.fresh(late)
        lines.append("")
        if began:
            lines.append(_("⚠️ Not sent: {kind} for {period} (due {due}, {state}) — {n} units:").format(
                kind=kind_name(owed.kind), period=owed.period, due=owed.due.isoformat(), state=state, n=len(began)))
            lines.append(listed(q(name) for _id, name in began))
        if fresh:  # counted apart, as /status does: they have not begun, rather than fallen behind
            # the same units and words as /status: a unit not started is one with duties (``UnitLine.not_started``),
            # and those owe every report
            lines.append(_("Units not started yet (nothing recorded or reported): {count}{names}").format(
                count=len(fresh), names=unit_names([name for _id, name in fresh])))
    return clip("\n".join(lines))


def listing_keyboard(listing: Listing) -> InlineKeyboardMarkup:
    """The inbox page's buttons: one per submission, the pager, the kind filter, the unit filter and the
    previous and next months."""
    flt, page = listing.filter, listing.page
    rows: list[list[InlineKeyboardButton]] = [
        [InlineKeyboardButton(text=shorten(f"{page.first_index + i}. {s.unit_name} {s.title}", 60),
                              callback_data=InboxCb(a="o", i=s.id).pack())]
        for i, s in enumerate(page.items)
    ]
    pager = pager_row(page, VIEW, flt.key)  # type: ignore[arg-type]
    if pager:
        rows.append(pager)
    kinds: list[str | None] = [None, "work_info", "summary", "lookback_report", "implementation_plan"]
    rows.append([InlineKeyboardButton(text=("✓" if flt.kind == k else "") + short_kind(k),
                                      callback_data=InboxCb(a="f", k=InboxFilter(flt.year, flt.month, k, flt.unit_id).key).pack())
                 for k in kinds])
    prev, nxt = flt.shifted(-1), flt.shifted(1)
    unit = (InlineKeyboardButton(text=_("all units"), callback_data=InboxCb(a="f", k=InboxFilter(
        flt.year, flt.month, flt.kind).key).pack()) if flt.unit_id is not None
        else InlineKeyboardButton(text=_("by unit"), callback_data=InboxCb(a="u", k=flt.key).pack()))
    months = [InlineKeyboardButton(text=f"◀ {prev.period}", callback_data=InboxCb(a="f", k=prev.key).pack()), unit,
              InlineKeyboardButton(text=f"{nxt.period} ▶", callback_data=InboxCb(a="f", k=nxt.key).pack())]
    rows.append([b for b, f in zip(months, (prev, flt, nxt), strict=True) if f.year in YEARS])
    if page.total:
        rows.append([InlineKeyboardButton(text=_("Export as zip (index + files)"),
                                          callback_data=InboxCb(a="x", k=flt.key).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def submissions(message: Message, command: CommandObject, actor: Actor, services: Services) -> None:
    """``/submissions [month] [kind] [unit]`` (office, admins, district leaders read-only): the inbox. Raises ``NotOffice``, ``UnknownUnit``."""
    flt = await services.inbox.parse_query(actor, command.args or "")
    listing = await services.inbox.listing(actor, flt)
    await message.answer(listing_text(listing), reply_markup=listing_keyboard(listing))


async def _show(target: ButtonMessage, actor: Actor, services: Services, flt: InboxFilter, page: int) -> None:
    listing = await services.inbox.listing(actor, flt, page)
    await show_in_place(target, listing_text(listing), listing_keyboard(listing))


async def paged(query: CallbackQuery, callback_data: PageCb, actor: Actor, services: Services) -> None:
    """A pager button under the inbox: that page of the list as it is now."""
    flt = InboxFilter.parse(callback_data.k)
    await query.answer()
    await _show(message_of(query), actor, services, flt, callback_data.n)


def view_text(view: SubmissionView) -> str:
    """A submission (HTML, user text escaped): unit, kind, period, when and by whom, typical case, files."""
    lines = [_("<b>{unit} · {kind} · {period}</b>").format(unit=q(view.unit_name), kind=q(kind_name(view.kind)),
                                                              period=q(view.period)),
             _("Submitted {when} by {who}").format(when=_when(view.submitted_at), who=q(view.submitted_by or "?"))]
    if view.published_at is not None:
        lines.append(_("⭐ Typical case, published to every unit's contacts"))
    elif view.typical:
        lines.append(_("⭐ Typical case (not published yet)"))
    if view.files:
        lines.append(_("Files:"))
        for i, f in enumerate(view.files, start=1):
            if f.stored:
                lines.append(f"{i}. {q(f.name)} ({file_size(f.size)})")
            else:
                lines.append(_("{n}. {name}: not yet stored — sent before the bot kept files, only a Telegram "
                               "reference remains and it cannot be fetched here").format(
                    n=i, name=q(f.name or (_("photo") if f.role == "photo" else _("file")))))
    return "\n".join(lines)


def view_keyboard(view: SubmissionView, office: bool, reader: bool = True) -> InlineKeyboardMarkup | None:
    """The office's buttons (mark, publish) when ``office``; back to the list for whoever reads it (``reader``)."""
    if not reader:
        return None
    at = view.submitted_at
    rows = []
    if office and not view.typical:
        rows.append([InlineKeyboardButton(text=_("Mark as typical case"), callback_data=InboxCb(a="t", i=view.id).pack())])
    elif office and view.published_at is None:
        rows.append([InlineKeyboardButton(text=_("Publish to every unit's contacts"),
                                          callback_data=InboxCb(a="P", i=view.id).pack())])
    rows.append([InlineKeyboardButton(text=_("◀ back to the list"), callback_data=InboxCb(
        a="f", k=InboxFilter(at.year, at.month, None, view.unit_id).key).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _send_view(target: ButtonMessage, actor: Actor, services: Services, view: SubmissionView) -> None:
    """The submission's card and whole text (in as many messages as Telegram's limit needs, nothing cut), then
    its stored files, each sent as a document so that its bytes arrive unchanged."""
    office, reader = services.inbox.writes(actor), services.inbox.reads_all(actor)
    body = view.text or _("(no text)")
    messages = [view_text(view)] + [q(body[i:i + BODY_CHUNK]) for i in range(0, len(body), BODY_CHUNK)]
    if len(messages) == 2 and utf16_len(messages[0]) + utf16_len(messages[1]) < TEXT_ROOM:
        messages = [messages[0] + "\n\n" + messages[1]]
    for n, words in enumerate(messages, start=1):
        await target.answer(clip(words), reply_markup=view_keyboard(view, office, reader) if n == len(messages) else None)
    for f, data in await services.inbox.file_bytes(view):
        await target.answer_document(BufferedInputFile(data, filename=f.name))


async def pressed(query: CallbackQuery, callback_data: InboxCb, actor: Actor, services: Services) -> None:
    """Any inbox button. Raises ``NotOffice``, ``NotFound``, ``NotTypical``, ``NothingToExport``,
    ``ExportTooBig``."""
    a, target = callback_data.a, message_of(query)
    if a == "f":
        await query.answer()
        await _show(target, actor, services, InboxFilter.parse(callback_data.k), 0)
    elif a == "u":
        await _units(query, actor, services, InboxFilter.parse(callback_data.k), callback_data.n)
    elif a == "o":
        view = await services.inbox.open(actor, callback_data.i)
        await query.answer()
        await _send_view(target, actor, services, view)
    elif a == "t":
        view = await services.inbox.mark_typical(actor, callback_data.i)
        await query.answer(_("Marked as a typical case."))
        await target.answer(view_text(view), reply_markup=view_keyboard(view, True))
    elif a == "P":
        view = await services.inbox.open(actor, callback_data.i)
        count = await services.inbox.publish(actor, callback_data.i, InboxCb(a="o", i=callback_data.i).pack())
        await query.answer()
        preview = localized(typical_case_notice, view.unit_name, view.kind, view.period, view.text,
                            sum(1 for f in view.files if f.stored))
        if view.published_at is None:
            head = _("Published to {n} contacts through the outbox:").format(n=count)
        else:  # a second press (or an old message's button): no one receives it twice
            head = _("This typical case was already published on {when}; now sent to {n} more contacts who had "
                     "not received it.").format(when=_when(view.published_at.astimezone(view.submitted_at.tzinfo)),
                                                n=count)
        await target.answer(clip(head + "\n\n" + preview))
    elif a == "x":
        await _export(query, actor, services, InboxFilter.parse(callback_data.k))
    else:
        await query.answer()


async def _units(query: CallbackQuery, actor: Actor, services: Services, flt: InboxFilter, page: int) -> None:
    units = await services.inbox.units_in(actor, flt)
    await query.answer()
    start = min(page, max(0, (len(units) - 1) // UNITS_PER_PAGE)) * UNITS_PER_PAGE
    shown = units[start:start + UNITS_PER_PAGE]
    buttons = [InlineKeyboardButton(text=f"{name} ({n})", callback_data=InboxCb(
        a="f", k=InboxFilter(flt.year, flt.month, flt.kind, uid).key).pack()) for uid, name, n in shown]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if start:
        nav.append(InlineKeyboardButton(text=_("◀ previous"), callback_data=InboxCb(
            a="u", k=flt.key, n=start // UNITS_PER_PAGE - 1).pack()))
    if start + UNITS_PER_PAGE < len(units):
        nav.append(InlineKeyboardButton(text=_("next ▶"), callback_data=InboxCb(
            a="u", k=flt.key, n=start // UNITS_PER_PAGE + 1).pack()))
    if nav:
        rows.append(nav)
    rows.append([InlineKeyboardButton(text=_("◀ back to the list"), callback_data=InboxCb(a="f", k=flt.key).pack())])
    text = (_("Units that sent something in {period}: choose one.").format(period=flt.period) if units
            else _("No unit sent anything in {period}.").format(period=flt.period))
    await show_in_place(message_of(query), text, InlineKeyboardMarkup(inline_keyboard=rows))


async def _export(query: CallbackQuery, actor: Actor, services: Services, flt: InboxFilter) -> None:
    plan = await plan_export(services.inbox, actor, flt)
    await query.answer()
    target = message_of(query)
    if plan.count > 1:
        await target.answer(_("The files are too large for one upload (Telegram takes 50 MB); they come in {n} "
                              "zips, the index in the first.").format(n=plan.count))
    for n in range(plan.count):
        doc = await export_part(services.inbox, plan, n)
        await target.answer_document(BufferedInputFile(doc.data, filename=doc.filename))


def router() -> Router:
    """``/submissions``, its pager and buttons, in private chats."""
    r = private_router("inbox")
    r.message.register(submissions, Command("submissions"))
    r.callback_query.register(paged, PageCb.filter(F.v == VIEW))
    r.callback_query.register(pressed, InboxCb.filter())
    return r
