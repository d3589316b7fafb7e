"""Who is told of each life cycle step, and with which words and button: the one table of the workflow.

Each step tells the next actor (and those who must know) in their own language, with a button that opens the
hazard's card, where the actions the recipient may take *now* are offered (their roles and the hazard's state
are read again when they press it: an old notice whose step is done shows the card as it stands). The actor is
never told of their own step, and a person in two audiences of one step gets the first notice only.

Source: 方案 四(二) 排查建账 (unit review → office 挂账), 四(三) 销账核查 (整改, 复查, 销账), 四(四) 回头看,
五(五) 挂牌督办 (the supervised unit's leader and contact); 附件4 (the unit's 主管领导 and 联系人员).
Tip-off reporters are told through ``bot.services.tipoff_records.on_hazard_state_changed``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from enum import StrEnum
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Role
from bot.services import notice_texts
from bot.services.actors import Actor
from bot.services.hazard_query import units_reaching
from bot.services.lifecycle import Action
from bot.services.notices import Notice
from reminders.texts import text
from storage.models import Hazard, HazardEvent, Membership, Unit
from storage.models_lifecycle import Rectification, Supervision
from storage.models_reminders import Contact

KIND = "hazard_step"


class Who(StrEnum):
    """An audience of a step, resolved against the hazard when the step is taken."""

    CREATOR = "creator"  # the inspector who submitted the hazard
    UNIT_REVIEWERS = "unit_reviewers"  # reviewers of the unit that recorded it
    OFFICE = "office"  # the district safety office (区安委会办公室)
    UNIT_CONTACTS = "unit_contacts"  # 附件4 联系人员 of the unit who use the bot, and contact roles
    UNIT_LEADERS = "unit_leaders"  # 附件4 主管领导 of the unit who use the bot, and leader roles
    REINSPECTORS = "reinspectors"  # who may re-inspect: the unit's and the township's inspectors and reviewers
    RECTIFIER = "rectifier"  # who reported the latest rectification
    APPROVER = "approver"  # the reviewer who approved the hazard


class Purpose(StrEnum):
    """What the recipient reads beyond the step itself, and the words of the button (``notice_texts``)."""

    REVIEW = "review"
    CONFIRM = "confirm"
    INFORMED = "informed"
    RESUBMIT = "resubmit"
    REGISTERED = "registered"
    REINSPECT = "reinspect"
    RECTIFY_AGAIN = "rectify_again"
    CLOSE = "close"
    CLOSED = "closed"
    SUPERVISED = "supervised"


#: action → (audience, purpose), the first matching audience of a person wins
STEP_NOTICES: dict[Action, tuple[tuple[Who, Purpose], ...]] = {
    Action.SUBMIT: ((Who.UNIT_REVIEWERS, Purpose.REVIEW),),
    Action.APPROVE: ((Who.OFFICE, Purpose.CONFIRM), (Who.CREATOR, Purpose.INFORMED)),
    Action.REJECT: ((Who.CREATOR, Purpose.RESUBMIT),),
    # corrected and resubmitted after a rejection: back to the reviewers, asked to review it again (not merely told)
    Action.RESUBMIT: ((Who.UNIT_REVIEWERS, Purpose.REVIEW),),
    Action.REGISTER: ((Who.CREATOR, Purpose.REGISTERED), (Who.UNIT_CONTACTS, Purpose.REGISTERED)),
    Action.REPORT_RECTIFICATION: ((Who.REINSPECTORS, Purpose.REINSPECT),),
    Action.REINSPECT_FAIL: ((Who.RECTIFIER, Purpose.RECTIFY_AGAIN), (Who.UNIT_CONTACTS, Purpose.RECTIFY_AGAIN)),
    Action.REINSPECT_PASS: ((Who.OFFICE, Purpose.CLOSE),),
    Action.CLOSE: ((Who.CREATOR, Purpose.CLOSED), (Who.UNIT_CONTACTS, Purpose.CLOSED)),
    Action.SUPERVISE: ((Who.UNIT_LEADERS, Purpose.SUPERVISED), (Who.UNIT_CONTACTS, Purpose.SUPERVISED),
                       (Who.CREATOR, Purpose.SUPERVISED), (Who.APPROVER, Purpose.SUPERVISED)),
    Action.VERIFY_FAIL: ((Who.UNIT_REVIEWERS, Purpose.RECTIFY_AGAIN), (Who.UNIT_CONTACTS, Purpose.RECTIFY_AGAIN)),
    Action.LOOKBACK_REBOUND: ((Who.UNIT_REVIEWERS, Purpose.RECTIFY_AGAIN),),
}


def open_hazard_callback(hazard_id: int) -> str:
    """The callback data of a notice's button: open hazard ``hazard_id``'s card, as the handlers'
    ``HazardCb(id=hazard_id, a="o")`` packs it (a test holds the two together; at most 20 bytes)."""
    return f"h1:{hazard_id}:o"


async def _members(session: AsyncSession, hazard: Hazard, roles: Iterable[Role], township: bool = False) -> set[int]:
    """Users holding one of ``roles`` at the hazard's unit (and, ``township``, at the units reaching it on site: the
    township and the functional zone it lies in, ``hazard_query.units_reaching``)."""
    where = col(Membership.unit_id) == hazard.unit_id
    if township:
        where = units_reaching(hazard, Action.REINSPECT_PASS)
    rows = await session.exec(
        select(Membership.user_id).join(Unit, col(Unit.id) == Membership.unit_id)
        .where(where, col(Membership.role).in_([r.value for r in roles]))
    )
    return set(rows.all())


async def _registry(session: AsyncSession, hazard: Hazard, role: str) -> set[int]:
    """附件4 entries of the unit in ``role`` (``leader``/``contact``) bound to a bot user."""
    rows = await session.exec(
        select(Contact.user_id).where(Contact.unit_id == hazard.unit_id, Contact.role == role,
                                      col(Contact.user_id).is_not(None))
    )
    return {u for u in rows.all() if u is not None}


async def _creator(session: AsyncSession, hazard: Hazard) -> set[int]:
    return {hazard.created_by} if hazard.created_by is not None else set()


async def _reviewers(session: AsyncSession, hazard: Hazard) -> set[int]:
    return await _members(session, hazard, [Role.REVIEWER])


async def _office(session: AsyncSession, hazard: Hazard) -> set[int]:
    return set((await session.exec(select(Membership.user_id).where(Membership.role == Role.OFFICE.value))).all())


async def _contacts(session: AsyncSession, hazard: Hazard) -> set[int]:
    return await _members(session, hazard, [Role.CONTACT]) | await _registry(session, hazard, "contact")


async def _leaders(session: AsyncSession, hazard: Hazard) -> set[int]:
    return await _members(session, hazard, [Role.LEADER]) | await _registry(session, hazard, "leader")


async def _reinspectors(session: AsyncSession, hazard: Hazard) -> set[int]:
    return await _members(session, hazard, [Role.INSPECTOR, Role.REVIEWER], township=True)


async def _rectifier(session: AsyncSession, hazard: Hazard) -> set[int]:
    row = (await session.exec(select(Rectification.reported_by).where(Rectification.hazard_id == hazard.id)
                              .order_by(col(Rectification.id).desc()).limit(1))).first()
    return {row} if row is not None else set()


async def _approver(session: AsyncSession, hazard: Hazard) -> set[int]:
    row = (await session.exec(select(HazardEvent.actor_id).where(HazardEvent.hazard_id == hazard.id,
                                                                 HazardEvent.action == Action.APPROVE.value)
                              .order_by(col(HazardEvent.id).desc()).limit(1))).first()
    return {row} if row is not None else set()


_AUDIENCES: dict[Who, Callable[[AsyncSession, Hazard], Awaitable[set[int]]]] = {
    Who.CREATOR: _creator, Who.UNIT_REVIEWERS: _reviewers, Who.OFFICE: _office, Who.UNIT_CONTACTS: _contacts,
    Who.UNIT_LEADERS: _leaders, Who.REINSPECTORS: _reinspectors, Who.RECTIFIER: _rectifier,
    Who.APPROVER: _approver,
}


async def _supervision(session: AsyncSession, record_id: int | None) -> dict[str, Any]:
    """Level, and where the record has them, requirement, deadline and responsible person of a supervision."""
    row = await session.get(Supervision, record_id) if record_id is not None else None
    if row is None:
        return {}
    return {"level": row.level, "requirement": getattr(row, "requirement", None),
            "supervision_deadline": getattr(row, "deadline", None), "responsible": getattr(row, "responsible", None)}


#: audiences named by what a person once did on the hazard, not by a role they hold now
_PERSONAL = frozenset({Who.CREATOR, Who.RECTIFIER, Who.APPROVER})


async def _still_serving(session: AsyncSession, hazard: Hazard, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who may still read ``hazard`` (``hazard_query.units_reaching``: its unit, township,
    industry department or zone), or at the office.
    Someone whose roles were taken away, or whose unit handed the hazard to another (a transfer), is no longer
    told about it (its card would refuse them anyway)."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    rows = await session.exec(
        select(Membership.user_id).join(Unit, col(Unit.id) == col(Membership.unit_id)).where(
            col(Membership.user_id).in_(sorted(wanted)),
            or_(units_reaching(hazard), col(Membership.role) == Role.OFFICE.value),
        ))
    return wanted & set(rows.all())


async def step_notices(
    session: AsyncSession,
    hazard: Hazard,
    action: Action,
    actor: Actor,
    *,
    note: str | None = None,
    record_id: int | None = None,
    fallback: Iterable[int] = (),
) -> list[Notice]:
    """The notices of ``actor`` taking ``action`` on ``hazard`` (as it is after the step), one per recipient
    (never the actor): by ``STEP_NOTICES``; an action without a row tells the users ``fallback`` the step in
    words. ``record_id``: the step's own record (the supervision of 挂牌督办)."""
    facts: dict[str, Any] = {
        "site": hazard.site_name, "number": hazard.ledger_number or hazard.draft_number, "action": action.value,
        "by": actor.record_name, "state": hazard.state, "note": note, "ledger_number": hazard.ledger_number,
        "deadline": hazard.deadline,
    }
    if action == Action.SUPERVISE:
        facts.update(await _supervision(session, record_id))
    told: dict[int, Purpose] = {}
    if action in STEP_NOTICES:
        for who, purpose in STEP_NOTICES[action]:
            audience = await _AUDIENCES[who](session, hazard)
            if who in _PERSONAL:
                audience = await _still_serving(session, hazard, audience)
            for user_id in sorted(audience):
                told.setdefault(user_id, purpose)
    else:
        for user_id in fallback:
            told.setdefault(user_id, Purpose.INFORMED)
    told.pop(actor.user_id, None)
    assert hazard.id is not None
    return [
        Notice(user_id, KIND, text(notice_texts.step_notice, purpose.value, facts),
               button=(text(notice_texts.step_button, purpose.value), open_hazard_callback(hazard.id)))
        for user_id, purpose in told.items()
    ]
