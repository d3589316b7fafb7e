"""How /find looks (issue 16): the filter card (the current filter, a button to add or remove each criterion,
"show results") and the result page (total, page, one line per hazard with what the office asks about, a
button per line to open its card, the pager, export)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import labels
from bot.services import hazard_filter as hf
from bot.services.find import HazardSummary
from bot.services.hazard_search import UnitReading
from bot.services.paging import Page
from handlers.hazard_callbacks import OPEN, FindCb, HazardCb
from handlers.hazard_view import number_of, state_name
from handlers.message_limits import clip, shorten
from handlers.paging import pager_row
from handlers.texts import level_name, listed, q

VIEW = "fd"  # the pager's view key of /find
# a line's site name and each supervisor's name (责任人, up to 128 typed), so that ten lines with every
# supervision level stay under Telegram's 4096 characters
SITE_LIMIT = 40
PERSON_LIMIT = 20
BUTTON_SITE_LIMIT = 30  # a line's button: its number and site, one per row as every list of the bot
WORD_LIMIT, WORDS_SHOWN = 30, 10  # the typed words not understood, as the refusal repeats them


def criterion_name(key: str) -> str:
    """The name of the ``/find`` criterion ``key`` in the user's language."""
    return _(labels.FIND_CRITERIA[key])


def state_filter_name(state: str) -> str:
    """The name of a state filter: a hazard state, or "open" (on the ledger, not closed)."""
    return _("open (on the ledger, not closed)") if state == hf.OPEN else state_name(state)


def _span(a: date | None, b: date | None) -> str:
    return f"{a.isoformat() if a else '…'} – {b.isoformat() if b else '…'}"


def criterion_value(f: hf.Filter, key: str) -> str:
    """What ``f`` holds for criterion ``key``, in words (escaped)."""
    if key == "unit":
        entry = hf.unit_entry(f.unit or "")
        return q(entry.name if entry else f.unit)
    if key == "type":
        return q(f"{f.category}/{f.subtype}" if f.subtype else f.category)
    if key == "state":
        return state_filter_name(f.state or "")
    if key in ("overdue", "supervised"):
        return "✔"
    if key in ("deadline", "registered"):
        return _span(getattr(f, f"{key}_from"), getattr(f, f"{key}_to"))
    return q(getattr(f, key))


def filter_lines(f: hf.Filter) -> list[str]:
    """One line per criterion set; a single line saying so when none is."""
    if f.is_empty():
        return [_("No criteria yet: every hazard within your scope.")]
    return [_("· {criterion}: {value}").format(criterion=criterion_name(k), value=criterion_value(f, k))
            for k in f.chosen()]


def card_text(f: hf.Filter, total: int, rejected: int = 0) -> str:
    """The ``/find`` card (HTML, clipped): the criteria set, the number of hazards matching now (``rejected``:
    matching rejected ones left out, as ``/status`` leaves them), any contradiction of the words, and how to add
    more."""
    clash = f.contradiction()
    lines = [_("<b>Find hazards</b>"), *filter_lines(f), "",
             _("Matching now: {total}").format(total=total), *rejected_lines(rejected),
             *([contradiction_text(clash)] if clash else []),
             _("Add or remove criteria with the buttons, or type them: /find 超期 重大 重点消防 建外街道")]
    return clip("\n".join(lines))


def rejected_lines(rejected: int) -> list[str]:
    """The rejected hazards left out of a result (``SearchService.rejected_apart``), said so, with how to see
    them."""
    if not rejected:
        return []
    return [_("Another {n} rejected (已驳回) hazards match and are left out, as /status leaves them out; add the "
              "word 已驳回 to see them.").format(n=rejected)]


def contradiction_text(state: str) -> str:
    """Why 超期 and the state ``state`` (``hazard_filter.FilterContradicts``) select nothing together."""
    return _("超期 (overdue) and “{state}” contradict each other: 超期 means on the ledger (已挂账) and still not "
             "rectified after its rectification deadline; “{state}” means {meaning}, so it is never overdue. Keep "
             "one of the two words.").format(state=state_name(state), meaning=labels.name(labels.STATE_MEANINGS,
                                                                                          state, _))


def _cb(a: str, token: str, c: str = "", v: int = 0) -> str:
    return FindCb(a=a, k=token, c=c, v=v).pack()


