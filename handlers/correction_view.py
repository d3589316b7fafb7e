"""How corrections look in a chat: the card's correction buttons, the inspection's view with its history and
buttons, and the answer to a submitted correction. Everything typed by a user is escaped."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import labels
from bot.forms.prompt import Submitted
from bot.forms.spec import load_form
from bot.services.correction_service import InspectionCase
from bot.services.lifecycle import Action
from handlers.correction_callbacks import (
    HAZARD_CORRECT,
    HAZARD_TRANSFER,
    INSPECTION_CORRECT,
    INSPECTION_VOID,
    CorrectCb,
)
from handlers.message_limits import clip, shorten
from handlers.texts import listed, local_time, q

NOTE_LIMIT = 300
VALUE_LIMIT = 120


def hazard_buttons(hazard_id: int, actions: tuple[Action, ...]) -> list[list[InlineKeyboardButton]]:
    """The correction rows of a hazard's card for the actions its viewer may take now."""
    label = None
    if Action.RESUBMIT in actions:
        label = _("✏️ Correct and resubmit")
    elif Action.EDIT in actions:
        label = _("✏️ Edit")
    elif Action.CORRECT in actions:
        label = _("✏️ Correct (with a reason)")
    rows = []
    if label:
        rows.append([InlineKeyboardButton(text=label, callback_data=CorrectCb(id=hazard_id, a=HAZARD_CORRECT).pack())])
    if Action.TRANSFER in actions:
        rows.append([InlineKeyboardButton(text=_("🔀 Transfer to another unit"),
                                           callback_data=CorrectCb(id=hazard_id, a=HAZARD_TRANSFER).pack())])
    return rows


def field_label(form_key: str, key: str) -> str:
    """A field of ``form_key`` as the form names it in the current language (the key itself if unknown)."""
    from aiogram.utils.i18n import I18n

    i18n = I18n.get_current(no_error=True)
    locale = i18n.current_locale if i18n is not None else "zh"
    try:
        return load_form(form_key).field(key).label(locale)
    except KeyError:
        return _("unit") if key == "unit" else key


def change_lines(form_key: str, changes: dict[str, list[str]]) -> list[str]:
    """``field: old → new``, one line per changed field."""
    return [f"  {q(field_label(form_key, k))}: {q(shorten(str(v[0]), VALUE_LIMIT))} → {q(shorten(str(v[1]), VALUE_LIMIT))}"
            for k, v in changes.items() if isinstance(v, list | tuple) and len(v) == 2]


def _action(action: str) -> str:
    """An inspection's step (``edit``, ``correct`` or ``void``) as its history names it."""
    return labels.name(labels.ACTIONS, action, _)


def inspection_text(case: InspectionCase) -> str:
    """An inspection record's card (HTML, user text escaped): number, type, date, unit, site, linked hazards,
    penalty, remarks, its change history, and its voiding when voided."""
    i = case.inspection
    lines = [f"<b>{q(i.number)}</b> · {q(i.inspection_type)} · {i.inspected_on.isoformat()}"]
    if i.voided_at is not None:
        lines.append("⛔ " + _("Voided: {reason}").format(reason=q(shorten(i.void_reason or "", NOTE_LIMIT))))
    lines.append(_("Inspecting unit: {unit} · inspectors: {count}").format(unit=q(i.inspecting_unit),
                                                                          count=i.inspector_count))
    lines.append(_("Site: {site} · {township} · {address}").format(
        site=q(shorten(i.site_name, 200)), township=q(i.township), address=q(shorten(i.address, 200))))
    lines.append(_("Linked hazards: {numbers}").format(numbers=q(listed(case.hazard_numbers) or _("none"))))
    if i.penalty_type:
        lines.append(_("Penalty: {penalty}").format(penalty=q(i.penalty_type)))
    if i.remarks:
        lines.append(_("Remarks: {text}").format(text=q(shorten(i.remarks, NOTE_LIMIT))))
    if case.history:
        lines.append(_("History:"))
        for step in case.history:
            line = f"{local_time(step.at, case.tz)} {_action(step.action)} — {q(step.actor_name)}"
            if step.note:
                line += f"：{q(shorten(step.note, NOTE_LIMIT))}"
            lines.append(line)
            lines.extend(change_lines("inspection", step.changes))
    return clip("\n".join(lines))


def inspection_keyboard(case: InspectionCase) -> InlineKeyboardMarkup | None:
    """The record's buttons the viewer may use (edit, correct with a reason, void), None when none."""
    iid = case.inspection.id
    assert iid is not None
    rows = []
    if case.rights.edit:
        rows.append([InlineKeyboardButton(text=_("✏️ Edit"), callback_data=CorrectCb(id=iid, a=INSPECTION_CORRECT).pack())])
    elif case.rights.correct:
        rows.append([InlineKeyboardButton(text=_("✏️ Correct (with a reason)"),
                                          callback_data=CorrectCb(id=iid, a=INSPECTION_CORRECT).pack())])
    if case.rights.void:
        rows.append([InlineKeyboardButton(text=_("⛔ Void (entered in error)"),
                                          callback_data=CorrectCb(id=iid, a=INSPECTION_VOID).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def submitted_text(result: Submitted) -> str:
    """The answer to a submitted correction, transfer or void (``Submitted.kind`` ``hazard_<mode>``,
    ``inspection_<mode>``, ``hazard_transfer``, ``inspection_void``)."""
    number = q(result.number)
    if result.kind == "hazard_transfer":
        return _("✅ Hazard {number} transferred from {old} to {new}. Those of both units who use the bot are told: "
                 "the old unit's reviewers; the new unit's reviewers, inspectors, contacts and leaders.").format(
            number=number, old=q(result.linked[0]), new=q(result.linked[1]))
    if result.kind == "inspection_void":
        return _("✅ Inspection {number} voided: it is no longer in the inspection ledger or the counts; its history "
                 "keeps it.").format(number=number)
    if result.kind == "hazard_resubmit":
        text = _("✅ Hazard {number} corrected and resubmitted: it waits for your unit's review again.")
    elif result.kind.startswith("hazard_"):
        text = _("✅ Hazard {number} corrected.")
    else:
        text = _("✅ Inspection {number} corrected.")
    text = text.format(number=number)
    form = "hazard" if result.kind.startswith("hazard_") else "inspection"
    fields = listed(field_label(form, k) for k in result.linked)
    said = [_("Changed: {fields}").format(fields=q(fields))] if fields else []
    if result.photo_count:  # photos sent in the form joined the record: a change, though no field changed
        said.append(_("Photos added: {count}").format(count=result.photo_count))
    if result.photos_removed:  # taken off the record: a change as well
        said.append(_("Photos removed: {count}").format(count=result.photos_removed))
    return "\n".join([text, *(said or [_("Nothing was changed.")])])
