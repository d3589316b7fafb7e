"""Domain errors of the hazard life cycle (design.md "Hazard life cycle"; 方案 四(三), 五(一)(五)).

Each has a stable ``code`` the handlers translate; ``params`` fill the text.
"""

from __future__ import annotations

from datetime import date

from bot.services.errors import DomainError


class InvalidTransition(DomainError, code="invalid_transition"):
    """The hazard's ``state`` does not allow ``action`` (e.g. closing a hazard that was never re-inspected)."""


class AlreadyDone(DomainError, code="already_done"):
    """Someone (``by``, a name) already moved the hazard out of the state this action expected, with
    ``action`` at ``at`` (to ``state``; ``now``: the hazard's state now, when known): a double tap, or two people
    pressing the same button, or a button kept since."""


class ReasonRequired(DomainError, code="reason_required"):
    """A rejection, a failed check or a rebound needs a reason."""


class NothingChanged(DomainError, code="nothing_changed"):
    """A rejected hazard resubmitted exactly as it was rejected (no field changed, no photo added or removed): the
    reviewer would only reject it again. The form it is refused on names the rejection's reason itself (❗ 驳回理由),
    so the refusal does not repeat it. The way to send it unchanged on purpose is to say why in 备注 (remarks),
    which is a change the reviewer reads."""


class FiveImplementationsMissing(DomainError, code="five_implementations_missing"):
    """A major hazard (重大隐患) needs all five implementations (五落实) before registration or before being
    raised to major; a general one needs measures and deadline. ``missing`` lists the field keys."""


class EvidenceRequired(DomainError, code="evidence_required"):
    """A rectification cannot be reported without acceptance evidence (photos or a document)."""


class ReinspectorMustDiffer(DomainError, code="reinspector_must_differ"):
    """The re-inspection must be done by someone other than ``reporter``, who reported the rectification."""


class DeadlineRequired(DomainError, code="deadline_required"):
    """A failed re-inspection, a failed verification or a rebound sends the hazard back with a new deadline."""


class DeadlineInPast(DomainError, code="deadline_in_past"):
    """A new deadline before today (in the configured zone)."""


def checked_new_deadline(deadline: date | None, today: date) -> date:
    """``deadline``, the one a hazard sent back (failed re-inspection or verification, rebound) gets; raises
    ``DeadlineRequired`` without one and ``DeadlineInPast`` before ``today`` (the configured zone's date)."""
    if deadline is None:
        raise DeadlineRequired()
    if deadline < today:
        raise DeadlineInPast(deadline=deadline.isoformat())
    return deadline


class InvalidValue(DomainError, code="invalid_value"):
    """``field`` has a value outside its choices or range (``value``)."""


class LevelUnchanged(InvalidValue, code="level_unchanged"):
    """The hazard is already at ``level`` ``value`` (``by``: who last changed it, or ""): a second press, a
    confirmation left on screen, another officer first."""


class AlreadySupervised(DomainError, code="already_supervised"):
    """The hazard is already under supervision at ``level`` (since ``by`` put it there)."""


class SampleExists(DomainError, code="sample_exists"):
    """A verification sample for this unit and period was already drawn (``sample_id``)."""


class DeadlineLocked(DomainError, code="deadline_locked"):
    """After registration the five implementations cannot move the deadline (``deadline``, the approved one):
    only an approved extension request does (方案 四(三))."""
