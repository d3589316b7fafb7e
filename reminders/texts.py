"""The words of each reminder: what is due, by when, and exactly what to do.

A rule says which words (``Text``: a function of this module and its arguments); the outbox renders
them once per recipient, in that person's language (Simplified Chinese by default, English for an
English Telegram client), through the bot's gettext catalog. Unit and site names come from the
registry and the ledger; they are plain text here and are sent without parse mode, so nothing needs
escaping.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import labels
from bot.i18n import DEFAULT_LOCALE, translate

_locale: ContextVar[str] = ContextVar("reminder_locale", default=DEFAULT_LOCALE)


def _(message: str) -> str:
    """``message`` in the locale being rendered (``Text.render``)."""
    return translate(_locale.get(), message)


@dataclass(frozen=True)
class Text:
    """Words not yet rendered: ``words(*args)`` in whichever locale ``render`` is asked for."""

    words: Callable[..., str]
    args: tuple[Any, ...] = ()

    def render(self, locale: str = DEFAULT_LOCALE) -> str:
        """The words in ``locale``."""
        token = _locale.set(locale)
        try:
            return self.words(*self.args)
        finally:
            _locale.reset(token)

    def __str__(self) -> str:
        return self.render()


def text(words: Callable[..., str], *args: Any) -> Text:
    """``words(*args)``, rendered later in the recipient's locale."""
    return Text(words, args)


def _same(words: str) -> str:
    return words


def literal(words: str) -> Text:
    """Words the same in every language (test and benchmark reminders)."""
    return text(_same, words)


def _d(day: date) -> str:
    if _locale.get() == DEFAULT_LOCALE:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _month(year: int, month: int) -> str:
    # as ``_d``, outside the catalog: a message id with ``{month:02d}`` cannot be translated to ``{month}月``
    # (msgfmt --check refuses a translation whose placeholders differ from the id's)
    if _locale.get() == DEFAULT_LOCALE:
        return f"{year}年{month}月"
    return f"{year}-{month:02d}"


def day_words(day: date) -> str:
    """``day`` as the reader of the locale being rendered says it: 2026年4月30日, 2026-04-30."""
    return _d(day)


def ledger_stale(unit: str, last: date, days: int, leader: bool) -> str:
    """The reminder that ``unit``'s ledger has not changed for ``days`` days since ``last`` (方案 五(一)); the
    leader's version asks them to follow up."""
    head = _("[Ledger update — please follow up] ") if leader else _("[Ledger update reminder] ")
    lead = _("The hazard ledger of {unit} has not been updated for {days} days (last update: {last}). ").format(
        unit=unit, days=days, last=_d(last))
    rule = _("Under 5(1) of the action plan every unit updates its ledger data at least every half month. ")
    if leader:
        act = _("Please have your unit's contact enter new inspection records or update the rectification "
                "and re-inspection of hazards today.")
    else:
        act = _("Please press the button below today to enter new inspection records, or update the "
                "rectification and re-inspection of open hazards.")
    return head + lead + rule + act


def deadline_soon(site: str, number: str, deadline: date, days: int) -> str:
    """The reminder that hazard ``number`` at ``site`` is due for rectification in ``days`` days (0: today)."""
    when = _("today") if days == 0 else _("in {days} days ({date})").format(days=days, date=_d(deadline))
    return _("[Rectification deadline] The rectification deadline of hazard “{site}” (ledger number "
             "{number}) falls {when}. Please see that the party responsible completes the rectification "
             "and its acceptance on time; then press the button below to report it and upload photos of "
             "the result.").format(site=site, number=number, when=when)


def overdue(site: str, number: str, deadline: date, days: int) -> str:
    """The reminder that hazard ``number`` at ``site`` is ``days`` days past its deadline, with how to request
    an extension."""
    return _("[Hazard overdue] The rectification deadline {date} of hazard “{site}” (ledger number {number}) "
             "has passed; it is {days} days overdue. Please have the party responsible rectify it at once "
             "and report the rectification on the hazard's card (/rectify); if an extension is truly needed, "
             "press the button below to request one with the reason, for the district safety office to "
             "approve.").format(
        site=site, number=number, date=_d(deadline), days=days)


def supervision(unit: str, site: str, number: str, deadline: date, days: int, major: bool) -> str:
    """The office's notice that ``unit``'s hazard is ``days`` days overdue and proposed for supervision (方案
    五(五))."""
    kind = _("major hazard") if major else _("hazard")
    return _("[Supervision proposed] The {kind} “{site}” of {unit} (ledger number {number}) had its "
             "rectification deadline on {date} and is {days} days overdue. Under 5(5) of the action plan it "
             "is proposed for listed supervision: the leader in charge assigns someone, has a "
             "rectification plan made and follows it to the end; the district safety office presses the "
             "button below to set the supervision level.").format(
        kind=kind, site=site, unit=unit, number=number, date=_d(deadline), days=days)


def work_info(unit: str, year: int, month: int, leader: bool) -> str:
    """The reminder that ``unit`` has sent no work information or typical case for the month (方案 五(二))."""
    head = _("[Work information — please follow up] ") if leader else _("[Work information reminder] ")
    body = _("{unit} has not yet sent its work information or a typical case for {period}. "
             "Under 5(2) of the action plan at least one is sent every month. ").format(
        unit=unit, period=_month(year, month))
    if leader:
        act = _("Today is the last working day of the month; please have the contact send it today.")
    else:
        act = _("Please press the button below to send it (text, photos or a file) by the last working "
                "day of the month.")
    return head + body + act