def card_keyboard(f: hf.Filter, token: str, total: int) -> InlineKeyboardMarkup:
    """Per criterion "+ name" (add) or "✖ name: value" (remove); then show, export, clear."""
    chosen = set(f.chosen())
    buttons = [
        InlineKeyboardButton(text=f"✖ {criterion_name(k)}", callback_data=_cb("del", token, k)) if k in chosen
        else InlineKeyboardButton(text=f"＋ {criterion_name(k)}", callback_data=_cb("add", token, k))
        for k in hf.CRITERIA
    ]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(text=_("🔍 Show {total} results").format(total=total),
                                      callback_data=_cb("go", token))])
    last = [InlineKeyboardButton(text=_("📥 Export (Annex 2)"), callback_data=_cb("xls", token))]
    if chosen:
        last.append(InlineKeyboardButton(text=_("Clear all"), callback_data=_cb("clr", token)))
    rows.append(last)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def choice_keyboard(key: str, token: str, options: list[tuple[str, int, str]], per_row: int = 2
                    ) -> InlineKeyboardMarkup:
    """The values of criterion ``key`` (``(action, number, label)``: ``set`` picks one, ``add`` opens a
    sub-list), and back to the card."""
    buttons = [InlineKeyboardButton(text=label, callback_data=_cb(a, token, key, n)) for a, n, label in options]
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([InlineKeyboardButton(text=_("◀ back"), callback_data=_cb("card", token))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _line(n: int, h: HazardSummary) -> str:
    parts = [f"{n}. <b>{q(number_of(h))}</b> {q(shorten(h.site_name, SITE_LIMIT))}", q(h.township), q(level_name(h.level)),
             state_name(h.state)]
    if h.deadline is not None:
        parts.append(_("deadline {date}").format(date=h.deadline.isoformat()))
    if h.overdue:
        parts.append("⚠ " + _("OVERDUE"))
    if h.supervision:
        who = listed(f"{q(s.level)}（{q(shorten(s.responsible, PERSON_LIMIT))}）" if s.responsible else q(s.level)
                       for s in h.supervision)
        parts.append(_("supervised: {who}").format(who=who))
    return " · ".join(parts)


def result_text(f: hf.Filter, page: Page[HazardSummary], rejected: int = 0, note: str | None = None) -> str:
    """A page of ``/find`` results (HTML, clipped): ``note`` first (``unit_note``), the total, the page number, the
    rejected left out, the criteria and a line per hazard."""
    head = [*([note] if note else []),
            _("<b>Found: {total}</b> (page {n}/{m})").format(total=page.total, n=page.number + 1, m=page.pages),
            *rejected_lines(rejected), *filter_lines(f)]
    if not page.items:
        return "\n".join([*head, _("Nothing here.")])
    lines = [_line(page.first_index + i, h) for i, h in enumerate(page.items)]
    return clip("\n".join([*head, "", *lines]))


def result_keyboard(page: Page[HazardSummary], token: str) -> InlineKeyboardMarkup:
    """A button per line (number and site: its card), the pager, then the filter card and export."""
    rows = [[InlineKeyboardButton(text=f"{page.first_index + i}. {shorten(h.site_name, BUTTON_SITE_LIMIT)}",
                                  callback_data=HazardCb(id=h.id, a=OPEN).pack())]
            for i, h in enumerate(page.items)]
    pager = pager_row(page, VIEW, token)  # type: ignore[arg-type]
    if pager:
        rows.append(pager)
    rows.append([InlineKeyboardButton(text=_("Filter"), callback_data=_cb("card", token)),
                 InlineKeyboardButton(text=_("📥 Export (Annex 2)"), callback_data=_cb("xls", token))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def unit_note(reading: UnitReading) -> str:
    """What ``/find WORD`` did with a word no hazard holds that names or resembles a unit
    (``SearchService.unit_reading``), and how to have it otherwise (HTML, escaped)."""
    word = q(shorten(reading.word, WORD_LIMIT))
    if reading.read_as is not None:
        return _("No hazard's number, site name or address holds “{word}”: searched for the unit {unit} instead, "
                 "as /status {word} reads it. For the text, send /find 文字:{word}.").format(word=word,
                                                                                       unit=q(reading.unit))
    return _("No hazard's number, site name or address holds “{word}”. Did you mean a unit: {units}? Send e.g. "
             "/find {first}.").format(word=word, units=q("、".join(reading.suggestions)),
                                      first=q(reading.suggestions[0]))


def filter_refusal(params: dict[str, Any]) -> str:
    """Why typed filter words were refused (``hazard_filter.FilterWordsUnknown``)."""
    if params.get("twice"):
        return _("The {criterion} is given twice; give each criterion once.").format(
            criterion=criterion_name(str(params["twice"])))
    if params.get("implausible"):  # a real date, but no hazard's: a slip of the keyboard (9999, 2206 for 2026)
        return _("{day} is a date, but far outside the campaign: /find searches deadlines and registration dates "
                 "from {first} to {last}. Check the year, e.g. 2026-11-01..2026-11-30, 2026-11-01 or 2026-11.").format(
            day=q(params["implausible"]), first=params.get("first", ""), last=params.get("last", ""))
    if params.get("dates"):
        return _("{dates} is not a date range: write YYYY-MM-DD..YYYY-MM-DD (the first date not after the last), "
                 "YYYY-MM-DD or YYYY-MM.").format(dates=q(shorten(params["dates"], WORD_LIMIT)))
    # a word is shown cut short: the refusal and the help after it must fit one message whatever was typed
    given = list(params.get("words") or ())
    words = listed(q(shorten(w, WORD_LIMIT)) for w in given[:WORDS_SHOWN]) + ("…" if len(given) > WORDS_SHOWN else "")
    if params.get("words") == ["其他"]:
        return _("“其他” is a hazard type, a subtype of each type and a source: write 类型:其他, 类型:重点消防/其他 "
                 "or 来源:其他.")
    if params.get("free"):  # two or more words that could each be the text searched for
        return _("{words}: only one word may be free text (a number, site name or address); write 文字:… for "
                 "text with spaces.").format(words=words)
    return _("I do not understand: {words}.").format(words=words)


def typing_prompt(key: str) -> str:
    """The question for a criterion typed rather than chosen."""
    prompts = {
        "deadline": _("Send the deadline range, e.g. 2026-11-01..2026-11-30, 2026-11 (a month) or ..2026-11-30. "
                      "/cancel to stop."),
        "registered": _("Send the registration date range, e.g. 2026-11-01..2026-11-30, 2026-11 (a month) or "
                        "2026-11-01.. . /cancel to stop."),
        "text": _("Send a ledger or draft number, or part of a site name or address. /cancel to stop."),
    }
    return prompts[key]
