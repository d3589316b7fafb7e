"""``/status`` (text + chart + drill-down buttons), ``/rank``, ``/map``, ``/export`` and ledger files
(.xlsx) sent by the office. Each handler calls one ``ReportService`` method and renders its result."""

from __future__ import annotations

import shutil

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import labels
from bot.core import Services
from bot.forms.spec import hazard_types
from bot.services.actors import Actor
from bot.services.paging import Page
from bot.services.reports import OTHER_SHEET_SUFFIXES, HazardList, MapPicture, StatusReport, export_kind
from bot.services.summary import RankingLine, Rate
from handlers import statistics_view
from handlers.callbacks import ImportCb, ReportCb
from handlers.errors import ExplainBinding
from handlers.ledger_upload import import_choice, ledger_file, other_sheet
from handlers.message_edits import ButtonMessage, message_of, show_in_place
from handlers.message_limits import clip
from handlers.paging import PageCb, pager_row
from handlers.private import private_router
from handlers.texts import listed, q

RANK_LINES = 30
ERROR_LINES = 30


def _rate(r: Rate, without_base: str) -> str:
    """``"37.5%（3/8）"``; ``without_base`` says why there is no rate when the denominator is 0
    (no plan filed, nothing registered), instead of an "x/0" nobody can read."""
    opening, _separator, closing = _marks()
    if not r.denominator:
        return f"—{opening}{without_base}{closing}"
    return f"{r.percent()}{opening}{r.numerator}/{r.denominator}{closing}"


def _marks() -> tuple[str, str, str]:
    """Brackets and list separator of the update's language: full-width Chinese ones, or English ones."""
    i18n = I18n.get_current(no_error=True)
    if i18n is not None and i18n.current_locale.startswith("en"):
        return " (", ", ", ")"
    return "（", "、", "）"


def _target(r: Rate) -> str:
    if r.target is None:
        return "—"
    return f"{(r.target * 100).normalize():f}%"


def status_text(report: StatusReport) -> str:
    """A scope's status (HTML): open hazards by state, this week, overdue, major, supervised, the rates
    against their targets and the plans' coverage."""
    st = report.status
    s = st.by_state
    lines = [
        _("<b>{scope}: hazard campaign status</b> (as of {date})").format(
            scope=_("The district") if st.unit_id is None else q(st.scope_name), date=st.as_of.isoformat()),
        # the two waiting states apart, as the chart's bars (bot.charts): 待审核 is the unit's review only
        _("Open: {open} (registered {registered}, rectified {rectified}, closure requested {requested}); closed {closed}; "
          "awaiting review {review}, awaiting confirmation {confirmation}").format(
            open=st.open, registered=s.get("registered", 0), rectified=s.get("rectified", 0),
            requested=s.get("closure_requested", 0), closed=s.get("closed", 0),
            review=s.get("pending_review", 0), confirmation=s.get("pending_confirmation", 0)),
        _("New this week: {new} reported, {registered} registered").format(new=st.new_this_week, registered=st.registered_this_week),
        _("Overdue: {overdue} · major open: {major} · under supervision: {supervised}").format(
            overdue=st.overdue, major=st.major_open,
            supervised=st.supervised if st.supervised is not None else _("not tracked yet")),
        _("Rectification rate {year}: {rate}, target ≥ {target}").format(
            year=st.year, rate=_rate(st.rectification, _("nothing registered yet")), target=_target(st.rectification)),
        _("Inspections against the plan: {rate} inspections; campaign milestone for {year}: {milestone}").format(
            rate=_rate(st.coverage, _("no plan filed")), year=st.year,
            milestone=_target(st.coverage)),  # the chart's target line: the same figure
        _("Verification of closed hazards: {rate}, planned ≥ {target}").format(
            rate=_rate(st.verification, _("nothing closed yet")), target=_target(st.verification)),
    ]
    if st.top_categories:
        lines.append(_("Most open hazards: {items}").format(items=listed(f"{q(c)} {n}" for c, n in st.top_categories)))
    if st.worst_units:
        lines.append(_("Most overdue: {items}").format(
            items=listed(f"{q(u.unit_name)} {u.overdue}" for u in st.worst_units if u.overdue) or "—"))
    if report.district:
        late = st.late_units
        lines.append(_("Units without a ledger update for over 15 days: {count}{names}").format(
            count=len(late), names=unit_names([u.unit_name for u in late])))
        if st.not_started_units:
            lines.append(_("Units not started yet (nothing recorded or reported): {count}{names}").format(
                count=len(st.not_started_units), names=unit_names([u.unit_name for u in st.not_started_units])))
    if st.monthly_report_period is not None:
        late_m = st.late_monthly_units
        if report.district and st.unit_id is None:
            lines.append(_("Units without work information for {period}: {count}{names}").format(
                period=st.monthly_report_period, count=len(late_m), names=unit_names(late_m)))
        else:
            lines.append(_("Work information for {period}: {state}").format(
                period=st.monthly_report_period, state=_("not filed") if late_m else _("filed")))
    return clip("\n".join(lines))


