"""The hazard life cycle as data: the transition table (state, action, role) → next state, the roles that
read and the on-site actions, and the five-implementations rule (who reaches which hazard, open and overdue:
``hazard_query``). No database, no framework.

Source: design.md "Hazard life cycle" and "Roles"; 方案 四(二) 排查建账 (unit review, office confirms 挂账),
四(三) 销账核查 (验收, 复查, 销账, 核查), 四(四) 回头看, 五(五) 挂牌督办; 附件2 填表说明 15 (五落实).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bot.domain import HazardState, Role
from bot.services.actors import Actor

MAJOR = "重大隐患"
GENERAL = "一般隐患"
LEVELS = (GENERAL, MAJOR)
#: 方案 五(五): 分级管理，逐级上报，分级挂账督办; 重大安全生产事故隐患 by 区政府. Appended, never reordered: an older
#: button names a level by its index.
SUPERVISION_LEVELS = ("区政府", "区安委会", "街乡", "区安委会办公室")
DISTRICT_GOVERNMENT = SUPERVISION_LEVELS[0]
REINSPECTION_PASSED = "复查合格"
REINSPECTION_FAILED = "复查不合格"
REINSPECTION_NONE = "未复查"


def reopened_changes(deadline: date) -> dict[str, object]:
    """Ledger columns of a hazard reopened as a rebound (反弹): a new deadline, and no re-inspection yet in the
    new round (附件2 复查结果 未复查)."""
    return {"deadline": deadline, "reinspected_on": None, "reinspection_result": REINSPECTION_NONE}


class Action(StrEnum):
    """What a person does to a hazard; stored in ``hazard_event.action``."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    REGISTER = "register"
    SET_PLAN = "set_plan"
    SET_LEVEL = "set_level"
    REPORT_RECTIFICATION = "report_rectification"
    REINSPECT_PASS = "reinspect_pass"
    REINSPECT_FAIL = "reinspect_fail"
    CLOSE = "close"
    VERIFY_PASS = "verify_pass"
    VERIFY_FAIL = "verify_fail"
    SUPERVISE = "supervise"
    LOOKBACK_PASS = "lookback_pass"
    LOOKBACK_REBOUND = "lookback_rebound"
    LINK_NEW = "link_new"
    REQUEST_EXTENSION = "request_extension"
    EXTEND_DEADLINE = "extend_deadline"
    REFUSE_EXTENSION = "refuse_extension"
    RETURN_CLOSURE = "return_closure"
    EDIT = "edit"  # the unit changes its own record while it waits for review
    RESUBMIT = "resubmit"  # a rejected hazard, corrected, goes back to review
    CORRECT = "correct"  # the office corrects a field, with a reason
    TRANSFER = "transfer"  # the office hands the hazard to another unit, with a reason


S, A, R = HazardState, Action, Role
_UNIT = (R.INSPECTOR, R.REVIEWER)
_OFFICE = (R.OFFICE, R.ADMIN)
_STAYS = None  # the action records something but leaves the state as it is
_ON_RECORD = (S.PENDING_REVIEW, S.PENDING_CONFIRMATION, S.REGISTERED, S.RECTIFIED, S.CLOSURE_REQUESTED, S.CLOSED)

# (from states, action, roles, next state or _STAYS)
_SPEC: tuple[tuple[tuple[HazardState | None, ...], Action, tuple[Role, ...], HazardState | None], ...] = (
    ((None,), A.SUBMIT, (R.INSPECTOR, R.REVIEWER), S.PENDING_REVIEW),
    ((S.PENDING_REVIEW,), A.APPROVE, (R.REVIEWER,), S.PENDING_CONFIRMATION),
    ((S.PENDING_REVIEW,), A.REJECT, (R.REVIEWER,), S.REJECTED),
    ((S.PENDING_CONFIRMATION,), A.REGISTER, _OFFICE, S.REGISTERED),
    ((S.PENDING_CONFIRMATION,), A.REJECT, _OFFICE, S.REJECTED),
    ((S.PENDING_REVIEW, S.PENDING_CONFIRMATION, S.REGISTERED), A.SET_PLAN, (*_UNIT, *_OFFICE), _STAYS),
    ((S.PENDING_REVIEW, S.PENDING_CONFIRMATION, S.REGISTERED, S.RECTIFIED), A.SET_LEVEL,
     (R.REVIEWER, *_OFFICE), _STAYS),
    ((S.REGISTERED,), A.REPORT_RECTIFICATION, _UNIT, S.RECTIFIED),
    ((S.RECTIFIED,), A.REINSPECT_PASS, _UNIT, S.CLOSURE_REQUESTED),
    ((S.RECTIFIED,), A.REINSPECT_FAIL, _UNIT, S.REGISTERED),
    ((S.CLOSURE_REQUESTED,), A.CLOSE, _OFFICE, S.CLOSED),
    ((S.CLOSED,), A.VERIFY_PASS, _OFFICE, _STAYS),
    ((S.CLOSED,), A.VERIFY_FAIL, _OFFICE, S.REGISTERED),
    ((S.REGISTERED, S.RECTIFIED, S.CLOSURE_REQUESTED), A.SUPERVISE, _OFFICE, _STAYS),
    ((S.CLOSED,), A.LOOKBACK_PASS, _UNIT, _STAYS),
    ((S.CLOSED,), A.LOOKBACK_REBOUND, _UNIT, S.REGISTERED),
    ((S.CLOSED, S.REGISTERED), A.LINK_NEW, (*_UNIT, *_OFFICE), _STAYS),
    # 方案 四(三), 五(五): after registration the deadline moves only by a request the office decides
    ((S.REGISTERED,), A.REQUEST_EXTENSION, _UNIT, _STAYS),
    ((S.REGISTERED, S.RECTIFIED, S.CLOSURE_REQUESTED), A.EXTEND_DEADLINE, _OFFICE, _STAYS),
    ((S.REGISTERED, S.RECTIFIED, S.CLOSURE_REQUESTED), A.REFUSE_EXTENSION, _OFFICE, _STAYS),
    # the office returns a closure request (退回, with a reason): back to awaiting re-inspection
    ((S.CLOSURE_REQUESTED,), A.RETURN_CLOSURE, _OFFICE, S.RECTIFIED),
    # corrections with a trail (issue 15): old → new values in the event's data, the reason in its note
    ((S.PENDING_REVIEW,), A.EDIT, _UNIT, _STAYS),
    ((S.REJECTED,), A.RESUBMIT, _UNIT, S.PENDING_REVIEW),
    (_ON_RECORD, A.CORRECT, _OFFICE, _STAYS),
    (_ON_RECORD, A.TRANSFER, _OFFICE, _STAYS),
)

