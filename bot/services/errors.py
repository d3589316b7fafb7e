"""Named domain errors. Each carries a stable ``code`` that the handlers turn into a localized text,
and ``params`` for that text. Services raise them; handlers never let them reach the user raw."""

from __future__ import annotations

from storage.errors import DomainError


class NotBound(DomainError, code="not_bound"):
    """The user has no role yet (binding needed)."""


class PermissionDenied(DomainError, code="permission_denied"):
    """The user's role or unit scope does not allow the action."""


class RoleRevoked(DomainError, code="role_revoked"):
    """The role a form (or a question spanning several messages) was opened with at ``unit`` has been taken
    away since: nothing more is done in the unit's name; what was entered is kept."""


class NotFound(DomainError, code="not_found"):
    """What was asked for (a hazard, a draft, a record …) does not exist, or is not the user's to see."""


class InviteInvalid(DomainError, code="invite_invalid"):
    """``reason`` is one of ``unknown``, ``used``, ``expired``, ``revoked``."""


class NameInvalid(DomainError, code="name_invalid"):
    """A name given for a person's records (an invite's ``--name``) is ``reason`` ``empty``, ``too_long`` (over
    ``limit`` characters) or ``hidden`` (a control or invisible character: ``contacts_import.name_fault``)."""


class UnknownUnit(DomainError, code="unknown_unit"):
    """No unit of the registry has the name or id given (``unit``); ``suggestions``: names that look like it,
    、-joined (may be empty or absent)."""


class UnitThenName(DomainError, code="unit_then_name"):
    """``/invite ROLE UNIT NAME``: no unit is called ``UNIT NAME``, but ``unit`` (its first word) is one; the
    invited person's name (``name``) needs its ``姓名:`` prefix. ``role``: the role typed."""


class RoleNotForUnit(DomainError, code="role_not_for_unit"):
    """The office role is given at 区安委会办公室 only (``bot.domain.role_fits_unit``)."""


class NoActiveDraft(DomainError, code="no_active_draft"):
    """A form button or answer arrived but the user has no open form (e.g. after /cancel)."""


class StaleAction(DomainError, code="stale_action"):
    """A button from an older message or another draft was pressed; with ``hazard_id``: someone else changed that
    hazard between this action's read and its write (``form_kept``: a form's submission, kept to submit again)."""
