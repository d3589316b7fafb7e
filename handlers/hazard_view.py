"""How a hazard looks in a chat: its card (state, overdue, supervision, the five implementations), its history
(一患一案), lists of hazards and what an action did (the notice sent to others is
``bot.services.notice_texts.hazard_step``, queued by the service).
Everything from the database or typed by a user is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import labels
from bot.documents.views import NoticeKind
from bot.domain import HazardState
from bot.services import notice_texts as words
from bot.services.find import HazardCase, HazardSummary
from bot.services.lifecycle import MAJOR, Action
from bot.services.transitions import Outcome
from handlers.correction_view import change_lines, hazard_buttons
from handlers.hazard_callbacks import CASE_FILE, CODE_OF, HISTORY, NOTICE_CODES, OPEN, HazardCb
from handlers.message_limits import LONG_TEXT_LIMIT, clip, shorten
from handlers.texts import level_name, listed, local_time, localized, q
from handlers.workflow_card import pending_extension_line, supervision_lines

# How much of a long value the card shows, in UTF-16 code units as Telegram counts them; a longer value is
# cut and ends in "…" (``shorten``). The limits keep every line of the card in one message (Bot API: 4096
# characters after entities parsing, ``clip``) even when every value is at its longest: description (up
# to 4000 typed) ``LONG_TEXT_LIMIT`` (1200); measures and contingency plan (4000 each) 600 each; site name, address and
# responsibility (256, 512, 512) 200 each: 3200, about 3500 with the other lines (a rejected hazard's reason
# ``NOTE_LIMIT`` more: about 3850). The whole values stay in
# the database and in the ledger (/export hazards).
CARD_PLAN_TEXT_LIMIT = 600
CARD_FIELD_LIMIT = 200
# A reason or note in the history (up to 2000 typed), so later steps stay in the message.
NOTE_LIMIT = 300


def state_name(state: str) -> str:
    """A hazard state's name in the user's language."""
    return localized(words.state_name, state)


def stage_name(stage: str) -> str:
    """A photo stage's name in the user's language."""
    return labels.name(labels.PHOTO_STAGES, stage, _)


def action_name(action: str) -> str:
    """A life cycle action's name in the user's language."""
    return localized(words.action_name, action)


def button_label(action: Action) -> str:
    """The label of the button of ``action`` in the user's language."""
    return _(labels.ACTION_BUTTONS[action])


def amount_text(value: Decimal | None) -> str:
    """An amount in 万元 without trailing zeros (2.5, not 2.5000)."""
    return "" if value is None else f"{value.normalize():f}"


def number_of(summary: HazardSummary) -> str:
    """The number the user knows the hazard by: its ledger number, else its draft number."""
    return summary.ledger_number or summary.draft_number


def address_text(case: HazardCase) -> str:
    """The typed address; for a hazard given only a pin, its coordinates and the nearest typed address."""
    h = case.hazard
    if h.address.strip() or h.latitude is None or h.longitude is None:
        return h.address
    text = _("pin at {lat:.5f}, {lon:.5f}").format(lat=h.latitude, lon=h.longitude)
    if case.nearby_address:
        text += " · " + _("near {address}").format(address=case.nearby_address)
    return text


