"""Which hazards an actor sees, which are open, which are overdue — each rule once, in Python (for a row
in hand) and in SQL (for counts, lists and exports), so that the card, /find, /status, the map, the
reminders and the Excel ledger always agree.

- **open**: registered (挂账), rectified or closure requested — on the ledger and not yet closed (销账)
  (方案 四(二)–(三)).
- **overdue** (derived, never stored; design.md "Hazard life cycle"): registered and its deadline before
  ``today``, the calendar date in the deployment's time zone (``HAZARDBOT_TIMEZONE``, Asia/Shanghai by
  default; the caller passes ``today`` from its injected clock).
- **scope**: the office and admins see the district; a unit's roles the hazards their unit recorded, a
  township's roles also those located in the township (``lifecycle.grant_covers``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_
from sqlmodel import col, select

from bot.domain import DISTRICT_OFFICE_CODE, HazardState, Role
from bot.services.actors import Actor
from bot.services.lifecycle import MAJOR, READ_ROLES, TERRITORIAL_ACTIONS, Action, has_district_scope
from storage.models import Hazard, Unit

#: on the ledger and not closed (方案 四(二)–(三))
OPEN_STATES = (HazardState.REGISTERED, HazardState.RECTIFIED, HazardState.CLOSURE_REQUESTED)
OPEN_VALUES = tuple(s.value for s in OPEN_STATES)
#: the states a hazard can have once it has a ledger number (the 附件2 ledger)
LEDGER_STATES = (*OPEN_VALUES, HazardState.CLOSED.value)


def is_open(state: str) -> bool:
    """Whether a hazard in ``state`` is on the open ledger (``OPEN_STATES``)."""
    return state in OPEN_VALUES


def open_clause() -> ColumnElement[bool]:
    """SQL form of ``is_open``."""
    return col(Hazard.state).in_(OPEN_VALUES)


def is_overdue(state: str, deadline: date | None, today: date) -> bool:
    """Registered (not yet reported rectified) and past its deadline; ``today`` in the configured zone.
    Derived on every read, never stored (design.md)."""
    return state == HazardState.REGISTERED and deadline is not None and deadline < today


def overdue_clause(today: date) -> ColumnElement[bool]:
    """SQL form of ``is_overdue``, for counts, lists, maps, exports and reminders that must agree with the card."""
    return and_(col(Hazard.state) == HazardState.REGISTERED.value, col(Hazard.deadline) < today)


def urgency_order(today: date) -> tuple[Any, ...]:
    """ORDER BY of a work queue (issue 16: "overdue, then major, then oldest"): overdue hazards first
    (``overdue_clause``, ``today`` in the configured zone), then 重大隐患 before 一般隐患, then the oldest record
    (``created_at``, then ``id`` so that equal times keep one order and pages never overlap)."""
    return (
        case((overdue_clause(today), 0), else_=1),
        case((col(Hazard.level) == MAJOR, 0), else_=1),
        col(Hazard.created_at),
        col(Hazard.id),
    )


def days_overdue(deadline: date, today: date) -> int:
    """Whole days past ``deadline`` (≥ 1 exactly when ``is_overdue`` for a registered hazard)."""
    return (today - deadline).days


def reads_district(actor: Actor) -> bool:
    """Whether ``actor`` reads the whole district: the office and admins, and a district leader (a leader of
    区安委会办公室, design.md "Roles": "a district leader the district"). A leader of the office unit records
    nothing, so reading only "the hazards their unit recorded" left a district leader's /find empty."""
    return has_district_scope(actor) or any(
        g.role == Role.LEADER and g.unit_code == DISTRICT_OFFICE_CODE for g in actor.grants
    )


def scope_clause(actor: Actor, action: Action | None = None) -> ColumnElement[bool]:
    """SQL condition selecting the hazards ``actor`` may read (``action`` None) or take ``action`` on:
    everything for the office and admins (and, to read, for a district leader: ``reads_district``); for unit roles the hazards their units recorded, and for townships
    those located there (to read, and for ``TERRITORIAL_ACTIONS``; ``lifecycle.grant_covers``)."""
    if has_district_scope(actor) or (action is None and reads_district(actor)):
        return col(Hazard.id).is_not(None)
    grants = [g for g in actor.grants if g.role in READ_ROLES]
    units = sorted({g.unit_id for g in grants})
    townships = sorted({g.unit_code for g in grants if g.unit_is_township})
    if not units:
        return false()
    if action is not None and action not in TERRITORIAL_ACTIONS:
        return col(Hazard.unit_id).in_(units)
    return or_(col(Hazard.unit_id).in_(units), col(Hazard.township_code).in_(townships))


def visible(actor: Actor, action: Action | None = None) -> Any:
    """``select(Hazard, Unit.name)`` of the hazards in ``actor``'s scope (``scope_clause``), the unit that
    recorded each joined; callers add their own conditions and order."""
    return (
        select(Hazard, Unit.name)
        .join(Unit, col(Unit.id) == col(Hazard.unit_id))
        .where(scope_clause(actor, action))
    )


def number_clause(number: str) -> ColumnElement[bool]:
    """A hazard whose ledger number is ``number`` or whose draft number is it, in any case."""
    text = number.strip()
    return or_(col(Hazard.ledger_number) == text, func.upper(col(Hazard.draft_number)) == text.upper())
