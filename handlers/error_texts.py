"""Why something was refused, in the user's language: the one renderer of every error a user may be told
about — a domain error (``bot.services.errors.DomainError`` and its subclasses across services, storage and
reminders) or a rejected answer (``bot.forms.checks.Rejected``). Message ids are English; see ``bot/locales``.

Call it inside an i18n context (a handler, or ``handlers.errors`` which opens one for the refused update).
Everything that came from a user or the database is escaped."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.forms.checks import Rejected
from bot.services.contacts_import import ContactsImportRejected
from bot.services.errors import DomainError, PermissionDenied
from handlers.find_view import contradiction_text, filter_refusal
from handlers.hazard_view import action_name, field_name, state_name
from handlers.inbox_texts import INBOX_ERRORS, inbox_refusal
from handlers.sheet_texts import sheet_refusal
from handlers.texts import listed, q
from storage.models_deadlines import APPROVED, LAPSED, REFUSED

IMAGE_ERRORS = frozenset({
    "file_too_big", "image_too_large_pixels", "image_too_many_frames", "image_truncated", "not_an_image",
    "image_format_unsupported", "photo_download_failed", "file_download_failed",
})
CONTACTS_PROBLEMS_SHOWN = 50


def error_text(error: DomainError | Rejected, *, bound: bool = True) -> str:
    """One short text saying why ``error`` happened. ``bound``: ``False`` when the person holds no role and
    should be told how to bind rather than "Your role does not allow this" (``OnRefusal.explain_binding``).
    A ``Rejected`` is an answer that does not fit a question (its codes: ``bot.forms.checks``,
    ``bot.services.forms``, ``bot.services.tipoff_records``); a ``DomainError`` anything else refused."""
    if isinstance(error, Rejected):
        return _rejection(error.code, error.params)
    if isinstance(error, PermissionDenied) and not bound:
        return _domain("not_bound", {})
    if isinstance(error, ContactsImportRejected):
        lines = "\n".join(q(str(p)) for p in error.problems[:CONTACTS_PROBLEMS_SHOWN])
        return _("{count} problems; nothing was imported:\n{lines}").format(count=error.total, lines=lines)
    return _lifecycle(error) or _domain(error.code, error.params)


def _lifecycle(exc: DomainError) -> str | None:
    """The hazard life cycle's refusals (design.md "Hazard life cycle"), ``None`` for other codes."""
    p: dict[str, Any] = {k: q(v) for k, v in exc.params.items() if not isinstance(v, list | tuple)}
    texts = {
        "invalid_transition": _("This cannot be done while the hazard is {state}."),
        "reason_required": _("Please give a reason."),
        "evidence_required": _("A rectification needs acceptance evidence: photos or a document."),
        "reinspector_must_differ": _("The re-inspection must be done by someone other than the person who reported the rectification."),
        "deadline_required": _("Please give a new deadline."),
        "deadline_in_past": _("The new deadline cannot be before today."),
        # the reason itself is not repeated: the form's card shows it right below (❗ 驳回理由)
        "nothing_changed": _("Nothing was changed since this hazard was rejected, so it was not sent back: the "
                             "reviewer would only reject it again. Change what the reason for rejection asks for; "
                             "if you think it is right as it is, say why in Remarks, then submit."),
        "invalid_value": _("That value is not accepted ({field})."),
        "already_supervised": _("This hazard is already under supervision at that level."),
        "sample_exists": _("That sample was already drawn."),
        "notice_not_applicable": _("This notice does not fit the hazard as it stands now (rectification notice: "
                                   "registered; supervision notice: under supervision; re-inspection record: "
                                   "rectification reported)."),
        "extension_pending": _("An extension request for this hazard is already waiting for the district safety "
                               "office (to {requested}); one at a time."),
        "extension_not_later": _("The new deadline must be after the current deadline ({deadline})."),
        "deadline_locked": _("After registration the deadline ({deadline}) changes only by an extension request "
                             "that the district safety office approves: use “Request a deadline extension”."),
    }
    if exc.code == "stale_action" and "hazard_id" in exc.params:
        # two people pressed at the same moment and the other one's press was stored first; a form's stale
        # button (no hazard) is a ``_domain`` text
        if exc.params.get("form_kept"):  # a life-cycle form's submission (``forms._lost_race``): kept on its card
            return _("Someone else changed this hazard a moment ago, so this form was not submitted. It is kept "
                     "as you filled it in: check it and submit it again.")
        return _("Someone else changed this hazard a moment ago; nothing was done. "
                 "Open it again (/find) to see where it stands.")
    if exc.code == "already_done" and exc.params.get("action") == "register":
        # 挂账 once is for good: said as such with who did it, wherever the hazard went since (not who moved it last)
        return _("This hazard is already registered in the ledger (registered by {name}); it is now: {state}.").format(
            name=p.get("by", "?"), state=state_name(str(exc.params.get("now") or exc.params.get("state") or "")))
    if exc.code == "already_done":
        return _("Already done by {name}: {action}.").format(name=p.get("by", "?"),
                                                            action=action_name(str(exc.params.get("action"))))
    if exc.code == "level_unchanged":  # a confirmation, or a card, older than the change another made
        by = p.get("by")
        if by:
            return _("This hazard is already a {level} ({name} changed it); this tap changed nothing.").format(
                level=p.get("value", ""), name=by)
        return _("This hazard is already a {level}; this tap changed nothing.").format(level=p.get("value", ""))
    if exc.code == "extension_decided":
        if exc.params.get("status") == LAPSED:
            return _("This request is closed: {name} reported the rectification, so no extension is needed.").format(
                name=p.get("by") or "?")
        return _("This request was already decided: {status} by {name}.").format(
            status=extension_status(str(exc.params.get("status"))), name=p.get("by") or "?")
    if exc.code == "five_implementations_missing":
        return _("The five implementations are not complete; missing: {fields}.").format(
            fields=listed(field_name(k) for k in exc.params.get("missing", [])))
    if exc.code == "invalid_transition":
        p["state"] = state_name(str(exc.params.get("state")))
    if exc.code == "invalid_value":
        p["field"] = field_name(str(exc.params.get("field")))
    if exc.code in texts:
        return texts[exc.code].format(**p)
    return None


