"""Domain errors of the hazard life cycle (design.md "Hazard life cycle"; 方案 四(三), 五(一)(五)).

Each has a stable ``code`` the handlers translate; ``params`` fill the text.
"""

from __future__ import annotations

from datetime import date

from bot.services.errors import DomainError


class InvalidTransition(DomainError):
    """The hazard's ``state`` does not allow ``action`` (e.g. closing a hazard that was never re-inspected)."""

    code = "invalid_transition"


class AlreadyDone(DomainError):
    """Someone (``by``, a name) already moved the hazard out of the state this action expected, with
    ``action`` at ``at``: a double tap, or two people pressing the same button."""

    code = "already_done"


class ReasonRequired(DomainError):
    """A rejection, a failed check or a rebound needs a reason."""

    code = "reason_required"


class FiveImplementationsMissing(DomainError):
    """A major hazard (重大隐患) needs all five implementations (五落实) before registration or before being
    raised to major; a general one needs measures and deadline. ``missing`` lists the field keys."""

    code = "five_implementations_missing"


class EvidenceRequired(DomainError):
    """A rectification cannot be reported without acceptance evidence (photos or a document)."""

    code = "evidence_required"


class ReinspectorMustDiffer(DomainError):
    """The re-inspection must be done by someone other than ``reporter``, who reported the rectification."""

    code = "reinspector_must_differ"


class DeadlineRequired(DomainError):
    """A failed re-inspection, a failed verification or a rebound sends the hazard back with a new deadline."""

    code = "deadline_required"


class DeadlineInPast(DomainError):
    """A new deadline before today (in the configured zone)."""

    code = "deadline_in_past"


def checked_new_deadline(deadline: date | None, today: date) -> date:
    """``deadline``, the one a hazard sent back (failed re-inspection or verification, rebound) gets; raises
    ``DeadlineRequired`` without one and ``DeadlineInPast`` before ``today`` (the configured zone's date)."""
    if deadline is None:
        raise DeadlineRequired()
    if deadline < today:
        raise DeadlineInPast(deadline=deadline.isoformat())
    return deadline


class InvalidValue(DomainError):
    """``field`` has a value outside its choices or range (``value``)."""

    code = "invalid_value"


class AlreadySupervised(DomainError):
    """The hazard is already under supervision at ``level`` (since ``by`` put it there)."""

    code = "already_supervised"


class SampleExists(DomainError):
    """A verification sample for this unit and period was already drawn (``sample_id``)."""

    code = "sample_exists"


class DeadlineLocked(DomainError):
    """After registration the five implementations cannot move the deadline (``deadline``, the approved one):
    only an approved extension request does (方案 四(三))."""

    code = "deadline_locked"
