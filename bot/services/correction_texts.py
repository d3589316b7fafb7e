"""The words of the corrections' notices (issue 15 item 2), framework-free: rendered in each recipient's
language when queued (``reminders.texts.Text``). HTML: what people typed is escaped and shortened."""

from __future__ import annotations

from bot.services.notice_texts import NAME_LIMIT, NOTE_LIMIT, SITE_LIMIT, _cut, q
from reminders.texts import _


def transferred(site: str, number: str, from_unit: str, to_unit: str, by: str, reason: str) -> str:
    """Told to the reviewers of both units when the office hands a hazard from ``from_unit`` to ``to_unit``."""
    return _("Hazard {site} ({number}) was transferred from {from_unit} to {to_unit} by {name}.\nReason: {reason}").format(
        site=q(_cut(site, SITE_LIMIT)), number=q(number), from_unit=q(from_unit), to_unit=q(to_unit),
        name=q(_cut(by, NAME_LIMIT)), reason=q(_cut(reason, NOTE_LIMIT)))


def open_card() -> str:
    """The label of the button that opens the hazard's card."""
    return _("Open the hazard")


def resubmit() -> str:
    """The label of the button that reopens a returned record for correction."""
    return _("✏️ Correct and resubmit")