def _domain(code: str, params: dict[str, Any]) -> str:
    texts = {
        "not_bound": _("You are not bound to a unit yet. Ask your unit's administrator for an invite code and send /bind CODE."),
        "permission_denied": _("Your role does not allow this."),
        "role_revoked": _("You no longer hold a role at {unit} that may do this, so nothing more is done in its "
                          "name. What you entered is kept; send /cancel to discard it."),
        "not_found": _("Not found, or not within your scope."),
        "unknown_unit": _("Unknown unit: {unit}."),
        "unit_then_name": _("“{unit}” is a unit, but “{name}” after it is not: write the person's name after "
                            "姓名:, e.g. /invite {role} {unit} 姓名:{name}"),
        "unit_not_known": _("No unit is called “{name}”. Did you mean: {suggestions}? Send the name of a township, "
                            "department or functional-zone committee, e.g. /status 朝外街道."),
        "role_not_for_unit": _("The district safety office role is held at 区安委会办公室 only, not at {unit}."),
        "no_active_draft": _("There is no open form. Start one with /inspect or /hazard."),
        "stale_action": _("That button belongs to an earlier message; here is the current question."),
        "invalid_plan": _("The plan is not complete: a year of the campaign, a target of at least 1 and at least one arrangement row with a schedule and areas."),
        "tipoff_closed": _("Tip-off {number} has already been handled."),
        "unknown_ledger_file": _("This is not a ledger or plan in the layout of Annex 1, 2 or 3."),
        "ledger_not_xlsx": _("Ledgers and plans (Annex 1, 2, 3) are imported from Excel workbooks (.xlsx) only: open "
                             "the file in Excel, save it as an Excel workbook (.xlsx) and send it again. A contact "
                             "form (Annex 4) is imported with /contacts_import, as an .xlsx or .csv file."),
        "staged_import_gone": _("This file was already answered, or waited more than an hour. Send it again."),
        "contacts_file_empty": _("The file is empty; nothing was imported. Send the filled-in contact form (Annex 4) "
                                 "as an .xlsx or .csv file, or /cancel."),
        "not_own_contact": _("Please share your own phone number with the button, not someone else's contact."),
        "phone_not_registered": _("This number is not in any unit's contact form (Annex 4). Ask the district safety office "
                                  "to add it, or bind with an invite code: /bind CODE"),
    }
    if code == "name_invalid":
        names = {
            "empty": _("The name is missing: write it after name:, e.g. name:张三."),
            "too_long": _("The name is too long: at most {limit} characters.").format(limit=q(params.get("limit", ""))),
            "hidden": _("The name holds a control or invisible character (a line break, a direction mark…); type it "
                        "again without it."),
            "twice": _("The name is given twice: write name: once, with one name after it, e.g. name:张三."),
        }
        return names.get(str(params.get("reason")), names["hidden"])
    if code == "invite_invalid":
        reasons = {
            "unknown": _("This invite code does not exist. Check it and try again."),
            "used": _("This invite code has already been used."),
            "expired": _("This invite code has expired. Ask for a new one."),
            "revoked": _("This invite code was revoked."),
        }
        return reasons.get(str(params.get("reason")), reasons["unknown"])
    if code == "invalid_plan" and params.get("field") == "year":
        return _("The plan year must be one of the campaign's years, {first}–{last}.").format(
            first=params.get("first"), last=params.get("last"))
    if code == "tipoff_refused":
        if params.get("reason") == "blocked":
            return _("Sorry, you cannot submit tip-offs at the moment.")
        return _("You have reached today's limit of {limit} tip-offs. Please try again tomorrow.").format(
            limit=q(params.get("limit", ""))
        )
    if code in IMAGE_ERRORS:
        return _image(code, params)
    if code in INBOX_ERRORS:
        return inbox_refusal(code, params)
    if code == "spreadsheet_refused":
        return sheet_refusal(params)
    if code == "filter_words_unknown":
        return filter_refusal(params)
    if code == "filter_contradicts":
        return contradiction_text(str(params.get("state", "")))
    if code == "unit_not_known" and str(params.get("suggestions") or "—") == "—":
        # nothing in the registry looks like it: a question with nothing to choose would read as a bug
        return _("No unit is called “{name}”. Send the name of a township, department or functional-zone "
                 "committee, e.g. /status 朝外街道; /rank lists them all.").format(name=q(params.get("name", "")))
    if code == "unknown_unit" and params.get("suggestions"):
        return _("Unknown unit: {unit}. Did you mean: {suggestions}?").format(
            unit=q(params.get("unit", "")), suggestions=q(params["suggestions"]))
    if code == "own_unit_only":
        return _("You may see the status of your own unit only, {unit}: send /status (or /status {unit}); the "
                 "status of another unit is for the district's readers.").format(unit=q(params.get("unit", "")))
    if code == "find_filter_gone":
        return _("That search is no longer kept; send /find again.")
    if code == "find_filter_not_yours":
        return _("That search list is not yours. Send /find to search for yourself.")
    return texts.get(code, _("That did not work.")).format(**{k: q(v) for k, v in params.items()})