TRANSITIONS: dict[tuple[HazardState | None, Action, Role], HazardState | None] = {
    (state, action, role): (state if target is _STAYS else target)
    for states, action, roles, target in _SPEC
    for state in states
    for role in roles
}
"""(state, action, role) → next state. ``None`` as the from-state is a hazard being created."""


def from_states(action: Action) -> frozenset[HazardState | None]:
    """The states in which ``action`` can be taken by some role."""
    return frozenset(s for (s, a, _r) in TRANSITIONS if a == action)


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may take ``action`` in some state."""
    return frozenset(r for (_s, a, r) in TRANSITIONS if a == action)


def next_state(state: HazardState | None, action: Action, roles: set[Role]) -> HazardState | None:
    """The state after ``action`` taken by someone holding ``roles`` on the hazard; None when no role allows it."""
    for role in sorted(roles):
        if (state, action, role) in TRANSITIONS:
            return TRANSITIONS[(state, action, role)]
    return None


# ---- scope ------------------------------------------------------------------------------------------

DISTRICT_ROLES = frozenset({Role.OFFICE, Role.ADMIN})
READ_ROLES = frozenset({Role.INSPECTOR, Role.REVIEWER, Role.OFFICE, Role.LEADER, Role.CONTACT, Role.ADMIN})


#: what a township's (and a 功能区管委会's) roles do to every hazard located in its area, whichever unit recorded it:
#: the on-site re-inspection (方案 四(三): 街乡、相关功能区管委会 organise 现场复查验收) and the December lookback on site
#: (四(四)). Everything else — review (四(二): each unit reviews its own), the five implementations, the level, the
#: rectification report — belongs to the unit that recorded the hazard.
TERRITORIAL_ACTIONS = frozenset({
    Action.REINSPECT_PASS, Action.REINSPECT_FAIL, Action.LOOKBACK_PASS, Action.LOOKBACK_REBOUND, Action.LINK_NEW,
})


def has_district_scope(actor: Actor) -> bool:
    """True for an admin or a holder of a district-wide role (``DISTRICT_ROLES``)."""
    return actor.is_admin or any(g.role in DISTRICT_ROLES for g in actor.grants)


# ---- rules ------------------------------------------------------------------------------------------

FIVE_KEYS = ("responsibility", "measures", "funds", "deadline", "contingency_plan")
GENERAL_KEYS = ("measures", "deadline")


@dataclass(frozen=True)
class FiveImplementations:
    """五落实 (附件2 填表说明 15): responsibility (责任), measures (措施), funds (资金, 万元), deadline (时限,
    Asia/Shanghai date) and contingency plan (预案). ``None`` or blank = not filled in."""

    responsibility: str | None = None
    measures: str | None = None
    funds: Decimal | None = None
    deadline: date | None = None
    contingency_plan: str | None = None

    def missing(self, level: str) -> list[str]:
        """Keys still empty that ``level`` requires: all five for 重大隐患, measures and deadline otherwise."""
        keys = FIVE_KEYS if level == MAJOR else GENERAL_KEYS
        return [k for k in keys if _blank(getattr(self, k))]

    def too_long(self) -> list[str]:
        """Keys whose text exceeds its column (responsibility 512, measures and contingency plan 4000)."""
        limits = {"responsibility": 512, "measures": 4000, "contingency_plan": 4000}
        return [k for k, n in limits.items() if len(getattr(self, k) or "") > n]

    def updated(self, newer: FiveImplementations) -> FiveImplementations:
        """This plan with every field that ``newer`` fills in replaced."""
        changes = {f.name: getattr(newer, f.name) for f in fields(self) if not _blank(getattr(newer, f.name))}
        return replace(self, **changes)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())

