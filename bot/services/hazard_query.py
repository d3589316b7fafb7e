"""Which hazards an actor sees, which are open, which are overdue — each rule once, in Python (for a row
in hand) and in SQL (for counts, lists and exports), so that the card, /find, /status, the map, the
reminders and the Excel ledger always agree.

- **open**: registered (挂账), rectified or closure requested — on the ledger and not yet closed (销账)
  (方案 四(二)–(三)).
- **overdue** (derived, never stored; design.md "Hazard life cycle"): registered and its deadline before
  ``today``, the calendar date in the deployment's time zone (``HAZARDBOT_TIMEZONE``, Asia/Shanghai by
  default; the caller passes ``today`` from its injected clock).
- **scope** (方案 三, design.md "Scopes follow the plan"; the ONE rule, in Python ``covers`` / ``roles_on`` and in
  SQL ``scope_clause`` / ``unit_scope_clause`` / ``scope_pairs``, used by the card, /find, the lists, /status,
  /rank, the map, exports and step notices): the office, admins and a leader of 区安委会办公室 or 区政府 see the
  district. Every unit sees the hazards it recorded (it drives their rectification); besides,
    - a township (街道/地区) those located in it (所属街乡),
    - a department those of its industry: its name is the hazard's 所属区行业部门 or 所属市行业部门 (附件2 填表说明
      8, 9), whoever recorded them,
    - a functional-zone committee (功能区管委会) those in its zone (``zone_of``).
  A leader, reviewer, inspector or contact of a unit sees that unit's scope. To *act*, a unit's roles reach the
  hazards it recorded; a township's and a zone's roles also, on site, those located in their area for
  ``lifecycle.TERRITORIAL_ACTIONS`` (方案 四(三): 各街乡、相关功能区管委会 organise the 现场复查验收). A department
  over its industry reads and is notified; it does not take the recording unit's steps.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, true, union_all
from sqlmodel import col, select

from bot.domain import DISTRICT_GOVERNMENT_CODE, DISTRICT_OFFICE_CODE, HazardState, Role
from bot.services.actors import Actor, Grant
from bot.services.lifecycle import (
    DISTRICT_ROLES,
    MAJOR,
    READ_ROLES,
    TERRITORIAL_ACTIONS,
    Action,
    has_district_scope,
)
from storage.models import Hazard, Unit
from storage.registry import ZONE_KIND

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
    (``overdue_clause``, ``today`` in the configured zone), then those still being worked on before the closed and
    rejected ones (a /find list mixes them; a work queue holds the first only), then 重大隐患 before 一般隐患, then
    the oldest record (``created_at``, then ``id`` so that equal times keep one order and pages never overlap)."""
    return (
        case((overdue_clause(today), 0), else_=1),
        case((col(Hazard.state).in_((HazardState.CLOSED.value, HazardState.REJECTED.value)), 1), else_=0),
        case((col(Hazard.level) == MAJOR, 0), else_=1),
        col(Hazard.created_at),
        col(Hazard.id),
    )


def days_overdue(deadline: date, today: date) -> int:
    """Whole days past ``deadline`` (≥ 1 exactly when ``is_overdue`` for a registered hazard)."""
    return (today - deadline).days


#: units whose leaders lead the district (区安委会办公室, 区政府: config/data/departments.csv)
DISTRICT_UNIT_CODES = frozenset({DISTRICT_OFFICE_CODE, DISTRICT_GOVERNMENT_CODE})
TOWNSHIP = "township"
DEPARTMENT = "department"
ZONE = "zone"


def unit_class(is_township: bool, kind: str) -> str:
    """``TOWNSHIP``, ``ZONE`` (kind 功能区管委会) or ``DEPARTMENT`` (everything else of the registry)."""
    if is_township:
        return TOWNSHIP
    return ZONE if kind == ZONE_KIND else DEPARTMENT


class Placed(Protocol):
    """What the scope reads of a hazard (a ``Hazard`` row or object)."""

    unit_id: int
    township_code: str
    district_department: str | None
    city_department: str | None
    zone_id: int | None


