"""The words of issue 15's steps: the card's lines read from the hazard's history (each supervision — level,
since, requirement, deadline, person responsible, ended), the extension request the service reads as still
waiting for the office, and the answer to whoever submitted one of their forms."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.forms.prompt import Submitted
from bot.services.find import HazardCase, Step
from handlers.message_limits import shorten
from handlers.texts import q


def _day(step: Step, case: HazardCase) -> str:
    return f"{step.at.astimezone(case.tz):%Y-%m-%d}"


def supervision_lines(case: HazardCase) -> list[str]:
    """One line per 挂牌督办: level, start, supervision deadline, person responsible, and its end (the closure
    that ended it) — 方案 五(五)."""
    lines = []
    steps = case.steps
    for i, step in enumerate(steps):
        if step.action != "supervise":
            continue
        d = step.data
        end = next((s for s in steps[i + 1:] if s.action == "close"), None)
        line = _("📌 Supervision by {level} from {start}").format(level=q(d.get("level", "")), start=_day(step, case))
        if d.get("deadline_of_supervision"):
            line += " · " + _("due {date}").format(date=q(d["deadline_of_supervision"]))
        if d.get("responsible"):
            line += " · " + _("responsible: {name}").format(name=q(shorten(str(d["responsible"]), 64)))
        line += " · " + (_("ended {date}").format(date=_day(end, case)) if end else _("supervision open"))
        lines.append(line)
        if d.get("requirement"):
            lines.append("   " + _("Requirement: {text}").format(text=q(shorten(str(d["requirement"]), 300))))
    return lines


def pending_extension_line(case: HazardCase) -> str | None:
    """"Extension to … requested, waiting for the office" while the service reads a request as waiting
    (``HazardCase.pending_extension``: not once decided, lapsed by the rectification report or closed by a
    transfer)."""
    waiting = case.pending_extension
    if waiting is None:
        return None
    return _("⏳ Extension to {date} requested by {name}, waiting for the district safety office").format(
        date=q(waiting.new_deadline.isoformat()), name=q(waiting.requested_by))


def submitted_text(result: Submitted) -> str:
    """The answer to whoever submitted one of ``WORKFLOW_FORMS``."""
    number = q(result.number)
    if result.kind == "deadline_extension":
        return _("⏳ Extension to {date} requested for {number}. The district safety office decides; you will be "
                 "told. Until then the current deadline stands.").format(date=q(result.state or ""), number=number)
    if result.kind == "extension_refusal":
        return _("❌ Extension refused for {number}; the unit is told with your reason.").format(number=number)
    if result.kind == "closure":
        return _("🗂 {number} is closed (销账); the inspector is told.").format(number=number)
    if result.kind == "verification_pass":
        return _("✅ Verification of {number} recorded as passed; it stays closed.").format(number=number)
    if result.kind == "verification_fail":
        return _("⚠️ Verification of {number} failed (rebound): it is open again with the new deadline; the unit "
                 "is told.").format(number=number)
    if result.kind == "rejection":
        return _("❌ {number} rejected; the inspector is told with your reason.").format(number=number)
    if result.kind == "closure_return":
        return _("↩️ Closure request of {number} returned to the unit; it waits for a new re-inspection.").format(
            number=number)
    return _("📌 {number} is under supervision by the {level}; the unit is told.").format(
        number=number, level=q(result.state or ""))