def unit_names(names: list[str], shown: int = 8) -> str:
    """``（A、B、…）`` of the first ``shown`` unit names, escaped (`` (A, B, …)`` for English); empty for none."""
    if not names:
        return ""
    opening, separator, closing = _marks()
    return opening + separator.join(q(n) for n in names[:shown]) + ("…" if len(names) > shown else "") + closing


def status_keyboard(report: StatusReport) -> InlineKeyboardMarkup:
    """The status's buttons: overdue and major lists, top categories, the worst units or the whole district,
    and the statistics."""
    st = report.status
    u = st.unit_id or 0
    rows = [[
        InlineKeyboardButton(text=_("Overdue list"), callback_data=ReportCb(k="o", u=u).pack()),
        InlineKeyboardButton(text=_("Major hazards"), callback_data=ReportCb(k="m", u=u).pack()),
    ]]
    names = [c.name for c in hazard_types()]
    cats = [InlineKeyboardButton(text=f"{c} {n}", callback_data=ReportCb(k="c", u=u, c=names.index(c)).pack())
            for c, n in st.top_categories[:3] if c in names]
    if cats:
        rows.append(cats)
    if report.district and st.unit_id is None:
        units = [InlineKeyboardButton(text=x.unit_name, callback_data=ReportCb(k="u", u=x.unit_id).pack())
                 for x in st.worst_units[:4]]
        rows += [units[i : i + 2] for i in range(0, len(units), 2)]
    if report.district and st.unit_id is not None:
        rows.append([InlineKeyboardButton(text=_("Whole district"), callback_data=ReportCb(k="u", u=0).pack())])
    rows.append(statistics_view.entry_row(st.unit_id))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def list_text(hl: HazardList) -> str:
    """A status list (overdue, major, or of a category; HTML, clipped): a line per hazard with its deadline,
    and how to get the rest."""
    title = {
        "overdue": _("Overdue hazards of {scope}: {total}"),
        "major": _("Open major hazards of {scope}: {total}"),
        "category": _("Open hazards of {scope} in {category}: {total}"),
    }[hl.kind].format(scope=q(hl.scope_name), total=hl.total, category=q(hl.category or ""))
    lines = [f"<b>{title}</b>"]
    label = _("deadline")
    for i, h in enumerate(hl.items, 1):
        deadline = h.deadline.isoformat() if h.deadline else "—"
        lines.append(f"{i}. {q(h.ledger_number or '—')} {q(h.site_name)}（{q(h.township)}，{q(h.level)}，{label} {deadline}）")
    if hl.total > len(hl.items):
        lines.append(_("… and {more} more: /export hazards for the full ledger").format(more=hl.total - len(hl.items)))
    return clip("\n".join(lines))


RANK_VIEW = "rk"  # the pager's view key of /rank


def ranking_text(table: list[RankingLine] | Page[RankingLine]) -> str:
    """The 通报 table: a whole list (its first ``RANK_LINES``) or one page of it, with the page's place."""
    page = table if isinstance(table, Page) else Page(table[:RANK_LINES], len(table), 0, RANK_LINES)
    lines = [ranking_head()]
    for i, r in enumerate(page.items):
        if labels.unplaced_start(page.items, i):
            lines.append(_(labels.UNPLACED_HEADING))
        lines.append(ranking_line(r))
    if page.total > len(page.items):
        lines.append(_("Units {first}–{last} of {total}").format(
            first=page.first_index, last=page.first_index + len(page.items) - 1, total=page.total))
    lines.append(_(labels.OVERDUE_FOOTNOTE))
    return clip("\n".join(lines))


def ranking_head() -> str:
    """The 通报 table's title and the meaning of its columns."""
    return _("<b>Weekly ranking of units</b> (rectification rate · overdue · days since last update)")


def ranking_line(r: RankingLine) -> str:
    """One unit's line of the 通报: place (none for a unit not placed), name, rectification rate, overdue count,
    days since its update."""
    days = labels.update_age(r.line.days_since_update, r.line.not_started, r.line.late_update, _)
    place = "" if r.place is None else f"{r.place}. "  # the units not placed are listed unnumbered
    return f"{place}{q(r.line.unit_name)}　{r.line.rectification.percent()} · {r.line.overdue} · {days}"