def _image(code: str, params: dict[str, Any]) -> str:
    """Why a photo or image file was refused (codes of ``storage.images`` and ``handlers.media``)."""
    if code == "file_too_big":
        return _("That file is {size_mb} MB; bots can receive at most 20 MB. Send a smaller photo.").format(
            size_mb=q(params.get("size_mb", "?"))
        )
    if code == "image_too_large_pixels":
        return _("That image is too large (over {max_megapixels} megapixels) to process. Send a normal photo.").format(
            max_megapixels=q(params.get("max_megapixels", 60)))
    if code == "image_too_many_frames":
        return _("That image has too many frames (at most {max_frames}). Send a normal photo.").format(
            max_frames=q(params.get("max_frames", "?")))
    if code == "image_truncated":
        return _("That image file is damaged or incomplete. Please send it again.")
    if code == "photo_download_failed":
        return _("The photo could not be downloaded from Telegram. Please send it again.")
    if code == "file_download_failed":
        return _("The file could not be downloaded from Telegram. Please send it again.")
    return _("That file is not an image I can use (JPEG, PNG, WebP or HEIC).")


def _rejection(code: str, params: dict[str, Any]) -> str:
    """Why an answer was not accepted, in one short sentence."""
    p = {k: q(v) for k, v in params.items()}
    p.setdefault("field", _("The date"))  # a date refused outside a form's question (its label is given inside one)
    if code == "wrong_unit":  # "3万" typed for an area
        units = {"m2": _("square metres (m²)"), "wan_yuan": _("10k yuan (万元)"), "percent": _("percent (%)")}
        p["unit"] = units.get(str(params.get("unit")), p.get("unit", ""))
    texts = {
        "too_short": _("That is too short: please write at least {min} characters (punctuation and spaces do "
                       "not count)."),
        "too_long": _("That is too long ({length} characters); at most {max}, please."),
        "not_integer": _("Please send a whole number, digits only (e.g. 3)."),
        "too_small": _("The number must be at least {min}."),
        "too_large": _("The number must be at most {max}."),
        "not_decimal": _("Please send a number, e.g. 0.5 or 120."),
        "wrong_unit": _("This question is answered in {unit}: please send the number only, e.g. 120."),
        "too_many_decimals": _("At most {scale} decimal places, please."),
        "exceeds_field": _("This cannot be larger than the illegal area ({limit} m²)."),
        "bad_date": _("I could not read that date. Try {iso}, {slash}, {md}, today or tomorrow."),
        "bad_future_date": _("I could not read that date. Try {iso}, {slash}, {md} or tomorrow."),
        "bad_past_date": _("I could not read that date. Try {iso}, {slash}, {md}, today or yesterday."),
        "date_in_future": _("{field} cannot be in the future (today is {today})."),
        "date_before_campaign": _("{day} is too early: {field} cannot be before {earliest}, the first day of the "
                                  "campaign's first year."),
        "date_before_found": _("{day} is too early: {field} cannot be before {earliest}, the day this hazard was "
                               "recorded."),
        "date_before_rectified": _("{day} is too early: {field} cannot be before {earliest}, the day of the "
                                   "rectification it checks."),
        # a deadline's refusals name the question asked (整改时限, 督办期限, 申请延期至 …): ``field`` is its label
        "date_in_past": _("{day} has already passed: {field} must be a day after today ({today}). The earliest "
                          "is tomorrow ({tomorrow})."),
        "date_not_after_today": _("{field} must be a day after today: today ({today}) is too early. "
                                  "The earliest is tomorrow ({tomorrow})."),
        "date_too_far": _("{day} is too far ahead: {field} is at most three years away, so by {latest}. Work "
                          "that takes longer is registered with its own plan; please check the year."),
        "bad_phone": _("That is not a mainland mobile (11 digits, e.g. 13912345678) or a Beijing landline (e.g. 010-65001234)."),
        "not_a_choice": _("Please choose one of the buttons."),
        "unknown_unit": _("“{name}” is not in the registry of departments. Did you mean: {suggestions}? "
                          "Choose a button or type a name or short form (e.g. 消防)."),
        "not_city_department": _("“{name}” is not a city-level department: this question asks for the city body's "
                                 "branch that supervises the site (e.g. {suggestions}); the district department "
                                 "is the question before. Choose a button, or skip it."),
        "use_buttons": _("Please answer with the buttons below."),
        "not_offered": _("That button does not belong to this question; please answer the question below."),
        "use_review_buttons": _("The form is complete: use the buttons on the review card to edit or submit."),
        "expected_photo": _("A photo is expected here: send one or more photos, or press Done."),
        "unexpected_photo": _("A photo is not what this question asks for."),
        "unexpected_location": _("A location is not what this question asks for."),
        "location_outside_district": _("That location ({lat}, {lon}) is not in Chaoyang District. Send a location "
                                       "pin within 朝阳区 (📎 → Location), or type the address."),
        "location_outside_district_public": _("That location ({lat}, {lon}) is not in Chaoyang District: this bot "
                                              "takes tip-offs about 朝阳区 only. For a place elsewhere in Beijing, "
                                              "please call the citizen hotline 12345. For a place in 朝阳区, send "
                                              "its location (📎 → Location) or type the address."),
        "address_outside_district_public": _("That address is in {place}, not in Chaoyang District: this bot takes "
                                             "tip-offs about 朝阳区 only. For a place elsewhere, please call the "
                                             "citizen hotline 12345. For a place in 朝阳区, type its address or send "
                                             "its location (📎 → Location)."),
        "unsupported_content": _("I cannot use that here. Please answer the question below."),
        "unsupported_document": _("That file is not an image (JPEG, PNG, WebP or HEIC). Please answer the question below."),
        "too_many_photos": _("At most {max} photos per record."),
        "photos_changed": _("The photos changed after that list was shown (a photo was added or removed); nothing "
                            "was removed. Press “Manage photos” again for the current list."),
        "photo_on_record": _("Photo {number} is already on the record; it cannot be removed here."),
        "one_document": _("Only one document can be attached; the first one ({name}) is kept. Photos may be added."),
        "document_kind": _("{name} is not a kind of file kept ({kinds}); the document already attached ({kept}) "
                           "stays."),
        "required": _("This field is required and cannot be skipped."),
        "photo_required": _("Please send at least one photo, then press Done."),
        "photo_or_document_required": _("Please send at least one photo or a document, then press Done."),
        "link_required": _("Please choose at least one hazard, then press Done."),
        "nothing_to_keep": _("There is no current value to keep; please answer."),
        "not_editable": _("That field does not apply to this record."),
        "finish_first": _("Please finish the current question first."),
        "nothing_asked": _("Nothing is being asked right now."),
        "tipoff_blocked": _("Sorry, you cannot submit tip-offs at the moment."),
        "tipoff_daily_limit": _("You have reached today's limit of {limit} tip-offs. Please try again tomorrow."),
        "tipoff_closed": _("This tip-off is closed; nothing can be added to it."),
        "tipoff_already_verified": _("This tip-off has already been verified or closed by someone else; please cancel this form."),
    }
    if code == "unsupported_content" and params.get("content") == "document":
        code = "unsupported_document"
    text = texts.get(code, _("That answer was not accepted."))
    return text.format(**p)


def extension_status(status: str) -> str:
    """A deadline extension request's ``status`` (``storage.models_deadlines``) in words."""
    words = {APPROVED: _("extension approved"), REFUSED: _("extension refused")}
    return words.get(status, status)