def quarterly_summary(unit: str, year: int, quarter: int, leader: bool) -> str:
    """The reminder that ``unit`` has sent no summary for the quarter (方案 五(二))."""
    head = _("[Quarterly summary — please follow up] ") if leader else _("[Quarterly summary reminder] ")
    body = _("{unit} has not yet sent its work summary for Q{quarter} {year}. Under 5(2) of the action "
             "plan a summary is sent every quarter. ").format(unit=unit, year=year, quarter=quarter)
    if leader:
        act = _("Today is the last working day of the quarter; please have the contact send it today.")
    else:
        act = _("Please press the button below to send the summary by the last working day of the quarter.")
    return head + body + act


def annual_plan(unit: str, year: int, due: date, days_left: int, leader: bool) -> str:
    """The reminder that ``unit`` has filed no inspection plan (附件3) for ``year``, due ``due``; ``days_left``
    negative once it is late."""
    head = _("[Annual plan — please follow up] ") if leader else _("[Annual plan reminder] ")
    if days_left < 0:
        when = _("the deadline {date} passed {days} days ago").format(date=_d(due), days=-days_left)
    elif days_left == 0:
        when = _("today ({date}) is the deadline").format(date=_d(due))
    else:
        when = _("the deadline is {date}, {days} days from now").format(date=_d(due), days=days_left)
    act = (_("Please have the contact send it soon.") if leader
           else _("Please press the button below to send the plan (an Annex 3 file may be uploaded)."))
    return head + _("{unit} has not yet filed its {year} inspection plan (Annex 3: the annual inspection "
                    "target, the share of registered hazards to verify and the inspection schedule); "
                    "{when}. ").format(unit=unit, year=year, when=when) + act


def lookback_start(unit: str, year: int, end: date) -> str:
    """The reminder of the December lookback inspections (方案 四(四)), to finish before ``end``."""
    return _("[Lookback reminder] Under 4(4) of the action plan, {unit} organises its {year} lookback "
             "inspections in early December, finding and treating hazards that have rebounded or newly "
             "appeared, and finishes them before {date}. Enter those inspections with the type "
             "“lookback”; send a summary report within 7 days after. Press the button below to see your "
             "unit's ledger.").format(unit=unit, year=year, date=_d(end))


def lookback_report(unit: str, year: int, due: date, leader: bool) -> str:
    """The reminder that ``unit``'s lookback summary report for ``year`` is due on ``due``."""
    head = _("[Summary report — please follow up] ") if leader else _("[Summary report reminder] ")
    act = (_("Please have the contact send it today.") if leader
           else _("Please press the button below to send the summary report (text or a file)."))
    return head + _("{unit} has not yet sent its {year} lookback summary report (results, good practice "
                    "and problems); it is due on {date}. ").format(unit=unit, year=year, date=_d(due)) + act


def recipient_blocked(person: str, unit: str) -> str:
    """The note to a unit that its contact ``person`` blocked the bot and receives no more reminders."""
    return _("[A contact cannot receive reminders] {person} of {unit} has blocked this bot; reminders will "
             "no longer be sent to them. Please ask them to start the bot again, or press the button below "
             "to update your unit's contact form (Annex 4).").format(person=person, unit=unit)


def _button_words(key: str) -> str:
    return _(labels.REMINDER_BUTTONS[key])


def button(key: str) -> Text:
    """The words of a reminder's button (``ledger``, ``hazard``, … ``rank``)."""
    return text(_button_words, key)


RANKING_LIMIT = 3900  # the outbox keeps 4000 characters; Telegram takes 4096


def weekly_ranking(table, monday: date, as_of: date) -> str:  # type: ignore[no-untyped-def]
    """The weekly 通报 (方案 五(三)): every unit by rectification rate, with its overdue count and the days
    since its ledger last changed; ``table`` is ``bot.services.summary.rank``'s list."""
    lines = [_("[Weekly ranking] Hazard treatment ranking of the units for the week of {monday}, as of "
               "{as_of} (rectification rate · overdue hazards · days since the last update):").format(
        monday=_d(monday), as_of=_d(as_of))]
    for i, r in enumerate(table):
        if labels.unplaced_start(table, i):
            lines.append(_(labels.UNPLACED_HEADING))
        days = labels.update_age(r.line.days_since_update, r.line.not_started, r.line.late_update, _)
        line = _("{unit} {rate} · {overdue} overdue · {days}").format(
            unit=r.line.unit_name, rate=r.line.rectification.percent(), overdue=r.line.overdue, days=days)
        lines.append(line if r.place is None else f"{r.place}. {line}")  # the units not placed are unnumbered
    footnote = _(labels.OVERDUE_FOOTNOTE)
    result = "\n".join(lines)
    if len(result) + len(footnote) + 1 > RANKING_LIMIT:
        cut = RANKING_LIMIT - len(footnote) - 1
        result = result[:cut].rsplit("\n", 1)[0] + "\n" + _("…… (press the button below for the full ranking)")
    return result + "\n" + footnote