def zone_of(recording_unit: Unit | None, chosen: int | None = None) -> int | None:
    """The functional zone (功能区管委会 unit id) a new hazard lies in: ``chosen`` when given (the import or the
    office names it), else the committee that records it when the recorder is one, else None.

    Why the recorder: a zone's boundary cuts across townships (CBD spans 建外, 呼家楼, 朝外…) and no open
    boundary data exists (config/data/README.md), so neither the township nor a map pin can tell it; the plan
    makes each committee inspect and ledger its own zone (方案 四(二): 各功能区管委会…本地区安全隐患台账), so what
    it records lies in it. The zone is kept when the office hands the hazard to another unit (a transfer moves
    the duty, not the site); the township it lies in (所属街乡) is asked at entry as for everyone."""
    if chosen is not None:
        return chosen
    if recording_unit is not None and recording_unit.kind == ZONE_KIND:
        return recording_unit.id
    return None


def reads_district(actor: Actor) -> bool:
    """Whether ``actor`` reads the whole district: the office, admins, a leader of 区安委会办公室 or 区政府."""
    return has_district_scope(actor) or any(
        g.role == Role.LEADER and g.unit_code in DISTRICT_UNIT_CODES for g in actor.grants
    )


def covers(grant: Grant, hazard: Placed, action: Action | None = None) -> bool:
    """Whether ``grant`` reaches ``hazard``, to read it (``action`` None) or to take ``action`` (module docstring)."""
    if grant.role in DISTRICT_ROLES:
        return True
    if action is None and grant.role == Role.LEADER and grant.unit_code in DISTRICT_UNIT_CODES:
        return True
    if grant.unit_id == hazard.unit_id:
        return True
    territorial = action is None or action in TERRITORIAL_ACTIONS
    kind = unit_class(grant.unit_is_township, grant.unit_kind)
    if kind == TOWNSHIP:
        return territorial and grant.unit_code == hazard.township_code
    if kind == ZONE:
        return territorial and hazard.zone_id is not None and grant.unit_id == hazard.zone_id
    return action is None and grant.unit_name in (hazard.district_department, hazard.city_department)


def roles_on(actor: Actor, hazard: Placed, action: Action | None = None) -> set[Role]:
    """The roles ``actor`` holds over ``hazard`` (admins: ``Role.ADMIN``): to read it (``action`` None) or to
    take ``action`` (``covers``)."""
    roles = {g.role for g in actor.grants if g.role in READ_ROLES and covers(g, hazard, action)}
    if actor.is_admin:
        roles.add(Role.ADMIN)
    return roles


def units_reaching(hazard: Placed, action: Action | None = None) -> ColumnElement[bool]:
    """SQL over ``Unit``: the units whose scope holds ``hazard`` (a row in hand), to read it or for ``action``
    — ``covers`` seen from the hazard's side (the district's units apart: callers add the office's roles)."""
    parts: list[ColumnElement[bool]] = [col(Unit.id) == hazard.unit_id]
    if action is None or action in TERRITORIAL_ACTIONS:
        parts.append(and_(col(Unit.is_township), col(Unit.code) == hazard.township_code))
        if hazard.zone_id is not None:
            parts.append(col(Unit.id) == hazard.zone_id)
    names = [n for n in (hazard.district_department, hazard.city_department) if n]
    if action is None and names:
        parts.append(and_(~col(Unit.is_township), col(Unit.kind) != ZONE_KIND, col(Unit.name).in_(names)))
    return or_(*parts)


