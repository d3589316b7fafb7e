"""Rendering a form ``Prompt`` as a Telegram message: text (HTML, user values escaped) and buttons."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.forms.actions import Nav
from bot.forms.checks import Rejected
from bot.forms.prompt import Prompt
from bot.services.transitions import Outcome
from handlers.callbacks import InspectionCb, form_data
from handlers.correction_view import submitted_text as correction_submitted
from handlers.error_texts import error_text
from handlers.form_switch import remember
from handlers.hazard_view import outcome_text
from handlers.message_edits import ButtonMessage
from handlers.message_limits import LONG_TEXT_LIMIT, clip, shorten
from handlers.texts import listed, q
from handlers.tipoff_texts import submitted_tipoff_text
from handlers.workflow_card import submitted_text as workflow_submitted

WORKFLOW_FORMS = ("deadline_extension", "extension_refusal", "closure_return", "supervision", "closure",
                  "verification_pass")

REVIEW_VALUE_LIMIT = 150  # UTF-16 code units of each value on the review card (``shorten``)
REJECTION_LIMIT = 300  # of the rejection reason atop a correction's prompts: the reject form takes 2000

CORRECTION_KINDS = ("hazard_edit", "hazard_resubmit", "hazard_correct", "hazard_transfer", "inspection_edit",
                    "inspection_correct", "inspection_void")


def _date_word(code: str) -> str:
    words = {
        "today": _("Today"),
        "yesterday": _("Yesterday"),
        "day_before_yesterday": _("2 days ago"),
        "tomorrow": _("Tomorrow"),
        "in_7_days": _("In 7 days"),
        "in_15_days": _("In 15 days"),
        "in_30_days": _("In 30 days"),
        "in_90_days": _("In 90 days"),
    }
    return words.get(code, code)


def _notice(prompt: Prompt) -> str:
    params = {k: q(v) for k, v in prompt.notice_params.items()}
    texts = {
        "resumed": _("You have an unfinished form: {form}. Continuing where you left off (/cancel to discard it)."),
        "photo_added": _("Photo received ({count} so far). Send more, or press Done."),
        "document_added": _("Document {name} received and kept. Send photos too if you have any, or press Done."),
        "document_replaced": _("Document {old} replaced by {name}. Send photos too if you have any, or press Done."),
        "album_receiving": _("Receiving the album… Press Done when all photos have arrived."),
        "photos_saved": _("{field}: {count} photo(s) saved."),
        "document_saved": _("{field}: document {name} saved."),
        "evidence_saved": _("{field}: {count} photo(s) and document {name} saved."),
        # said at the first late photo only: a count would already be behind when the rest arrive
        "album_late": _("Photos of the album that arrived late are added to {field}."),
        "document_late": _("Document {name} arrived after Done and is added to {field}."),
        "pin_saved": _("Location saved. Now type the detailed address (to the door number)."),
        "door_number_needed": _("Only a pin so far: please type the address to the door number (the pin is kept "
                                "with it)."),
        "missing_fields": _("Some required fields are still empty: {fields}."),
        "photo_removed": _("Photo {number} (received {time}) removed from this form; {count} left."),
    }
    if prompt.notice and prompt.notice not in texts:  # an answer that no longer holds, found at submit
        return "⚠️ " + error_text(Rejected(prompt.notice, **prompt.notice_params))
    said = texts.get(prompt.notice or "", "").format(**params)
    if "declared" in params:  # its bytes are another kind than its name says (storage.upload_kinds.kind_changed)
        said += "\n" + _("⚠️ {declared} is not what its name says: by its content it was kept as {name}. If that is "
                         "the wrong file, press Edit on the review card and send the right one.").format(**params)
    return said


def _nav_button(prompt: Prompt, text: str, op: Nav) -> InlineKeyboardButton:
    """A navigation button that names the question (or review card) it was shown under, so a press on
    an earlier message is refused instead of moving the form on (``NavAnswer.step``)."""
    return InlineKeyboardButton(text=text, callback_data=form_data(prompt.draft_id, "n", prompt.step_index, a=op.value))


def confirm_discard(current: Prompt) -> InlineKeyboardMarkup:
    """"Cancel" (button or /cancel) asks first: one tap beside "Submit", or on /cancel in the command
    menu, must not throw away a 19-question form. The answer names the question ``current`` shows, so
    a confirmation left unanswered expires when the form moves on."""
    def button(text: str, op: Nav) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=form_data(current.draft_id, "n", current.step_index, a=op.value))

    return InlineKeyboardMarkup(inline_keyboard=[[button(_("Yes, discard"), Nav.DISCARD),
                                                  button(_("No, continue"), Nav.STAY)]])


def _named(title: str, about: str | None) -> str:
    return _("«{form}»").format(form=q(title)) + (_(" (about {subject})").format(subject=q(about)) if about else "")


def render_other_open(prompt: Prompt) -> tuple[str, InlineKeyboardMarkup]:
    """Another form asked for while ``prompt``'s is open: both named, and the choice — continue the open one,
    or discard it (asked to confirm, ``confirm_switch``) and open the one asked for. Nothing is changed yet."""
    assert prompt.asked is not None
    text = _("⚠️ You have another form open, not yet submitted: {open}.\n"
             "It is not the one you asked for: {asked}.\n"
             "Continue the open form, or discard it (everything entered in it is deleted) and open the one you "
             "asked for?").format(open=_named(prompt.form_title, prompt.subject),
                                  asked=_named(prompt.asked, prompt.asked_subject))
    return text, InlineKeyboardMarkup(inline_keyboard=[
        [_nav_button(prompt, _("▶️ Continue {form}").format(form=shorten(prompt.form_title, 30)), Nav.STAY)],
        [_nav_button(prompt, _("🗑 Discard it, open {form}").format(form=shorten(prompt.asked, 30)), Nav.SWITCH)],
    ])


def confirm_switch(draft_id: int, step: int) -> InlineKeyboardMarkup:
    """"Discard it and open the other" asks first, as /cancel does; the answer names the question the open form
    showed, so it expires once that form moves on."""
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("Yes, discard and open"),
                             callback_data=form_data(draft_id, "n", step, a=Nav.SWITCH_DISCARD.value)),
        InlineKeyboardButton(text=_("No, continue"), callback_data=form_data(draft_id, "n", step, a=Nav.STAY.value)),
    ]])


def _nav_row(prompt: Prompt) -> list[InlineKeyboardButton]:
    row = []
    if prompt.can_back:
        row.append(_nav_button(prompt, _("« Back to review") if prompt.back_to_review else _("« Back"), Nav.BACK))
    if prompt.can_skip:
        row.append(_nav_button(prompt, _("Skip"), Nav.SKIP))
    row.append(_nav_button(prompt, _("Cancel"), Nav.CANCEL))
    return row


def _grid(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    """``buttons`` in rows of ``width``; built directly because ``InlineKeyboardBuilder`` deep-copies
    its markup on export, a measurable part of every form step (benchmarks/RESULTS-scale.md)."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _rejection(prompt: Prompt) -> list[str]:
    """The line naming why the rejected record this form corrects was rejected (escaped, cut to
    ``REJECTION_LIMIT``), none for other forms."""
    if not prompt.rejection:
        return []
    return ["❗ " + _("Reason for rejection: {reason}").format(reason=q(shorten(prompt.rejection, REJECTION_LIMIT)))]