def card_text(case: HazardCase) -> str:
    """A hazard's card (HTML, user text escaped, clipped): site, level, number, state, supervision, unit,
    place, description, type, the 五落实 plan, deadline and photos."""
    s, h, plan = case.summary, case.hazard, case.plan
    lines = [f"<b>{q(shorten(s.site_name, CARD_FIELD_LIMIT))}</b> · {q(level_name(s.level))}",
             _("Number: {number}").format(number=q(number_of(s)))]
    state = state_name(s.state)
    if s.overdue:
        state += " · " + _("OVERDUE")
    lines.append(_("State: {state}").format(state=state))
    returned = rejection_line(case)
    if returned:
        lines.append(returned)
    if s.supervision:
        lines.append(_("Under supervision: {levels}").format(levels=q(listed(x.level for x in s.supervision))))
    lines.extend(supervision_lines(case))
    if h.township and h.township != s.unit_name:  # a department's hazard lies in some township
        lines.append(_("Unit: {unit} · {township}").format(unit=q(s.unit_name), township=q(h.township)))
    else:  # a township's own hazard: its name once
        lines.append(_("Unit: {unit}").format(unit=q(s.unit_name)))
    lines.append(_("Address: {address}").format(address=q(shorten(address_text(case), CARD_FIELD_LIMIT))))
    if case.origins:
        lines.append(_("Made from: {numbers}").format(numbers=q(shorten(listed(case.origins), CARD_FIELD_LIMIT))))
    lines.append(_("Description: {text}").format(text=q(shorten(h.description, LONG_TEXT_LIMIT))))
    lines.append(_("Type: {category} / {subtype}").format(category=q(h.category), subtype=q(h.subtype)))
    lines.append(_("Responsibility: {v}").format(v=q(shorten(plan.responsibility or "—", CARD_FIELD_LIMIT))))
    lines.append(_("Measures: {v}").format(v=q(shorten(plan.measures or "—", CARD_PLAN_TEXT_LIMIT))))
    lines.append(_("Funds (10k yuan): {v}").format(v=q(amount_text(plan.funds) or "—")))
    lines.append(_("Deadline: {v}").format(v=q(plan.deadline.isoformat() if plan.deadline else "—")))
    waiting = pending_extension_line(case)
    if waiting:
        lines.append(waiting)
    lines.append(_("Contingency plan: {v}").format(v=q(shorten(plan.contingency_plan or "—", CARD_PLAN_TEXT_LIMIT))))
    if h.registered_at:
        lines.append(_("Registered at: {when}").format(when=local_time(h.registered_at, case.tz)))
    if h.reinspected_on:
        lines.append(_("Re-inspection: {date} {result}").format(date=h.reinspected_on.isoformat(),
                                                                 result=q(h.reinspection_result)))
    if case.linked:
        lines.append(_("New hazards found in the lookback: {numbers}").format(numbers=q(listed(case.linked))))
    for step in case.steps:
        if step.action == "issue_notice":
            lines.append(_("Issued: {title} {number} on {when} by {name}").format(
                title=q(str(step.data.get("title", ""))), number=q(str(step.data.get("number", ""))),
                when=local_time(step.at, case.tz), name=q(step.actor_name)))
    photos = sum(len(v) for v in case.photos_by_stage.values())
    lines.append(_("Steps: {steps} · photos: {photos}").format(steps=len(case.steps), photos=photos))
    return clip("\n".join(lines))


def rejection_line(case: HazardCase) -> str:
    """For a rejected hazard, why it was sent back (the latest rejection's reason, escaped, at most
    ``NOTE_LIMIT`` characters), by whom and when: what the inspector corrects before resubmitting. "" for a
    hazard in any other state, or a rejection without a reason (an old record)."""
    if case.summary.state != HazardState.REJECTED:
        return ""
    step = next((s for s in reversed(case.steps) if s.action == Action.REJECT and (s.note or "").strip()), None)
    if step is None or step.note is None:
        return ""
    return _("Reason for rejection: {reason} ({name}, {when})").format(
        reason=q(shorten(step.note.strip(), NOTE_LIMIT)), name=q(step.actor_name), when=local_time(step.at, case.tz))


def history_text(case: HazardCase) -> str:
    """A hazard's history (HTML, clipped): one line per step with its time (Asia/Shanghai), action, who, note,
    photos and changed fields."""
    lines = [_("History of {number} (one hazard, one file):").format(number=q(number_of(case.summary)))]
    for step in case.steps:
        line = f"{local_time(step.at, case.tz)} {action_name(step.action)} — {q(step.actor_name)}"
        if step.note:
            line += f"：{q(shorten(step.note, NOTE_LIMIT))}"
        if step.photo_count:  # as the event listed them: a photo taken off the record later still counts here
            photos = _("({count} photos)").format(count=step.photo_count)
            line += ("" if photos.startswith("（") else " ") + photos  # no space before full-width punctuation
        lines.append(line)
        lines.extend(change_lines("hazard", step.data.get("changes") or {}))
        removed = step.data.get("removed_photos")
        if isinstance(removed, list) and removed:  # a resubmission took them off the record
            lines.append("   " + _("Photos removed: {count}").format(count=len(removed)))
        lapsed = step.data.get("extension_lapsed")
        if isinstance(lapsed, dict):  # the request this report made moot (``LifecycleService.report_rectification``)
            lines.append("   " + _("The extension request (to {date}) is closed: no longer needed.").format(
                date=q(str(lapsed.get("requested", "")))))
    return clip("\n".join(lines))


