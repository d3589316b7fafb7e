"""Texts of tip-offs: status words for reporters (plain Chinese), notices, cards for verifiers.

Everything from the database is escaped with ``q``. Reporter identity appears only in ``card_text``
when the service put it in the card (the district office's view).
"""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.services.notices import Notice
from bot.services.tipoffs import TipOffCard, TrackView
from handlers.message_limits import LONG_TEXT_LIMIT, clip, shorten
from handlers.texts import q

# How much of each addition the card shows (UTF-16 code units; then "…"; its own text: ``LONG_TEXT_LIMIT``),
# so that photos, duplicates and the reporter stay in the message (Bot API: 4096 after entities parsing).
CARD_ADDITION_LIMIT = 300


def status_words(status: str, township: str = "") -> str:
    words = {
        "received": _("received, waiting to be verified"),
        "verifying": _("being verified by the township"),
        "registered": _("verified: recorded in the hazard ledger"),
        "rectifying": _("being rectified"),
        "fixed": _("rectified and closed"),
        "not_confirmed": _("verified: not confirmed"),
        "forwarded": _("forwarded to the responsible township {township}"),
        "merged": _("already reported by others: followed together"),
    }
    return words.get(status, status).format(township=q(township))


def reason_words(reason: str | None) -> str:
    words = {
        "no_hazard_found": _("no such hazard was found on site"),
        "already_fixed": _("the hazard had already been removed"),
        "not_a_safety_hazard": _("this is not a safety hazard (for other matters call 12345)"),
        "insufficient_information": _("the information was not enough to find it"),
    }
    return words.get(reason or "", "")


def track_text(view: TrackView) -> str:
    lines = [
        _("Tip-off <code>{number}</code> of {day}").format(number=q(view.number), day=view.reported_on.isoformat()),
        _("Status: {status}").format(status=status_words(view.status, view.township)),
    ]
    if view.merged:
        lines.append(_("The same hazard had already been reported; you follow that case."))
    if view.reason:
        lines.append(_("Reason: {reason}").format(reason=reason_words(view.reason)))
    return "\n".join(lines)


def notice_text(notice: Notice) -> str:
    """The message for ``notice`` in the current locale."""
    p: dict[str, Any] = notice.params
    number = q(p.get("number", ""))
    if notice.kind == "tipoff_status":
        status = str(p.get("status"))
        if status == "merged":
            text = _(
                "Your tip-off <code>{number}</code>: this hazard had already been reported, so we follow it "
                "together with the existing case. Current progress: {progress}."
            ).format(number=number, progress=status_words(str(p.get("follows", "registered"))))
            return text
        text = _("Your tip-off <code>{number}</code> has news: {status}.").format(
            number=number, status=status_words(status, str(p.get("township") or ""))
        )
        if status == "not_confirmed" and reason_words(p.get("reason")):
            text += "\n" + _("Reason: {reason}").format(reason=reason_words(p.get("reason")))
        if status == "fixed":
            text += "\n" + _("Still not fixed? Send /track {number} and press “Not fixed”.").format(number=number)
        return text
    township = q(p.get("township", ""))
    if notice.kind == "tipoff_new":
        return _("📣 New tip-off from the public <code>{number}</code> ({township}). Open it to verify, or see /tipoffs.").format(
            number=number, township=township
        )
    if notice.kind == "tipoff_added":
        return _("The reporter added material to tip-off <code>{number}</code> ({township}).").format(
            number=number, township=township
        )
    if notice.kind == "tipoff_not_fixed":
        return _("The reporter of tip-off <code>{number}</code> ({township}) says the hazard is still not fixed. Please re-check.").format(
            number=number, township=township
        )
    if notice.kind == "tipoff_returned":
        return _("The hazard record made from tip-off <code>{number}</code> was rejected; the tip-off is back in the queue.").format(
            number=number
        )
    return ""


def card_text(card: TipOffCard, tz: Any) -> str:
    lines = [
        _("📣 Tip-off <code>{number}</code>").format(number=q(card.number)),
        _("Status: {status}").format(status=status_words(card.status, card.township)),
        _("Township: {township}").format(township=q(card.township)),
    ]
    place = q(card.address) if card.address else ""
    if card.latitude is not None and card.longitude is not None:
        place = f"{place} ({card.latitude:.5f}, {card.longitude:.5f})".strip()
    lines.append(_("Place: {place}").format(place=place or "—"))
    lines.append(_("Reported at: {at}").format(at=card.reported_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
    lines.append(_("What: {text}").format(text=q(shorten(card.description, LONG_TEXT_LIMIT))))
    for addition in card.additions:
        lines.append(_("Added: {text}").format(text=q(shorten(addition, CARD_ADDITION_LIMIT))))
    lines.append(_("Photos: {count}").format(count=len(card.photo_keys)))
    if card.hazard_number:
        lines.append(_("Hazard: {number}").format(number=q(card.hazard_number)))
    if card.candidates:
        lines.append(_("Possible duplicates (last 90 days, within 100 m or same address):"))
        for c in card.candidates:
            kind = _("tip-off") if c.kind == "t" else _("hazard")
            where = _("same address") if c.same_address else _("{metres} m away").format(metres=round(c.distance_m or 0))
            lines.append(f"• {kind} {q(c.number)} · {where} · {q(c.summary)}")
    if card.reporter is not None:
        contact = q(card.reporter.contact) if card.reporter.contact else _("none")
        lines.append(
            _("Reporter (district office only): {name} · Telegram {id} · contact: {contact}").format(
                name=q(card.reporter.name), id=card.reporter.telegram_id, contact=contact
            )
        )
    return clip("\n".join(lines))


def submitted_tipoff_text(result: Any) -> str:
    """The reporter's receipt for a tip-off (``kind`` tipoff) or an addition to it (tipoff_addition)."""
    if result.kind == "tipoff_addition":
        return _("✅ Added to tip-off <code>{number}</code> ({photos} photo(s)). Thank you.").format(
            number=q(result.number), photos=result.photo_count
        )
    return _(
        "✅ Your tip-off has been received.\nTracking number: <code>{number}</code>\nPhotos: {photos}\n"
        "The township will verify it; you will be told here whenever its status changes.\n"
        "Check it any time with /track {number}. Your identity is visible only to the district safety office."
    ).format(number=q(result.number), photos=result.photo_count)