def unit_scope_clause(unit_id: int, code: str, name: str, is_township: bool, kind: str,
                      action: Action | None = None) -> ColumnElement[bool]:
    """SQL: the hazards in the scope of one unit (module docstring), to read (``action`` None) or for ``action``."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    parts: list[ColumnElement[bool]] = [h.unit_id == unit_id]
    territorial = action is None or action in TERRITORIAL_ACTIONS
    cls = unit_class(is_township, kind)
    if cls == TOWNSHIP and territorial:
        parts.append(h.township_code == code)
    elif cls == ZONE and territorial:
        parts.append(h.zone_id == unit_id)
    elif cls == DEPARTMENT and action is None:
        parts.append(or_(h.district_department == name, h.city_department == name))
    return or_(*parts)


def unit_row_clause(unit: Unit, action: Action | None = None) -> ColumnElement[bool]:
    """``unit_scope_clause`` of a ``Unit`` row."""
    assert unit.id is not None
    return unit_scope_clause(unit.id, unit.code, unit.name, unit.is_township, unit.kind, action)


def scope_clause(actor: Actor, action: Action | None = None) -> ColumnElement[bool]:
    """SQL condition selecting the hazards ``actor`` may read (``action`` None) or take ``action`` on: the SQL
    form of ``covers`` over the actor's grants (everything for the district's readers)."""
    if (reads_district(actor) if action is None else has_district_scope(actor)):
        return true()
    grants = {g.unit_id: g for g in actor.grants if g.role in READ_ROLES}
    if not grants:
        return false()
    return or_(*(unit_scope_clause(g.unit_id, g.unit_code, g.unit_name, g.unit_is_township, g.unit_kind, action)
                 for g in grants.values()))


async def unit_clause(session: Any, unit_id: int) -> ColumnElement[bool]:
    """``unit_row_clause`` of unit ``unit_id`` read in ``session`` (literal values: each branch of the OR uses its
    index); ``in_unit_scope`` when there is no such unit (it then selects what the unit recorded: nothing)."""
    unit = await session.get(Unit, unit_id)
    return unit_row_clause(unit) if unit is not None else in_unit_scope(unit_id)


def in_unit_scope(unit_id: int) -> ColumnElement[bool]:
    """SQL: the hazard is in the read scope of unit ``unit_id`` (``unit_scope_clause`` when only the id is at hand,
    for a unit's /status, map, lists and exports). The unit's code and name are uncorrelated scalar subqueries,
    evaluated once, so each branch of the OR can use its index (unit_id, township_code, zone_id, the two
    department columns)."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    u = Unit.__table__.c  # type: ignore[attr-defined]
    town = select(u.code).where(u.id == unit_id, u.is_township == true()).scalar_subquery()
    dept = select(u.name).where(u.id == unit_id, u.is_township == false(), u.kind != ZONE_KIND).scalar_subquery()
    zone = select(u.id).where(u.id == unit_id, u.kind == ZONE_KIND).scalar_subquery()
    return or_(h.unit_id == unit_id, h.township_code == town, h.zone_id == zone,
               h.district_department == dept, h.city_department == dept)


def scope_branches() -> list[tuple[Any, Any, ColumnElement[bool]]]:
    """The read scope (module docstring) as five disjoint ``(unit key, FROM clause, condition)`` over the hazards:
    recorded by the unit; located in a township, of a department's industry (区 column, 市 column), in a zone — each
    of the last four
    leaving out the recorder, so that a GROUP BY of each over its key, added up, counts every (unit, hazard) pair
    of ``scope_pairs`` exactly once without joining through a union (the 通报's per-unit numbers)."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    u = Unit.__table__.c  # type: ignore[attr-defined]
    hazards = Hazard.__table__  # type: ignore[attr-defined]
    located = hazards.join(Unit.__table__, and_(u.is_township == true(), u.code == h.township_code))  # type: ignore[attr-defined]
    department = and_(u.is_township == false(), u.kind != literal(ZONE_KIND))
    # two equality joins (each an index lookup of the unit by name), not one OR: the second leaves out a city
    # column that repeats the district one
    district_industry = hazards.join(Unit.__table__, and_(department, u.name == h.district_department))  # type: ignore[attr-defined]
    city_industry = hazards.join(Unit.__table__, and_(department, u.name == h.city_department))  # type: ignore[attr-defined]
    return [
        (h.unit_id, hazards, true()),
        (u.id, located, u.id != h.unit_id),
        # "IS NOT NULL" lets the planner start from the column's index when few hazards name a department
        (u.id, district_industry, and_(h.district_department.is_not(None), u.id != h.unit_id)),
        (u.id, city_industry, and_(h.city_department.is_not(None), u.id != h.unit_id,
                                   or_(h.district_department.is_(None), h.district_department != h.city_department))),
        (h.zone_id, hazards, and_(h.zone_id.is_not(None), h.zone_id != h.unit_id)),
    ]


def scope_pairs() -> Any:
    """A subquery ``(scope_unit_id, hazard_id)``: every unit with each hazard in its read scope, once per pair
    (``scope_branches`` joined with UNION ALL). Agrees with ``in_unit_scope`` (tests/test_scopes.py)."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    parts = [select(key.label("scope_unit_id"), h.id.label("hazard_id")).select_from(src).where(cond)
             for key, src, cond in scope_branches()]
    return union_all(*parts).subquery("scope_pairs")


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