def ranking_keyboard(page: Page[RankingLine]) -> InlineKeyboardMarkup | None:
    """The ranking's pager, None for a single page."""
    row = pager_row(page, RANK_VIEW)  # type: ignore[arg-type]
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


def chart_language() -> str:
    """The language of the pictures for the person asking: English for English users, else Chinese."""
    from aiogram.utils.i18n import get_i18n

    return "en" if get_i18n().current_locale.startswith("en") else "zh"


async def send_status(message: ButtonMessage, actor: Actor, services: Services, unit_id: int | None) -> None:
    """The status chart and text of ``unit_id`` (``None``: the sender's scope), with drill-down buttons.
    No "uploading photo" first: the answer takes well under a second (issue 19), the action would spend the
    chat's one message a second, and it showed before a refusal."""
    report = await services.reports.status(actor, unit_id, lang=chart_language())
    await message.answer_photo(BufferedInputFile(report.chart_png, "status.png"))
    await message.answer(status_text(report), reply_markup=status_keyboard(report))


async def status(message: Message, bot: Bot, command: CommandObject, actor: Actor, services: Services) -> None:
    """``/status [UNIT]``: where the campaign stands in the sender's scope, or in the scope of the unit named
    (any township, department or 功能区管委会; the district's readers only); ``/status 按行业 [UNIT]`` (违建, 处罚, 资金,
    xlsx …: ``statistics_view.VIEW_WORDS``, before or after the name) one statistics view of it instead. Raises ``PermissionDenied``,
    ``UnitNotKnown``."""
    view, name = statistics_view.view_of(command.args)
    unit_id = await services.reports.unit_named(actor, name) if name else None
    if view is not None:  # ``/status 按行业 建外街道``: the view of that unit's scope
        await statistics_view.send_view(message, bot, actor, services, view, unit_id, chart_language())
        return
    await send_status(message, actor, services, unit_id)


async def drill(query: CallbackQuery, callback_data: ReportCb, bot: Bot, actor: Actor, services: Services) -> None:
    """A /status button: a unit's status, or the overdue, major or category list. Raises ``NotFound``,
    ``PermissionDenied``."""
    await query.answer()
    message = message_of(query)
    unit_id = callback_data.u or None
    if callback_data.k == "u":
        await send_status(message, actor, services, unit_id)
        return
    kind = {"o": "overdue", "m": "major", "c": "category"}.get(callback_data.k, "")
    hl = await services.reports.hazards(actor, kind, unit_id, callback_data.c)
    await message.answer(list_text(hl))


async def ranking(message: Message, actor: Actor, command: CommandObject, services: Services) -> None:
    """``/rank``: the weekly league table of the units with hazard duties, paged; ``/rank UNIT``: that unit's
    line of it. Raises ``PermissionDenied``, ``UnitNotKnown``."""
    if command.args and command.args.strip():
        is_unit, found, page = await services.reports.ranking_of(actor, command.args)
        if found is not None:
            if found.place is None:
                place = _("Not placed: no rectification rate yet, or nothing recorded by the unit itself; /rank "
                          "shows the whole table.")
            else:
                place = _("Place {place} of {total} units; /rank shows the whole table.").format(
                    place=found.place, total=page.total)
            await message.answer("\n".join((ranking_head(), ranking_line(found), place)))
            return
        if is_unit:
            await message.answer(_("That unit is not in the weekly ranking (only units with hazard duties are). "
                                   "/rank shows the whole table."))
            return
        await message.answer(ranking_text(page), reply_markup=ranking_keyboard(page))
        return
    page = await services.reports.ranking_page(actor)
    await message.answer(ranking_text(page), reply_markup=ranking_keyboard(page))


async def ranking_paged(query: CallbackQuery, callback_data: PageCb, actor: Actor, services: Services) -> None:
    """A /rank pager button: that page of the table as it is now (the actor checked again)."""
    await query.answer()
    page = await services.reports.ranking_page(actor, callback_data.n)
    await show_in_place(message_of(query), ranking_text(page), ranking_keyboard(page))


async def rank_subscribe(message: Message, actor: Actor, services: Services) -> None:
    """``/rank_subscribe``: the weekly ranking comes on the first working day of each week."""
    new = await services.rank_subscriptions.subscribe(actor)
    await message.answer(_("Subscribed: the weekly ranking comes on the first working day of each week. "
                           "/rank_unsubscribe to stop.") if new else
                         _("You already receive the weekly ranking. /rank_unsubscribe to stop."))