def render_question(prompt: Prompt, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The question ``prompt`` asks (HTML, user text escaped) with its buttons: the error or notice first, the
    form and position, the label, hint and current answer, then choices and navigation."""
    assert prompt.field is not None
    spec = prompt.field
    lines = []
    if prompt.error:
        lines.append("⚠️ " + error_text(Rejected(prompt.error, **prompt.error_params)))
    if prompt.notice:
        lines.append(_notice(prompt))
    lines.extend(_rejection(prompt))
    number, total = prompt.position
    required = "" if spec.required else _(" (optional)")
    lines.append(f"<b>{q(prompt.form_title)}</b> · {number}/{total}")
    if prompt.subject:
        lines.append(_("About: {subject}").format(subject=q(prompt.subject)))
    lines.append(f"<b>{q(spec.label(locale))}</b>{required}")
    hint = spec.hint(locale, keep=prompt.current_value is not None and not spec.takes_done)  # as the Keep button
    if hint:
        lines.append(f"<i>{q(hint)}</i>")
    if prompt.current_value is not None and prompt.notice != "album_receiving":  # its count is still growing
        lines.append(_("Current: {value}").format(value=q(shorten(prompt.current_value, LONG_TEXT_LIMIT))))
    width = 1 if prompt.option_kind == "hazard_link" else 2 if spec.type == "choice" and len(prompt.options) <= 8 else 3
    options = []
    for index, option in enumerate(prompt.options):
        label = option.label
        if "|" in label and spec.type == "date":
            code, day = label.split("|", 1)
            label = f"{_date_word(code)} {day}"
        if option.selected:
            label = "✅ " + label
        options.append(InlineKeyboardButton(
            text=label[:60], callback_data=form_data(prompt.draft_id, "p", prompt.step_index, index)
        ))
    rows = _grid(options, width)
    extra = []
    if prompt.current_value is not None and not spec.takes_done:
        extra.append(_nav_button(prompt, _("✔ Keep current"), Nav.KEEP))
    if prompt.can_none:
        extra.append(_nav_button(prompt, _("None (无)"), Nav.NONE))
    if prompt.can_done:
        extra.append(_nav_button(prompt, _("Done ✔"), Nav.DONE))
    if extra:
        rows.append(extra)
    if spec.type == "photos" and prompt.photo_count:  # a wrong or blurry photo is taken out without cancelling
        # answered at an album's first photo, the count would stay behind as the rest arrive quietly: no count
        # then (the list it opens is read when pressed)
        manage = (_("🗑 Manage photos") if prompt.notice == "album_receiving"
                  else _("🗑 Manage photos ({count})").format(count=prompt.photo_count))
        rows.append([InlineKeyboardButton(text=manage, callback_data=form_data(prompt.draft_id, "m", prompt.step_index))])
    rows.append(_nav_row(prompt))
    return clip("\n".join(lines)), InlineKeyboardMarkup(inline_keyboard=rows)


def render_review(prompt: Prompt) -> tuple[str, InlineKeyboardMarkup]:
    """The review of a form before it is submitted (HTML): each answer with its edit button, then submit and
    cancel."""
    lines = []
    if prompt.error:
        lines.append("⚠️ " + error_text(Rejected(prompt.error, **prompt.error_params)))
    if prompt.notice:
        lines.append(_notice(prompt))
    lines.extend(_rejection(prompt))
    lines.append(_("<b>{title}</b> — please check before submitting:").format(title=q(prompt.form_title)))
    if prompt.subject:
        lines.append(_("About: {subject}").format(subject=q(prompt.subject)))
    if prompt.linked_inspection:
        lines.append(_("Found in inspection {number}").format(number=q(prompt.linked_inspection)))
    if prompt.linked_tipoff and prompt.form_key == "tipoff_addition":  # the reporter's own words, not an inspector's
        lines.append(_("Adds to your tip-off {number}").format(number=q(prompt.linked_tipoff)))
    elif prompt.linked_tipoff:
        lines.append(_("Verifies tip-off {number} from the public").format(number=q(prompt.linked_tipoff)))
    edits = []
    for line in prompt.review:
        lines.append(f"• {q(line.label)}：{q(shorten(line.value, REVIEW_VALUE_LIMIT))}")
        if not line.editable:
            continue
        edits.append(InlineKeyboardButton(
            text=_("Edit: {label}").format(label=line.label)[:40],
            callback_data=form_data(prompt.draft_id, "e", i=line.field_index),
        ))
    rows = _grid(edits, 2)
    if prompt.missing:
        lines.append("⚠️ " + _("Still required: {fields}").format(fields=q(listed(prompt.missing))))
    if prompt.photo_count:
        rows.append([InlineKeyboardButton(
            text=_("🖼 View photos ({count})").format(count=prompt.photo_count),
            callback_data=form_data(prompt.draft_id, "v"),
        )])
    rows.append([
        _nav_button(prompt, _("✅ Submit"), Nav.SUBMIT),
        _nav_button(prompt, _("Cancel"), Nav.CANCEL),
    ])
    return clip("\n".join(lines)), InlineKeyboardMarkup(inline_keyboard=rows)


def render_submitted(prompt: Prompt) -> tuple[str, InlineKeyboardMarkup | None]:
    """What a submitted form answers (HTML), by kind of form, with the buttons that follow, if any."""
    result = prompt.submitted
    assert result is not None
    if result.kind == "lifecycle" and isinstance(result.detail, Outcome):
        return outcome_text(result.detail), None  # the service queued the notices to the others
    if result.kind in ("tipoff", "tipoff_addition"):
        return submitted_tipoff_text(result), None
    if result.kind in WORKFLOW_FORMS:
        return workflow_submitted(result), None
    if result.kind in CORRECTION_KINDS:
        return correction_submitted(result), None
    if result.kind == "hazard":
        return _(
            "✅ Hazard submitted.\nNumber: <code>{number}</code>\nState: pending review by your unit\nPhotos: {photos}\n"
            "You will be told when it is reviewed. The ledger number is assigned when the district office registers it."
        ).format(number=q(result.number), photos=result.photo_count), None
    if result.kind == "plan":
        return _(
            "✅ Annual inspection plan for {year} filed, with {rows} arrangement rows.\n"
            "/status compares inspections and verification with it; /plan again replaces it."
        ).format(year=q(result.number), rows=result.rows), None
    linked = listed(result.linked) if result.linked else _("none")
    text = _(
        "✅ Inspection recorded.\nNumber: <code>{number}</code>\nLinked hazards: {linked}\nPhotos: {photos}\n"
        "Found a hazard in this inspection? Record it now:"
    ).format(number=q(result.number), linked=q(linked), photos=result.photo_count)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➕ Record a hazard found here"), callback_data=InspectionCb(id=result.record_id))
    return text, builder.as_markup()


def render(prompt: Prompt, locale: str) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """Text and keyboard for ``prompt``; None when nothing should be sent."""
    if prompt.kind == "question":
        return render_question(prompt, locale)
    if prompt.kind == "review":
        return render_review(prompt)
    if prompt.kind == "submitted":
        return render_submitted(prompt)
    if prompt.kind == "cancelled":
        return _("The form was cancelled; nothing was submitted.").format(), None
    if prompt.kind == "none":
        if prompt.public:
            return _("There is no open report. Send /report to report a hazard, or /track NUMBER to follow one. "
                     "Staff: bind your unit with /bind CODE first."), None
        return _("There is no open form. Start one with /inspect or /hazard.").format(), None
    if prompt.kind == "other_open":
        return render_other_open(prompt)
    if prompt.kind == "late_after_close":
        return _("This photo of the album arrived after the form was closed, so it was not added."), None
    return None


async def send_prompt(message: ButtonMessage, prompt: Prompt, locale: str, *, lead: str | None = None) -> None:
    """One message with the question, card or answer ``prompt`` describes (nothing for a prompt with no words);
    the notices a submission owes were queued by the service. ``lead`` (HTML): a paragraph said before it, in the
    same message when both fit Telegram's 4096 characters (else in its own message first, the question whole):
    two messages back to back meet Telegram's limit of about one message a second per chat (429)."""
    await remember(prompt)
    rendered = render(prompt, locale)
    if rendered is None:
        if lead:
            await message.answer(lead)
        return
    text, keyboard = rendered
    if lead:
        joined = f"{lead}\n\n{text}"
        if clip(joined) == joined:
            text = joined
        else:
            await message.answer(lead)
    await message.answer(text, reply_markup=keyboard)
