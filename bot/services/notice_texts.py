"""The words of the notices a committed change sends — a hazard's step to the people concerned, a tip-off's
news to its reporter and to the township's verifiers — and of the states and actions they name, without
any framework: a ``reminders.texts.Text`` of these functions is rendered in each recipient's language when
the notice is queued (``bot.services.notices``); the handlers show the same words in the language of the
update (``handlers.texts.localized``).

Notices are HTML: what people typed (site names, notes, names) is escaped, and shortened so that a notice
stays far inside Telegram's 4096 characters.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from bot import labels
from reminders.texts import _, day_words

SITE_LIMIT = 200
NAME_LIMIT = 64
NOTE_LIMIT = 1000  # a reason or note typed with the step (up to 2000)


def q(text: object) -> str:
    """Escape ``text`` for an HTML message."""
    return escape(str(text), quote=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def state_name(state: str) -> str:
    """A hazard state (``bot.domain.HazardState``) in words."""
    return labels.name(labels.STATES, state, _)


def role_name(role: str) -> str:
    """The name of a role (``bot.domain.Role`` value) as people in the campaign say it."""
    return labels.name(labels.ROLES, role, _)


def action_name(action: str) -> str:
    """A life cycle action (``bot.services.lifecycle.Action``) as the history and the notices name it."""
    return labels.name(labels.ACTIONS, action, _)


def hazard_step(site: str, number: str, action: str, by: str, state: str, note: str | None) -> str:
    """The notice of one life cycle step of hazard ``number`` at ``site``, taken by ``by``."""
    text = _("Notice: {site} ({number}) — {action} by {name}. Now: {state}.").format(
        site=q(_cut(site, SITE_LIMIT)), number=q(number), action=action_name(action), name=q(_cut(by, NAME_LIMIT)),
        state=state_name(state),
    )
    if note:
        text += "\n" + _("Note: {note}").format(note=q(_cut(note, NOTE_LIMIT)))
    return text


def day(value: date) -> str:
    """A date as the recipient reads it (2026年4月30日 / 2026-04-30), as the reminders write it."""
    return day_words(value)


def step_notice(purpose: str, facts: dict[str, Any]) -> str:
    """The notice of one life cycle step for one recipient: the step (``hazard_step``), then what ``purpose``
    (``bot.services.step_notices.Purpose``) asks of them. ``facts``: ``site``, ``number``, ``action``, ``by``,
    ``state``, ``note``, ``ledger_number``, ``deadline`` (date or None) and, for supervision, ``level``,
    ``requirement``, ``supervision_deadline``, ``responsible``."""
    reason = purpose in ("resubmit", "rectify_again")
    # a supervision's note is its requirement, named on its own line below
    note = None if reason or (purpose == "supervised" and facts.get("requirement")) else facts.get("note")
    lines = [hazard_step(facts["site"], facts["number"], facts["action"], facts["by"], facts["state"], note)]
    if reason and facts.get("note"):
        lines.append(_("Reason: {reason}").format(reason=q(_cut(str(facts["note"]), NOTE_LIMIT))))
    deadline = facts.get("deadline")
    if purpose == "registered" and facts.get("ledger_number"):
        lines.append(_("Ledger number: {number}").format(number=q(facts["ledger_number"])))
    if purpose == "registered" and deadline:
        lines.append(_("Rectification deadline: {date}").format(date=day(deadline)))
    if purpose == "rectify_again" and deadline:
        lines.append(_("New deadline: {date}").format(date=day(deadline)))
    if purpose == "supervised":
        if facts.get("level"):
            lines.append(_("Supervision level: {level}").format(level=q(facts["level"])))
        if facts.get("requirement"):
            lines.append(_("Requirement: {text}").format(text=q(_cut(str(facts["requirement"]), NOTE_LIMIT))))
        if facts.get("supervision_deadline"):
            lines.append(_("Supervision deadline: {date}").format(date=day(facts["supervision_deadline"])))
        if facts.get("responsible"):
            lines.append(_("Responsible: {name}").format(name=q(_cut(str(facts["responsible"]), NAME_LIMIT))))
    asks = {
        "review": _("Please review it: open it, then approve it or reject it with a reason."),
        "confirm": _("Please confirm it into the ledger, or reject it with a reason."),
        "resubmit": _("Please correct the record and submit it again."),
        "registered": _("Please see that it is rectified by the deadline and report the rectification with "
                        "evidence."),
        "reinspect": _("Please re-inspect it on site and record the result."),
        "rectify_again": _("Please have it rectified again by the new deadline and report it with evidence."),
        "close": _("The re-inspection passed: please close it in the ledger."),
        "supervised": _("It is under listed supervision: the leader in charge assigns someone and follows its "
                        "rectification to the end."),
    }
    if purpose in asks:
        lines.append(asks[purpose])
    return "\n".join(lines)


def step_button(purpose: str) -> str:
    """The words of the button under a step notice (it opens the hazard's card)."""
    if purpose in labels.STEP_BUTTONS:
        return _(labels.STEP_BUTTONS[purpose])
    return _("📂 Open the hazard")


def tipoff_status_words(status: str, township: str = "") -> str:
    """A tip-off status (``bot.services.tipoff_rules.TipOffStatus``) in the plain words its reporter reads."""
    words = {
        "received": _("received, waiting to be verified"),
        "verifying": _("being verified by the township"),
        # "in the ledger" only once the office registered it (挂账); before, the hazard awaits review
        "registered": _("verified: recorded as a hazard, to be entered in the ledger after review"),
        "rectifying": _("entered in the hazard ledger, being rectified"),
        "fixed": _("rectified and closed"),
        "not_confirmed": _("verified: not confirmed"),
        "forwarded": _("forwarded to the responsible township {township}"),
        "merged": _("already reported by others: followed together"),
    }
    return words.get(status, status).format(township=q(township))


def tipoff_reason_words(reason: str | None) -> str:
    """Why a tip-off was not confirmed (``NOT_CONFIRMED_REASONS``), or ``""``."""
    words = {
        "no_hazard_found": _("no such hazard was found on site"),
        "already_fixed": _("the hazard had already been removed"),
        "not_a_safety_hazard": _("this is not a safety hazard (for other matters call 12345)"),
        "insufficient_information": _("the information was not enough to find it"),
    }
    return words.get(reason or "", "")


def tipoff_status(number: str, status: str, township: str = "", reason: str | None = None,
                  follows: str = "registered") -> str:
    """The reporter of tip-off ``number`` learns its new ``status`` (``merged``: they follow a case that is
    ``follows``)."""
    if status == "merged":
        return _(
            "Your tip-off <code>{number}</code>: this hazard had already been reported, so we follow it "
            "together with the existing case. Current progress: {progress}."
        ).format(number=q(number), progress=tipoff_status_words(follows))
    text = _("Your tip-off <code>{number}</code> has news: {status}.").format(
        number=q(number), status=tipoff_status_words(status, township))
    if status == "not_confirmed" and tipoff_reason_words(reason):
        text += "\n" + _("Reason: {reason}").format(reason=tipoff_reason_words(reason))
    if status == "fixed":
        text += "\n" + _("Still not fixed? Send /track {number} and press “Not fixed”.").format(number=q(number))
    return text


def tipoff_reopened_by_other(number: str) -> str:
    """The reporter of tip-off ``number`` learns the case they follow was reopened because another reporter of
    the same hazard said it is still not fixed."""
    return _("Your tip-off <code>{number}</code>: another person who reported the same hazard says it is still "
             "not fixed, so the township is verifying it again.").format(number=q(number))


def tipoff_for_verifiers(kind: str, number: str, township: str, via: str | None = None) -> str:
    """The township's verifiers hear of tip-off ``number``: ``tipoff_new``, ``tipoff_added`` (the reporter
    added material), ``tipoff_not_fixed`` (the reporter says it is still not fixed; ``via``: the number of the
    tip-off merged into ``number`` whose reporter said it), ``tipoff_returned`` (the hazard made from it was
    rejected)."""
    n, t = q(number), q(township)
    if kind == "tipoff_not_fixed" and via is not None:
        return _("The reporter of tip-off <code>{via}</code> (merged into <code>{number}</code>, {township}) says "
                 "the hazard is still not fixed. Please re-check.").format(via=q(via), number=n, township=t)
    if kind == "tipoff_new":
        return _("📣 New tip-off from the public <code>{number}</code> ({township}). Open it to verify, or see "
                 "/tipoffs.").format(number=n, township=t)
    if kind == "tipoff_added":
        return _("The reporter added material to tip-off <code>{number}</code> ({township}).").format(
            number=n, township=t)
    if kind == "tipoff_not_fixed":
        return _("The reporter of tip-off <code>{number}</code> ({township}) says the hazard is still not fixed. "
                 "Please re-check.").format(number=n, township=t)
    if kind == "tipoff_returned":
        return _("The hazard record made from tip-off <code>{number}</code> was rejected; the tip-off is back "
                 "in the queue.").format(number=n)
    raise ValueError(f"unknown tip-off notice {kind!r}")


def open_tipoff() -> str:
    """The words of the button under a verifier's notice."""
    return _("Open tip-off")