async def rank_unsubscribe(message: Message, actor: Actor, services: Services) -> None:
    """``/rank_unsubscribe``: it comes no more."""
    found = await services.rank_subscriptions.unsubscribe(actor)
    await message.answer(_("Unsubscribed from the weekly ranking.") if found else
                         _("You were not subscribed to the weekly ranking."))


async def map_(message: Message, bot: Bot, actor: Actor, services: Services) -> None:
    """``/map``: the major or overdue hazards with a location on a map; those without one counted."""
    services.reports.scope(actor, None)  # a refusal first: no "uploading photo" shown before it
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    picture = await services.reports.map_png(actor, lang=chart_language())
    await message.answer_photo(BufferedInputFile(picture.png, "map.png"), caption=_map_caption(picture))


def _map_caption(picture: MapPicture) -> str:
    """How many hazards the map marks, and how many it cannot (no location), in a leader's words."""
    n, late = picture.unpinned, picture.unpinned_overdue
    if picture.drawn:
        caption = _("{n} major or overdue hazards marked on the map.").format(n=picture.drawn)
        if n:
            caption += "\n" + _("{n} more have no location and are listed under the map.").format(n=n)
        return caption
    if not n:
        return _("No major or overdue hazard to mark on the map now.")
    if late >= n:
        return _("{n} overdue hazards have no location, so none could be marked on the map; their numbers are on "
                 "the picture.").format(n=n)
    if not late:
        return _("{n} major hazards have no location, so none could be marked on the map; their numbers are on the "
                 "picture.").format(n=n)
    return _("{n} major or overdue hazards ({overdue} of them overdue) have no location, so none could be marked on "
             "the map; their numbers are on the picture.").format(n=n, overdue=late)


async def export(message: Message, bot: Bot, command: CommandObject, actor: Actor, services: Services) -> None:
    """``/export 隐患 | 检查 | 计划 | 联系人`` (or ``hazards | inspections | plans | contacts``, or the annex
    ``附件1``–``附件4``): the ledger in the layout of its annex (.xlsx)."""
    kind = export_kind(command.args or "hazards")
    if kind is None:
        await message.answer(_("Usage: /export hazards (Annex 2) | inspections (Annex 1) | plans (Annex 3) | "
                               "contacts (Annex 4)"))
        return
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    result = await services.reports.export(actor, kind)
    try:
        await message.answer_document(FSInputFile(result.path, result.filename),
                                      caption=_("{rows} rows, in the layout of the annex.").format(rows=result.rows))
    finally:
        shutil.rmtree(result.path.parent, ignore_errors=True)


async def plan_file(message: Message, bot: Bot, actor: Actor, services: Services) -> None:
    """``/plan_file``: the annual inspection plan (附件3) template to fill in and send back."""
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    result = await services.reports.plan_file(actor)
    try:
        await message.answer_document(FSInputFile(result.path, result.filename), caption=_(
            "Your annual inspection plan (Annex 3): fill in the target, the verification ratio and the "
            "arrangement rows, then send the file back here. Due by {date}.").format(date=result.due))
    finally:
        shutil.rmtree(result.path.parent, ignore_errors=True)


def router() -> Router:
    """``/status``, ``/rank`` (and its subscription), ``/map``, ``/export``, ``/plan_file``, ledger uploads
    and their buttons, in private chats."""
    r = private_router("summaries", buttons=True)
    r.message.middleware(ExplainBinding())  # a file (or a command) from someone with no role: how to bind
    r.message.register(status, Command("status"))
    r.callback_query.register(drill, ReportCb.filter())
    r.callback_query.register(statistics_view.pressed, statistics_view.StatCb.filter())
    r.message.register(ranking, Command("rank"))
    r.callback_query.register(ranking_paged, PageCb.filter(F.v == RANK_VIEW))
    r.message.register(rank_subscribe, Command("rank_subscribe"))
    r.message.register(rank_unsubscribe, Command("rank_unsubscribe"))
    r.message.register(map_, Command("map"))
    r.message.register(export, Command("export"))
    r.message.register(plan_file, Command("plan_file"))
    r.message.register(ledger_file, F.document.file_name.lower().endswith(".xlsx"))
    r.message.register(other_sheet, F.document.file_name.lower().endswith(OTHER_SHEET_SUFFIXES))
    r.callback_query.register(import_choice, ImportCb.filter())
    return r
