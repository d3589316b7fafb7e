"""Texts of tip-offs: status words for reporters (plain Chinese), cards for verifiers (the notices are
``bot.services.notice_texts``, queued by the services).

Everything from the database is escaped with ``q``. Reporter identity appears only in ``card_text``
when the service put it in the card (the district office's view).
"""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.services import notice_texts as words
from bot.services.tipoff_rules import TO_DISTRICT_OFFICE
from bot.services.tipoffs import TipOffCard, TrackView
from handlers.message_limits import LONG_TEXT_LIMIT, clip, shorten
from handlers.texts import localized, q

# How much of each addition the card shows (UTF-16 code units; then "…"; its own text: ``LONG_TEXT_LIMIT``),
# so that photos, duplicates and the reporter stay in the message (Bot API: 4096 after entities parsing).
CARD_ADDITION_LIMIT = 300


def status_words(status: str, township: str = "") -> str:
    """A tip-off status in plain words for the reporter (``township``: who handles it)."""
    return localized(words.tipoff_status_words, status, township)


def reason_words(reason: str | None) -> str:
    """Why a tip-off was closed without a hazard, in plain words (empty for None)."""
    return localized(words.tipoff_reason_words, reason)


def track_text(view: TrackView) -> str:
    """What a reporter sees of their tip-off (HTML): number, day, status, and why when closed."""
    lines = [
        _("Tip-off <code>{number}</code> of {day}").format(number=q(view.number), day=view.reported_on.isoformat()),
        _("Status: {status}").format(status=status_words(view.status, view.township)),
    ]
    if view.merged:
        lines.append(_("The same hazard had already been reported; you follow that case."))
    if view.reason:
        lines.append(_("Reason: {reason}").format(reason=reason_words(view.reason)))
    if view.reopened_by_other:
        lines.append(_("Another person who reported the same hazard said it is still not fixed; the township is "
                       "verifying it again."))
    return "\n".join(lines)


def card_text(card: TipOffCard, tz: Any, unshown: int = 0) -> str:
    """A tip-off as its verifier sees it (HTML, user text escaped): status, place, time in ``tz``,
    description, additions, photos (and how many of them, ``unshown``, could not be shown above the card), the
    hazard made of it, possible duplicates and the reporter for the office."""
    status, township = status_words(card.status, card.township), q(card.township)
    if card.unassigned:  # the reporter did not know the township: the office holds it, no township verifies it
        township = _("to be assigned by the district safety office")
        if card.can_verify:
            status = _("waiting for a township to be assigned")
    lines = [
        _("📣 Tip-off <code>{number}</code>").format(number=q(card.number)),
        _("Status: {status}").format(status=status),
        _("Township: {township}").format(township=township),
    ]
    place = q(card.address) if card.address else ""
    if card.latitude is not None and card.longitude is not None:
        place = f"{place} ({card.latitude:.5f}, {card.longitude:.5f})".strip()
    lines.append(_("Place: {place}").format(place=place or "—"))
    lines.append(_("Reported at: {at}").format(at=card.reported_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
    if card.not_fixed is not None:
        number, at = card.not_fixed
        lines.append(_("⚠️ A reporter said at {at} that it is still not fixed (tip-off <code>{number}</code>).").format(
            at=at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), number=q(number)))
    lines.append(_("What: {text}").format(text=q(shorten(card.description, LONG_TEXT_LIMIT))))
    for addition in card.additions:
        lines.append(_("Added: {text}").format(text=q(shorten(addition, CARD_ADDITION_LIMIT))))
    if card.photo_keys:
        lines.append(_("Photos: {count}").format(count=len(card.photo_keys)))
    else:
        lines.append(_("Photos: none"))
    if unshown:
        lines.append(_("⚠️ {unshown} of its photos could not be shown.").format(unshown=unshown))
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
                name=q(card.reporter.name), id=card.reporter.address.address, contact=contact
            )
        )
    return clip("\n".join(lines))


def submitted_tipoff_text(result: Any) -> str:
    """The reporter's receipt for a tip-off (``kind`` tipoff) or an addition to it (tipoff_addition)."""
    if result.kind == "tipoff_addition":
        return _("✅ Added to tip-off <code>{number}</code> ({photos} photo(s)). Thank you.").format(
            number=q(result.number), photos=result.photo_count
        )
    lines = [_("✅ Your tip-off has been received.\nTracking number: <code>{number}</code>").format(number=q(result.number))]
    if result.photo_count:  # none sent: no "0 photos" line
        lines.append(_("Photos: {count}").format(count=result.photo_count))
    lines.append(_("The district safety office will pass it to the township that verifies it; you will be told "
                   "here whenever its status changes.") if result.detail == TO_DISTRICT_OFFICE  # township unknown
                 else _("The township will verify it; you will be told here whenever its status changes."))
    lines.append(_("Check it any time with /track {number}. Your identity is visible only to the district safety "
                   "office.").format(number=q(result.number)))
    return "\n".join(lines)
