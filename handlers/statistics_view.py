"""The statistics views of ``/status`` (issue 16 item 6): ``/status 按行业``, ``/status 违建``, ``/status xlsx``
… typed, or the buttons under a status message ("分类统计" opens the views; each view carries the buttons of
the others and of the workbook). Each press calls one ``ReportService`` method, which re-checks the scope."""

from __future__ import annotations

import shutil

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.services.actors import Actor
from bot.services.statistics import VIEWS, StatTable, labels, number_text, title_of
from handlers.callbacks import Num
from handlers.message_edits import ButtonMessage, message_of, show_in_place
from handlers.message_limits import clip
from handlers.texts import q
from storage.registry import name_key

ROW_LINES = 40
XLSX = "xlsx"
#: what may follow /status to ask for a view (Chinese and English words, lower case)
VIEW_WORDS: dict[str, str] = {
    "按街乡": "township", "街乡": "township", "township": "township",
    "按行业": "department", "行业": "department", "行业部门": "department", "department": "department",
    "industry": "department",
    "按单位性质": "nature", "单位性质": "nature", "性质": "nature", "nature": "nature",
    "按来源": "source", "来源": "source", "source": "source",
    "按等级": "level", "等级": "level", "level": "level",
    "违建": "illegal", "违法建设": "illegal", "拆违": "illegal", "illegal": "illegal",
    "处罚": "penalties", "罚款": "penalties", "处罚罚款": "penalties", "penalties": "penalties", "fines": "penalties",
    "资金": "funds", "资金落实": "funds", "五落实": "funds", "funds": "funds",
    "xlsx": XLSX, "excel": XLSX, "表格": XLSX, "统计表": XLSX,
}


class StatCb(CallbackData, prefix="st1"):
    """A statistics button: ``v`` = a view of ``bot.services.statistics.VIEWS`` or ``xlsx``; ``u`` = unit id,
    0 for the district; ``e`` = 1 when pressed under a statistics message (edit it in place)."""

    v: str
    u: Num = 0
    e: Num = 0


def view_of(args: str | None) -> tuple[str | None, str]:
    """The view (or ``xlsx``) that ``/status`` arguments ask for, if any, and the rest of them (a unit's name):
    ``按行业 建外街道`` and ``建外街道 按行业`` are ``("department", "建外街道")``; ``建外`` is ``(None, "建外")``."""
    words = (args or "").split()
    for i in (0, len(words) - 1):
        # full-width letters (ＸＬＳＸ, typed with a Chinese keyboard) read as the unit names are
        word = name_key(words[i]) if words else ""
        if word in VIEW_WORDS:
            return VIEW_WORDS[word], " ".join(words[:i] + words[i + 1:])
    return None, " ".join(words)


def entry_row(unit_id: int | None) -> list[InlineKeyboardButton]:
    """The buttons under a status message: the views, and the workbook."""
    u = unit_id or 0
    return [InlineKeyboardButton(text=_("Statistics by …"), callback_data=StatCb(v="township", u=u).pack()),
            InlineKeyboardButton(text=_("Statistics (.xlsx)"), callback_data=StatCb(v=XLSX, u=u).pack())]


def views_keyboard(unit_id: int | None, current: str, lang: str) -> InlineKeyboardMarkup:
    """Every view but ``current`` (three a row), then the workbook."""
    t, u = labels(lang), unit_id or 0
    buttons = [InlineKeyboardButton(text=t["v_" + v], callback_data=StatCb(v=v, u=u, e=1).pack())
               for v in VIEWS if v != current]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([InlineKeyboardButton(text=_("Statistics (.xlsx)"), callback_data=StatCb(v=XLSX, u=u).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def table_text(table: StatTable, lang: str) -> str:
    """The title, the column headings once, then ``key　n · n · …`` per row (the first ``ROW_LINES``) and the
    total; more rows are in the workbook."""
    t = labels(lang)
    lines = [f"<b>{q(title_of(table, lang))}</b>",
             q(t[table.key]) + "　" + " · ".join(q(t[c]) for c in table.columns)]
    for key, values in table.rows[:ROW_LINES]:
        lines.append(f"{q(key)}　" + " · ".join(number_text(v) for v in values))
    if len(table.rows) > ROW_LINES:
        lines.append(_("… and {more} more rows: the .xlsx has them all").format(more=len(table.rows) - ROW_LINES))
    if not table.rows:
        lines.append(_("Nothing to count in this scope yet."))
    lines.append(f"<b>{q(t['total'])}</b>　" + " · ".join(number_text(v) for v in table.total))
    return clip("\n".join(lines))


async def send_view(message: ButtonMessage, bot: Bot, actor: Actor, services: Services, view: str,
                    unit_id: int | None, lang: str, *, in_place: bool = False) -> None:
    """A view as text with the other views' buttons, or (``view`` = ``xlsx``) the workbook of all views.
    Raises ``NotFound``, ``PermissionDenied``, ``NotBound``."""
    if view == XLSX:
        services.reports.scope(actor, unit_id)  # a refusal first: no "uploading document" shown before it
        await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
        result = await services.reports.statistics_xlsx(actor, unit_id, lang)
        try:
            await message.answer_document(FSInputFile(result.path, result.filename),
                                          caption=_("The statistics tables of /status, one sheet per view."))
        finally:
            shutil.rmtree(result.path.parent, ignore_errors=True)
        return
    table = await services.reports.statistics(actor, view, unit_id)
    text, keyboard = table_text(table, lang), views_keyboard(unit_id, view, lang)
    if in_place:
        await show_in_place(message, text, keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


async def pressed(query: CallbackQuery, callback_data: StatCb, bot: Bot, actor: Actor, services: Services) -> None:
    """A statistics button (any may be forged or stale: the service re-checks the scope)."""
    await query.answer()
    await send_view(message_of(query), bot, actor, services, callback_data.v, callback_data.u or None,
                    language(), in_place=bool(callback_data.e))


def language() -> str:
    """The language of the tables for the person asking: English for English users, else Chinese (as the
    status chart, ``summaries.chart_language``)."""
    from aiogram.utils.i18n import get_i18n

    return "en" if get_i18n().current_locale.startswith("en") else "zh"
