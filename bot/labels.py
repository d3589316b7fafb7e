"""The chat's names for the campaign's codes — hazard states, roles, life-cycle actions, photo stages, hazard
fields, /find's criteria — and the words of the buttons that act on them: one table each, every name once,
shared by the notices, the cards and the reminders so that they all say the same thing.

The values are English message ids (``bot/locales``), marked here and translated where they are shown, in the
reader's language: a framework-free renderer (``bot.services.notice_texts``, ``reminders.texts``) with
``reminders.texts._``, a handler with aiogram's ``gettext``. Printed documents use the Chinese names of
``bot.documents.labels`` instead. Keys are the codes' values (``StrEnum`` members look them up as well)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def _(message: str) -> str:
    """Marks ``message`` for the catalog (``bot.catalog`` collects every ``_()``); it is translated where it
    is looked up, not here (there is no reader yet when the module is imported)."""
    return message


def name(table: Mapping[str, str], code: str, translate: Callable[[str], str]) -> str:
    """``code``'s name in ``table`` as ``translate`` (the renderer's gettext) gives it; a code the table does not
    know (a newer one, or none) is shown as it is."""
    return translate(table[code]) if code in table else code


# a hazard state (``bot.domain.HazardState``)
STATES = {
    "pending_review": _("awaiting unit review"),
    "pending_confirmation": _("awaiting the district office's confirmation"),
    "registered": _("registered, being rectified"),
    "rectified": _("rectified, awaiting re-inspection"),
    "closure_requested": _("re-inspected, awaiting closure"),
    "closed": _("closed"),
    "rejected": _("rejected"),
}

# what a hazard state means, where a word has to be explained (/find 超期 with a state no overdue hazard has)
STATE_MEANINGS = {
    "pending_review": _("recorded and awaiting the unit's review, not on the ledger yet"),
    "pending_confirmation": _("approved by the unit and awaiting registration (挂账), not on the ledger yet"),
    "rectified": _("its rectification was reported and awaits re-inspection (复查)"),
    "closure_requested": _("re-inspected and passed, awaiting closure (销账)"),
    "closed": _("rectified, accepted and closed (销账)"),
    "rejected": _("rejected, never put on the ledger"),
}

# a hazard's level (附件2 隐患级别, as stored: ``bot.services.summary.MAJOR``) in the reader's language
LEVELS = {
    "重大隐患": _("major hazard"),
    "一般隐患": _("general hazard"),
}

# a role (``bot.domain.Role``) as people in the campaign say it
ROLES = {
    "inspector": _("inspector"),
    "reviewer": _("unit reviewer"),
    "office": _("district safety office"),
    "leader": _("leader"),
    "contact": _("contact person"),
    "admin": _("administrator"),
    "public": _("member of the public"),
}

# a life-cycle action (``bot.services.lifecycle.Action``; ``edit``, ``correct`` and ``void`` also of an
# inspection) as the history and the notices name it
ACTIONS = {
    "submit": _("submitted"),
    "approve": _("approved"),
    "reject": _("rejection"),
    "register": _("registered in the ledger"),
    "set_plan": _("five implementations updated"),
    "set_level": _("level changed"),
    "report_rectification": _("rectification reported"),
    "reinspect_pass": _("re-inspection passed"),
    "reinspect_fail": _("re-inspection failed"),
    "close": _("closure"),
    "verify_pass": _("verification passed"),
    "verify_fail": _("verification failed (rebound)"),
    "supervise": _("put under supervision"),
    "lookback_pass": _("lookback: no rebound"),
    "lookback_rebound": _("lookback: rebound"),
    "link_new": _("new hazard linked"),
    "verify": _("verification recorded"),
    "issue_notice": _("notice issued"),
    "request_extension": _("deadline extension requested"),
    "extend_deadline": _("deadline extended"),
    "refuse_extension": _("deadline extension refused"),
    "return_closure": _("closure request returned"),
    "edit": _("edited"),
    "resubmit": _("corrected and resubmitted"),
    "correct": _("corrected by the office"),
    "transfer": _("transferred to another unit"),
    "record_reinspection": _("re-inspection recorded from an inspection"),
    "void": _("voided"),  # an inspection entered in error
}

# the button on a hazard's card that takes an action (``bot.services.lifecycle.Action``)
ACTION_BUTTONS = {
    "approve": _("✅ Approve"),
    "reject": _("❌ Reject"),
    "register": _("📒 Register in the ledger"),
    "report_rectification": _("🛠 Report rectification"),
    "reinspect_pass": _("✅ Re-inspection passed"),
    "reinspect_fail": _("❌ Re-inspection failed"),
    "close": _("🗂 Close"),
    "supervise": _("📌 Supervise"),
    "lookback_pass": _("🔁 Lookback: no rebound"),
    "lookback_rebound": _("⚠️ Lookback: rebound"),
    "set_plan": _("📝 Fill in the five implementations"),
    "request_extension": _("⏳ Request a deadline extension"),
    "return_closure": _("↩️ Return the closure request"),
}

# the button under a step's notice (``bot.services.step_notices.Purpose``) that opens the hazard's card
STEP_BUTTONS = {
    "review": _("🔎 Open and review"),
    "confirm": _("📒 Open and confirm"),
    "resubmit": _("✏️ Revise and resubmit"),
    "reinspect": _("🔍 Open and re-inspect"),
    "rectify_again": _("🛠 Open and rectify"),
    "close": _("🗂 Open and close"),
}

# the stage of a hazard's life a photo documents (``bot.domain.PhotoStage``)
PHOTO_STAGES = {
    "discovery": _("discovery"),
    "inspection": _("inspection"),
    "rectification": _("rectification"),
    "acceptance": _("acceptance"),
    "reinspection": _("re-inspection"),
    "verification": _("verification"),
    "tipoff": _("tip-off"),
}

# a field of a hazard's five implementations (and its unit) named in a refusal
HAZARD_FIELDS = {
    "responsibility": _("responsibility"),
    "measures": _("measures"),
    "funds": _("funds (10k yuan)"),
    "deadline": _("deadline"),
    "contingency_plan": _("contingency plan"),
    "unit": _("unit"),
}

# a criterion of /find (``bot.services.hazard_filter.CRITERIA``)
FIND_CRITERIA = {
    "unit": _("township or department"),
    "type": _("hazard type"),
    "level": _("level"),
    "state": _("state"),
    "source": _("source"),
    "overdue": _("overdue"),
    "supervised": _("under supervision"),
    "deadline": _("deadline range"),
    "registered": _("registration date range"),
    "text": _("number, name or address"),
}

# the button under a reminder (``reminders.actions``)
REMINDER_BUTTONS = {
    "ledger": _("Update the ledger"),
    "hazard": _("Report rectification"),
    "supervise": _("Set supervision"),
    "extend": _("Request an extension"),
    "info": _("Send work information"),
    "summary": _("Send quarterly summary"),
    "plan": _("Send annual plan"),
    "lookback": _("View the ledger"),
    "lookback_report": _("Send summary report"),
    "contacts": _("Update contact form"),
    "rank": _("View full ranking"),
}


def update_age(days: int | None, not_started: bool, late: bool, translate: Callable[[str], str]) -> str:
    """Since when a unit's ledger last changed, as /rank and the weekly 通报 say it: 尚未开始 (nothing begun);
    past the fortnightly update (方案 五(一): ``summary.UnitLine.late_update``) in the words /status uses for it
    (超过15天未更新), with the days or 从未更新; else the days, or 从未更新 alone for a unit whose duty began within
    the last 15 days (not late yet). ``days``: whole days, ``None`` for never."""
    if not_started:
        return translate(_("not started"))
    if late and days is None:
        return translate(_("never updated (over 15 days without an update)"))
    if late:
        return translate(_("{days} days (over 15 days without an update)")).format(days=days)
    if days is None:
        return translate(_("never updated"))
    return translate(_("{days} days")).format(days=days)


# the 通报 (/rank and the weekly ranking): the heading over the units given no place (``summary.UnitLine.placed``)
UNPLACED_HEADING = _("Not ranked (no rectification rate, or nothing recorded by the unit itself):")
# why the overdue column adds up to more than /status's overdue count
OVERDUE_FOOTNOTE = _("Note: an overdue hazard counts for each unit responsible for it (the township where it lies, "
                     "its industry department, the unit that recorded it), so the column adds up to more than the "
                     "district's overdue count in /status.")


def unplaced_start(table: Sequence[Any], i: int) -> bool:
    """Whether item ``i`` of a ranking (or of one page of it; ``summary.RankingLine``) is the first of the units
    not placed there, under which ``UNPLACED_HEADING`` goes."""
    return table[i].place is None and (i == 0 or table[i - 1].place is not None)