_BUTTON_ACTIONS = tuple(CODE_OF)
_SETBACKS = frozenset({Action.REJECT, Action.REINSPECT_FAIL, Action.LOOKBACK_REBOUND, Action.RETURN_CLOSURE,
                       Action.REQUEST_EXTENSION})


def notice_label(kind: NoticeKind) -> str:
    """The label of the button that sends notice ``kind`` as a Word file."""
    labels = {
        NoticeKind.RECTIFICATION: _("📄 Rectification notice (Word)"),
        NoticeKind.SUPERVISION: _("📄 Supervision notice (Word)"),
        NoticeKind.REINSPECTION: _("📄 Re-inspection record (Word)"),
    }
    return labels[kind]


def card_keyboard(case: HazardCase, notices: Sequence[NoticeKind] = ()) -> InlineKeyboardMarkup:
    """The card's buttons: the actions the viewer may take, the notices they may issue (``notices``), the
    history and the printable case file."""
    hid = case.summary.id
    # The step forward comes first on every card, so "#1" out of habit never rejects or fails a hazard.
    shown = sorted((a for a in case.actions if a in _BUTTON_ACTIONS),
                   key=lambda a: (a == Action.SET_PLAN, a in _SETBACKS))
    rows = [
        [InlineKeyboardButton(text=button_label(a), callback_data=HazardCb(id=hid, a=CODE_OF[a]).pack())]
        for a in shown
    ]
    if Action.SET_LEVEL in case.actions:
        code = "lg" if case.summary.level == MAJOR else "lm"
        label = _("Lower to a general hazard") if code == "lg" else _("Raise to a major hazard")
        rows.append([InlineKeyboardButton(text=label, callback_data=HazardCb(id=hid, a=code).pack())])
    code_of_notice = {kind: code for code, kind in NOTICE_CODES.items()}
    rows.extend([InlineKeyboardButton(text=notice_label(k), callback_data=HazardCb(id=hid, a=code_of_notice[k]).pack())]
                for k in notices)
    rows.extend(hazard_buttons(hid, case.actions))
    rows.append([InlineKeyboardButton(text=_("📜 History and photos"), callback_data=HazardCb(id=hid, a=HISTORY).pack()),
                 InlineKeyboardButton(text=_("🖨 Case file (PDF)"), callback_data=HazardCb(id=hid, a=CASE_FILE).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def list_text(title: str, hazards: Sequence[HazardSummary]) -> str:
    """A numbered list of hazards under ``title`` (HTML, clipped): site, state, overdue, number."""
    if not hazards:
        return title + "\n" + _("Nothing here.")
    lines = [title]
    for i, s in enumerate(hazards, 1):
        flag = " · " + _("OVERDUE") if s.overdue else ""
        lines.append(f"{i}. {q(s.site_name)} — {state_name(s.state)}{flag} — {q(number_of(s))}")
    return clip("\n".join(lines))


def list_keyboard(hazards: Sequence[HazardSummary]) -> InlineKeyboardMarkup | None:
    """A button per listed hazard opening its card, None when the list is empty."""
    if not hazards:
        return None
    rows = [[InlineKeyboardButton(text=f"{i}. {s.site_name[:40]}", callback_data=HazardCb(id=s.id, a=OPEN).pack())]
            for i, s in enumerate(hazards, 1)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def outcome_text(outcome: Outcome) -> str:
    """What a life cycle action did to a hazard, in one line (with the ledger number on registration)."""
    text = _("{site} ({number}): {action}. Now: {state}.").format(
        site=q(outcome.site_name), number=q(outcome.ledger_number or outcome.draft_number),
        action=action_name(outcome.action), state=state_name(outcome.to_state),
    )
    if outcome.action == Action.REGISTER and outcome.ledger_number:
        text += "\n" + _("Ledger number: {number}").format(number=q(outcome.ledger_number))
    return text


def field_name(key: str) -> str:
    """The name of a hazard field in the user's language."""
    return labels.name(labels.HAZARD_FIELDS, key, _)
