"""Named domain errors. Each carries a stable ``code`` that the handlers turn into a localized text,
and ``params`` for that text. Services raise them; handlers never let them reach the user raw."""

from __future__ import annotations

from storage.errors import DomainError


class NotBound(DomainError):
    """The user has no role yet (binding needed)."""

    code = "not_bound"


class PermissionDenied(DomainError):
    """The user's role or unit scope does not allow the action."""

    code = "permission_denied"


class RoleRevoked(DomainError):
    """The role a form (or a question spanning several messages) was opened with at ``unit`` has been taken
    away since: nothing more is done in the unit's name; what was entered is kept."""

    code = "role_revoked"


class NotFound(DomainError):
    code = "not_found"


class InviteInvalid(DomainError):
    """``reason`` is one of ``unknown``, ``used``, ``expired``, ``revoked``."""

    code = "invite_invalid"


class UnknownUnit(DomainError):
    code = "unknown_unit"


class RoleNotForUnit(DomainError):
    """The office role is given at 区安委会办公室 only (``bot.domain.role_fits_unit``)."""

    code = "role_not_for_unit"


class NoActiveDraft(DomainError):
    """A form button or answer arrived but the user has no open form (e.g. after /cancel)."""

    code = "no_active_draft"


class StaleAction(DomainError):
    """A button from an older message or another draft was pressed."""

    code = "stale_action"
