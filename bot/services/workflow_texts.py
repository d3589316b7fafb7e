"""The words of the notices of issue 15's steps — an extension request and its decision, a returned closure
request, a supervision with its level, requirement and deadline, the prompt to supervise a major hazard —
rendered per recipient (``reminders.texts.Text``). HTML: what people typed is escaped and shortened."""

from __future__ import annotations

from datetime import date

from bot.services.notice_texts import NOTE_LIMIT, SITE_LIMIT, _cut, q
from reminders.texts import _


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _head(site: str, number: str) -> str:
    return f"{q(_cut(site, SITE_LIMIT))}（{q(number)}）"


def extension_requested(site: str, number: str, by: str, old: date | None, new: date, reason: str) -> str:
    """To the district office: ``by`` asks to move the deadline of hazard ``number`` from ``old`` to ``new``."""
    return _("⏳ Deadline extension requested: {hazard} — {name} asks to move the rectification deadline from "
             "{old} to {new}.\nReason: {reason}\nPress the button below to approve or refuse it.").format(
        hazard=_head(site, number), name=q(by), old=_day(old), new=_day(new), reason=q(_cut(reason, NOTE_LIMIT)))


def extension_decided(site: str, number: str, approved: bool, by: str, old: date | None, new: date,
                      note: str | None) -> str:
    """To the unit: the office (``by``) approved or refused moving the deadline from ``old`` to ``new``."""
    if approved:
        text = _("✅ Extension approved: {hazard} — the rectification deadline is now {new} (was {old}); decided by "
                 "{name}.").format(hazard=_head(site, number), new=_day(new), old=_day(old), name=q(by))
    else:
        text = _("❌ Extension refused: {hazard} — the rectification deadline stays {old} (asked: {new}); decided by "
                 "{name}.").format(hazard=_head(site, number), new=_day(new), old=_day(old), name=q(by))
    if note:
        text += "\n" + _("Reason: {reason}").format(reason=q(_cut(note, NOTE_LIMIT)))
    return text


def decide_button() -> str:
    """The label of the button that opens the approve/refuse choice."""
    return _("Approve or refuse")


def open_card_button() -> str:
    """The label of the button that opens the hazard's card."""
    return _("Open the hazard")


def supervise_button() -> str:
    """The label of the button that puts the hazard under supervision (挂牌督办)."""
    return _("📌 Put under supervision")


def closure_returned(site: str, number: str, by: str, reason: str) -> str:
    """To the unit: the office returned the closure request; the hazard awaits a new re-inspection."""
    return _("↩️ Closure request returned: {hazard} — {name} returned it to the unit; it waits for a new "
             "re-inspection.\nReason: {reason}").format(hazard=_head(site, number), name=q(by),
                                                         reason=q(_cut(reason, NOTE_LIMIT)))


def supervised(site: str, number: str, level: str, requirement: str, deadline: date, responsible: str) -> str:
    """To the unit and the people on the hazard: it is under supervision at ``level`` (方案 五(五))."""
    return _("📌 Listed supervision (挂牌督办) by {level}: {hazard}\nRequirement: {requirement}\n"
             "Supervision deadline: {deadline}\nPerson responsible: {responsible}\n"
             "Assign someone at once, have a rectification plan made and follow it until it is rectified on time."
             ).format(level=q(level), hazard=_head(site, number), requirement=q(_cut(requirement, NOTE_LIMIT)),
                      deadline=_day(deadline), responsible=q(_cut(responsible, 128)))


def supervision_proposed(site: str, number: str, level: str) -> str:
    """To the district office: a major hazard was registered; 方案 五(五) puts it under ``level`` supervision."""
    return _("📌 Major hazard registered: {hazard}. Under 5(5) of the action plan a major hazard is put under "
             "listed supervision by the {level}; press the button below to set the requirement, deadline and "
             "person responsible.").format(hazard=_head(site, number), level=q(level))
